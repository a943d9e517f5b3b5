/*
 * secret.c: wiping secrets and hardening the process.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

void
secret_wipe(void *p, size_t len)
{
	if (p == NULL || len == 0)
		return;
	/* explicit_bzero is written so the compiler cannot drop it. */
	explicit_bzero(p, len);
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	secret_wipe(s, strlen(s));
	free(s);
}

void
secret_freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	secret_wipe(p, len);
	free(p);
}

int
secret_equal(const char *a, const char *b)
{
	const volatile unsigned char *x, *y;
	unsigned char	 d = 0;
	size_t		 la, lb, i;

	if (a == NULL || b == NULL)
		return a == b;
	la = strlen(a);
	lb = strlen(b);
	/* The lengths of tokens are not secret; their bytes are. */
	if (la != lb)
		return 0;
	/* Constant time, as OpenSSL's CRYPTO_memcmp, without loading it. */
	x = (const volatile unsigned char *)a;
	y = (const volatile unsigned char *)b;
	for (i = 0; i < la; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* Make sure fds 0-2 are open, so no file we open becomes stdout. */
static void
sanitise_stdfd(void)
{
	int	fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			_exit(1);
	}
}

void
process_harden(void)
{
	struct rlimit	rl = { 0, 0 };

	umask(077);
	sanitise_stdfd();
	/* A reader that went away (| head) must not kill us mid-write. */
	signal(SIGPIPE, SIG_IGN);
	/* Tokens and keys must not end up in a core file. */
	setrlimit(RLIMIT_CORE, &rl);
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_DUMPABLE) && !defined(VT_SANITIZERS)
	/* Also keeps other processes of this user from ptrace-attaching. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}
