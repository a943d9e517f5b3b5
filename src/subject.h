/*
 * subject.h: the subject token of a workload identity federation
 * credential (external_account), read from a file, a URL or a program.
 *
 * Subject tokens are secrets: every buffer that held one is wiped, and no
 * message quotes one.  The program ("pluggable auth") runs only when
 * GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1, without a shell, with a
 * minimal environment (SUBJECT_EXEC_ENV plus the documented
 * GOOGLE_EXTERNAL_ACCOUNT_* variables), stdin from /dev/null, its stderr
 * discarded unless -v, and is killed when its time is up.
 */
#ifndef VTOKEN_SUBJECT_H
#define VTOKEN_SUBJECT_H

#include <stddef.h>
#include <time.h>

struct vt_ctx;

#define SUBJECT_MAX		(64 * 1024)	/* a subject token, an output */
#define SUBJECT_EXEC_TIMEOUT	30000		/* ms, the default */
#define SUBJECT_EXEC_MIN	5000
#define SUBJECT_EXEC_MAX	120000
/* Variables of vtoken's own environment the program also gets. */
#define SUBJECT_EXEC_ENV	{ "PATH", "HOME", "USER", "LOGNAME", \
				    "LANG", "LC_ALL", "TMPDIR", "TZ", NULL }

#define SUBJECT_TYPE_JWT	"urn:ietf:params:oauth:token-type:jwt"
#define SUBJECT_TYPE_ID_TOKEN	"urn:ietf:params:oauth:token-type:id_token"
#define SUBJECT_TYPE_SAML2	"urn:ietf:params:oauth:token-type:saml2"

/*
 * Extract the subject token from data (len bytes) read from what (a
 * path or URL, for messages).  field NULL means format "text": the whole
 * content, trailing CR/LF removed; otherwise "json": the string member
 * field of the top-level object.  *out is the caller's (secret_free).
 * VT_ERR_CRED for an empty token, a missing or non-string field, bad
 * JSON or characters a token cannot have.  Pure.
 */
int	 subject_extract(const char *data, size_t len, const char *field,
	    const char *what, char **out);

/*
 * Where a workload-identity credential gets its subject token (besides a
 * credential program, below): subject_from_file reads path (cred, the
 * credential file, names it in messages); subject_from_url GETs url with
 * headers (NULL-ended), plain http allowed to loopback and link-local
 * identity endpoints, the reply never shown in the -vvv trace.  Both then
 * subject_extract with field.  VT_ERR_CONFIG for a missing file,
 * VT_ERR_NET for a failing server, VT_ERR_CRED otherwise.
 */
struct vt_ctx;
int	 subject_from_file(const char *path, const char *cred,
	    const char *field, char **out);
int	 subject_from_url(struct vt_ctx *ctx, const char *url,
	    const char *const *headers, const char *field, char **out);

/*
 * Parse an executable's output (stdout or its output_file), per the
 * documented contract: version (1), success, and on success token_type
 * (jwt, id_token or saml2), id_token or saml_response, and
 * expiration_time (required when need_expiry).  On success *out is the
 * subject token (secret_free) and *expires its expiration_time (0 when
 * absent).  A reply with success false is VT_ERR_CRED naming its code and
 * message; an expired one (expiration_time <= now) is VT_ERR_CRED too.
 * For both *expired is set, so that a cache reader runs the program
 * rather than fail.  what names the
 * program in messages.  Pure.
 */
int	 subject_exec_parse(const char *data, size_t len, time_t now,
	    int need_expiry, const char *what, char **out, time_t *expires,
	    int *expired);

/*
 * Split a command on spaces and tabs into a NULL-terminated argv; single
 * or double quotes group words (no escapes, no shell).  NULL for an
 * empty command or an unbalanced quote.  Free with xstrv_free.
 */
char	**subject_split(const char *cmd);

/* How to run a credential program. */
struct subject_exec {
	const char	*command;	/* from the file */
	long		 timeout_ms;	/* 0: SUBJECT_EXEC_TIMEOUT */
	const char	*output_file;	/* or NULL */
	const char	*audience;
	const char	*token_type;
	const char	*impersonated;	/* service account e-mail, or NULL */
};

/*
 * Get a subject token from a program: with output_file, under a lock on
 * "<output_file>.lock", a valid unexpired output_file is used instead of
 * running it.  VT_ERR_CONFIG if GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES
 * is not 1 (the program never runs); VT_ERR_CRED for a bad command, a
 * failure it reports, a non-zero exit or a bad output; VT_ERR_NET for a
 * timeout (the message names the command).  *out is the caller's (secret_free).
 */
int	 subject_exec(struct vt_ctx *ctx, const struct subject_exec *se,
	    char **out);

/* 1 if GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES allows programs. */
int	 subject_exec_allowed(void);

#endif /* VTOKEN_SUBJECT_H */
