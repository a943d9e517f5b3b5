/*
 * xmalloc.c: allocation that cannot fail; out of memory exits 1.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtoken.h"
#include "xmalloc.h"

/* Print one line and exit: there is nothing sensible left to do. */
static void __attribute__((noreturn))
xmalloc_die(void)
{
	static const char msg[] = "vtoken: out of memory\n";

	if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
		/* Nothing more can be done. */
	}
	_exit(VT_EXIT_INTERNAL);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xmalloc_die();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_die();
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		xmalloc_die();
	if ((p = realloc(ptr, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		xmalloc_die();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xmalloc_die();
	return p;
}

void
xstrv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		xmalloc_die();
	return p;
}

/*
 * Measured first, then written once into a buffer of the exact size:
 * glibc's vasprintf() grows its buffer with realloc(), which would leave
 * partial copies of a secret argument in freed memory.  (The measuring
 * pass formats through a small buffer on glibc's stack, which later calls
 * overwrite.)
 */
char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*p;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		xmalloc_die();
	p = xmalloc((size_t)n + 1);
	if (vsnprintf(p, (size_t)n + 1, fmt, ap) != n)
		xmalloc_die();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}
