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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "log.h"
#include "secret.h"
#include "xmalloc.h"

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

/* Wipe every string inside o (tokens, keys, refresh tokens...). */
static void
secret_json_wipe(struct json_object *o)
{
	struct json_object_iterator	 it, end;
	size_t				 i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		/* json-c owns the buffer; wiping it before free is safe. */
		secret_wipe((char *)json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
		break;
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		while (!json_object_iter_equal(&it, &end)) {
			secret_json_wipe(json_object_iter_peek_value(&it));
			json_object_iter_next(&it);
		}
		break;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			secret_json_wipe(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
}

void
secret_json_put(struct json_object *o)
{
	if (o == NULL)
		return;
	secret_json_wipe(o);
	json_object_put(o);
}

/*
 * The tokener's fields are public in json-c's header (marked "do not
 * access"); they are read here only to wipe, which no API offers.  Its
 * string buffer (pb) holds each string while it is read: grown in
 * advance past anything len bytes of input can hold, it is never
 * reallocated.
 */
struct json_tokener *
secret_json_tokener(size_t len, int depth)
{
	struct json_tokener	*tk;

	if (len > (size_t)INT32_MAX - 64)
		return NULL;
	if ((tk = json_tokener_new_ex(depth)) == NULL)
		return NULL;
	if (printbuf_memset(tk->pb, 0, 0, (int)len + 16) < 0) {
		json_tokener_free(tk);
		return NULL;
	}
	printbuf_reset(tk->pb);
	return tk;
}

void
secret_json_tokener_free(struct json_tokener *tk)
{
	int	i;

	if (tk == NULL)
		return;
	if (tk->pb != NULL && tk->pb->buf != NULL && tk->pb->size > 0)
		secret_wipe(tk->pb->buf, (size_t)tk->pb->size);
	/* A parse that failed part-way leaves its containers on the stack. */
	for (i = 0; i <= tk->depth && i < tk->max_depth; i++)
		if (tk->stack[i].current != NULL)
			secret_json_wipe(tk->stack[i].current);
	json_tokener_free(tk);
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

/* What process_harden() changed, for process_restore(). */
static mode_t	 harden_umask = 022;
static void	(*harden_sigpipe)(int) = SIG_DFL;
static struct rlimit harden_core;
static int	 harden_core_saved;

void
process_harden(void)
{
	struct rlimit	rl;

	harden_umask = umask(077);
	sanitise_stdfd();
	/* A reader that went away (| head) must not kill us mid-write. */
	harden_sigpipe = signal(SIGPIPE, SIG_IGN);
	if (harden_sigpipe == SIG_ERR)
		harden_sigpipe = SIG_DFL;
	/*
	 * Tokens and keys must not end up in a core file.  Only the soft
	 * limit: a lowered hard limit could not be raised again for the
	 * command exec runs.
	 */
	if (getrlimit(RLIMIT_CORE, &harden_core) == 0) {
		harden_core_saved = 1;
		rl = harden_core;
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &rl);
	}
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_DUMPABLE) && !defined(VT_SANITIZERS)
	/* Also keeps other processes of this user from ptrace-attaching. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

void
process_restore(void)
{
	umask(harden_umask);
	signal(SIGPIPE, harden_sigpipe);
	if (harden_core_saved)
		setrlimit(RLIMIT_CORE, &harden_core);
}

/* Secrets the trace masks by value (secret.h); at most SECRET_NOTES_MAX. */
#define SECRET_NOTES_MAX	32
static char	*notes[SECRET_NOTES_MAX];
static size_t	 note_lens[SECRET_NOTES_MAX];
static size_t	 nnotes;

void
secret_note(const char *s, size_t n)
{
	size_t	i;

	if (log_level() < 3 || s == NULL || n < SECRET_NOTE_MIN ||
	    nnotes == SECRET_NOTES_MAX)
		return;
	for (i = 0; i < nnotes; i++)
		if (note_lens[i] == n && memcmp(notes[i], s, n) == 0)
			return;
	notes[nnotes] = xmalloc(n + 1);
	memcpy(notes[nnotes], s, n);
	notes[nnotes][n] = '\0';
	note_lens[nnotes++] = n;
}

size_t
secret_notes(const char *const **v, const size_t **len)
{
	*v = (const char *const *)notes;
	*len = note_lens;
	return nnotes;
}

void
secret_notes_free(void)
{
	while (nnotes > 0) {
		nnotes--;
		secret_freezero(notes[nnotes], note_lens[nnotes] + 1);
		notes[nnotes] = NULL;
	}
}
