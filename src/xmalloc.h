/*
 * xmalloc.h: allocation that cannot fail.  Out of memory prints one line
 * and exits 1, so ordinary code has no allocation-failure branches (tmux).
 */
#ifndef VTOKEN_XMALLOC_H
#define VTOKEN_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list ap)
	    __attribute__((format(printf, 1, 0)));

/* Free a NULL-terminated vector of strings; accepts NULL. */
void	 xstrv_free(char **v);

#endif /* VTOKEN_XMALLOC_H */
