/*
 * secret.h: wiping secrets and hardening the process.
 *
 * Secrets (tokens, refresh tokens, private keys, client secrets, request
 * bodies that carry them) are NUL-terminated heap strings owned by one
 * place; they are released with secret_free(), which wipes them first.
 * Never realloc() a secret: allocate anew, copy, secret_free() the old.
 */
#ifndef VTOKEN_SECRET_H
#define VTOKEN_SECRET_H

#include <stddef.h>

/* Overwrite len bytes in a way the compiler may not remove. */
void	 secret_wipe(void *p, size_t len);
/* Wipe strlen(s) bytes of s, then free it.  Accepts NULL. */
void	 secret_free(char *s);
/* Wipe len bytes of p, then free it.  Accepts NULL. */
void	 secret_freezero(void *p, size_t len);
/*
 * The -vvv trace masks a secret by its value wherever it appears, not
 * only under the names it knows (a subject token under a field the
 * credential file chose, one echoed in another reply).  secret_note
 * remembers a copy of s[0..n) for that, only while the trace is on
 * (nothing is kept otherwise) and only when n >= SECRET_NOTE_MIN;
 * secret_notes gives them back; secret_notes_free wipes them.
 */
#define SECRET_NOTE_MIN	8
void	 secret_note(const char *s, size_t n);
size_t	 secret_notes(const char *const **v, const size_t **len);
void	 secret_notes_free(void);
/*
 * JSON that may hold secrets (replies, credential files, cache entries).
 * secret_json_tokener makes a tokener for at most len bytes of input,
 * nested at most depth deep, whose string buffer is sized once so that
 * json-c never reallocates it (realloc would leave partial copies behind);
 * secret_json_tokener_free wipes that buffer and whatever a failed parse
 * left half-built, then frees it.  secret_json_put wipes every string in
 * o, then releases it.  Both accept NULL.  json-c frees object keys
 * unwiped: keys are names, never secrets.
 */
struct json_object;
struct json_tokener;
struct json_tokener *secret_json_tokener(size_t len, int depth);
void	 secret_json_tokener_free(struct json_tokener *tk);
void	 secret_json_put(struct json_object *o);

/* Constant-time equality of two NUL-terminated strings. */
int	 secret_equal(const char *a, const char *b);

/*
 * Harden the process before anything else: umask 077, fds 0-2 open,
 * SIGPIPE ignored, no core dumps, not ptrace-attachable by the same user.
 */
void	 process_harden(void);
/*
 * Undo what process_harden() changed that a program run by execve()
 * would inherit (umask, SIGPIPE's disposition, the core size limit), just
 * before exec runs the user's command.  (Dumpability resets at execve.)
 */
void	 process_restore(void);

#endif /* VTOKEN_SECRET_H */
