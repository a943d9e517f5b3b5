/*
 * subject.c: subject tokens for workload identity federation, all three
 * ways a credential file names: reading a file, asking a URL, running a
 * credential program ("pluggable auth", executable-sourced credentials)
 * per Google's documented contract; and extracting the token from what
 * they return.  See subject.h.
 *
 * The program is run with fork and execve: no shell ever sees the
 * command, argv[0] must be an absolute path, and the environment is built
 * from scratch.  It runs in its own process group so that a timeout can
 * kill it and whatever it started.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "subject.h"
#include "xmalloc.h"

/* Copy a token of len bytes if it is usable; messages never quote it. */
static int
subject_take(const char *tok, size_t len, const char *what, char **out)
{
	size_t	i;

	while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r'))
		len--;
	if (len == 0)
		return vt_err(VT_ERR_CRED, "the subject token from %s is "
		    "empty", what);
	if (len > SUBJECT_MAX)
		return vt_err(VT_ERR_CRED, "the subject token from %s is "
		    "larger than %d KiB", what, SUBJECT_MAX / 1024);
	for (i = 0; i < len; i++) {
		if ((unsigned char)tok[i] < 0x20 || tok[i] == 0x7f)
			return vt_err(VT_ERR_CRED, "the subject token from %s "
			    "contains control characters or line breaks; is "
			    "the format (text or json) right?", what);
	}
	*out = xstrndup(tok, len);
	secret_note(tok, len);
	return 0;
}

int
subject_extract(const char *data, size_t len, const char *field,
    const char *what, char **out)
{
	struct json_object	*o = NULL, *v;
	const char		*why;
	int			 r;

	*out = NULL;
	if (data == NULL)
		len = 0;
	if (field == NULL) {
		if (len > 0 && memchr(data, '\0', len) != NULL)
			return vt_err(VT_ERR_CRED, "the subject token from %s "
			    "contains a NUL byte", what);
		return subject_take(data, len, what, out);
	}
	if ((o = oauth_json_parse(data, len, &why)) == NULL)
		return vt_err(VT_ERR_CRED, "the subject token source %s is "
		    "not a JSON object (%s); check its format", what, why);
	if (!json_object_object_get_ex(o, field, &v) || v == NULL) {
		r = vt_err(VT_ERR_CRED, "the JSON from %s has no field '%s' "
		    "(format.subject_token_field_name)", what, field);
		goto out;
	}
	if (!json_object_is_type(v, json_type_string)) {
		r = vt_err(VT_ERR_CRED, "field '%s' in the JSON from %s is not "
		    "a string", field, what);
		goto out;
	}
	r = subject_take(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), what, out);
out:
	secret_json_put(o);
	return r;
}

int
subject_exec_parse(const char *data, size_t len, time_t now, int need_expiry,
    const char *what, char **out, time_t *expires, int *expired)
{
	struct json_object	*o, *v;
	const char		*why, *type, *tok, *code, *msg;
	int64_t			 n;
	int			 r;

	*out = NULL;
	*expires = 0;
	*expired = 0;
	if ((o = oauth_json_parse(data, len, &why)) == NULL)
		return vt_err(VT_ERR_CRED, "the output of %s is not a JSON "
		    "object (%s)", what, why);
	if (!json_object_object_get_ex(o, "version", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		r = vt_err(VT_ERR_CRED, "the output of %s has no numeric "
		    "'version'", what);
		goto out;
	}
	if (json_object_get_int64(v) != 1) {
		r = vt_err(VT_ERR_CRED, "the output of %s has version %lld; "
		    "only version 1 is supported", what,
		    (long long)json_object_get_int64(v));
		goto out;
	}
	if (!json_object_object_get_ex(o, "success", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		r = vt_err(VT_ERR_CRED, "the output of %s has no boolean "
		    "'success'", what);
		goto out;
	}
	if (!json_object_get_boolean(v)) {
		code = oauth_json_str(o, "code");
		msg = oauth_json_str(o, "message");
		/* A cached failure is stale too: run the program again. */
		*expired = 1;
		if (code == NULL || msg == NULL)
			r = vt_err(VT_ERR_CRED, "%s reported a failure without "
			    "the required 'code' and 'message'", what);
		else
			r = vt_err(VT_ERR_CRED, "%s reported a failure: code "
			    "%.64s: %.200s", what, code, msg);
		goto out;
	}
	if (json_object_object_get_ex(o, "expiration_time", &v) &&
	    v != NULL) {
		if (!json_object_is_type(v, json_type_int) ||
		    (n = json_object_get_int64(v)) <= 0) {
			r = vt_err(VT_ERR_CRED, "the output of %s has an "
			    "'expiration_time' that is not a Unix time", what);
			goto out;
		}
		*expires = (time_t)n;
		if (*expires <= now) {
			*expired = 1;
			r = vt_err(VT_ERR_CRED, "%s returned an expired subject "
			    "token", what);
			goto out;
		}
	} else if (need_expiry) {
		r = vt_err(VT_ERR_CRED, "the output of %s has no "
		    "'expiration_time', which is required with output_file",
		    what);
		goto out;
	}
	if ((type = oauth_json_str(o, "token_type")) == NULL) {
		r = vt_err(VT_ERR_CRED, "the output of %s has no 'token_type'",
		    what);
		goto out;
	}
	if (strcmp(type, SUBJECT_TYPE_JWT) == 0 ||
	    strcmp(type, SUBJECT_TYPE_ID_TOKEN) == 0)
		tok = oauth_json_str(o, "id_token");
	else if (strcmp(type, SUBJECT_TYPE_SAML2) == 0)
		tok = oauth_json_str(o, "saml_response");
	else {
		r = vt_err(VT_ERR_CRED, "the output of %s has token_type "
		    "'%.80s'; expected jwt, id_token or saml2", what, type);
		goto out;
	}
	if (tok == NULL) {
		r = vt_err(VT_ERR_CRED, "the output of %s has no '%s'", what,
		    strcmp(type, SUBJECT_TYPE_SAML2) == 0 ? "saml_response" :
		    "id_token");
		goto out;
	}
	r = subject_take(tok, strlen(tok), what, out);
out:
	secret_json_put(o);
	return r;
}

char **
subject_split(const char *cmd)
{
	char		**argv = NULL, *word;
	const char	 *p;
	size_t		  n = 0, wl;
	char		  q;

	if (cmd == NULL)
		return NULL;
	word = xmalloc(strlen(cmd) + 1);
	for (p = cmd;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		wl = 0;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			if (*p == '"' || *p == '\'') {
				q = *p++;
				while (*p != '\0' && *p != q)
					word[wl++] = *p++;
				if (*p != q)
					goto fail;
				p++;
			} else
				word[wl++] = *p++;
		}
		argv = xreallocarray(argv, n + 2, sizeof *argv);
		argv[n++] = xstrndup(word, wl);
		argv[n] = NULL;
	}
	free(word);
	return argv;
fail:
	free(word);
	xstrv_free(argv);
	return NULL;
}

int
subject_exec_allowed(void)
{
	const char	*v = getenv("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES");

	return v != NULL && strcmp(v, "1") == 0;
}

/* The program's environment, from scratch.  Free with xstrv_free. */
static char **
subject_env(const struct subject_exec *se)
{
	static const char *const keep[] = SUBJECT_EXEC_ENV;
	char		**env;
	const char	 *v;
	size_t		  i, n = 0;

	env = xcalloc(sizeof keep / sizeof keep[0] + 8, sizeof *env);
	for (i = 0; keep[i] != NULL; i++) {
		if ((v = getenv(keep[i])) != NULL)
			env[n++] = xasprintf("%s=%s", keep[i], v);
	}
	if (getenv("PATH") == NULL)
		env[n++] = xstrdup("PATH=/usr/bin:/bin");
	env[n++] = xasprintf("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE=%s",
	    se->audience);
	env[n++] = xasprintf("GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE=%s",
	    se->token_type);
	env[n++] = xstrdup("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=0");
	if (se->impersonated != NULL)
		env[n++] = xasprintf(
		    "GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL=%s",
		    se->impersonated);
	if (se->output_file != NULL)
		env[n++] = xasprintf("GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE=%s",
		    se->output_file);
	env[n] = NULL;
	return env;
}

/*
 * Take the lock next to the output file, waiting until the deadline.  In
 * a shared directory another user could hold it to block us: file_lock()
 * refuses one that is not private.  Not fatal either way: the program
 * still runs, only unserialised.
 */
static int
subject_lock(struct vt_ctx *ctx, const char *output_file)
{
	char	*path, why[64];
	int	 fd;

	path = xasprintf("%s.lock", output_file);
	fd = file_lock(AT_FDCWD, path, ctx_remaining(ctx), why, sizeof why);
	if (fd == -1)
		log_info("ignoring lock file '%s': %s; running without it",
		    path, why);
	free(path);
	return fd;
}

/* A usable token from the output file, or 0 with *out NULL. */
static int
subject_read_cache(const char *output_file, const char *what, char **out)
{
	char		*buf = NULL, whybuf[64];
	const char	*why;
	size_t		 len = 0, cap = 0;
	time_t		 exp;
	int		 fd, expired, r;

	*out = NULL;
	if ((fd = file_open_read(AT_FDCWD, output_file, FILE_NOFOLLOW)) == -1)
		return 0;
	/*
	 * In a shared directory another user could plant an unexpired
	 * response carrying their own subject token.  The program writes
	 * it with its own umask, so it need not be private: only ours and
	 * not writable by anyone else.
	 */
	if ((why = file_untrusted(fd, 0, whybuf, sizeof whybuf)) != NULL) {
		log_info("ignoring output_file '%s': %s", output_file, why);
		close(fd);
		return 0;
	}
	if (file_read_fd(fd, SUBJECT_MAX, &buf, &len, &cap) != 0 || len == 0) {
		close(fd);
		secret_freezero(buf, cap);
		return 0;
	}
	close(fd);
	r = subject_exec_parse(buf, len, time(NULL), 1, what, out, &exp,
	    &expired);
	secret_freezero(buf, cap);
	if (r == 0) {
		log_info("using the subject token cached in '%s'",
		    output_file);
		return 0;
	}
	/* An expired or failed response means "run it"; else an error. */
	return expired ? 0 : r;
}

/* The child: stdin /dev/null, stdout the pipe, then execve. */
static void __attribute__((noreturn))
subject_child(int wfd, char **argv, char **env, int verbose)
{
	int	null;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if ((null = open("/dev/null", O_RDWR)) == -1)
		_exit(126);
	if (dup2(null, 0) == -1 || dup2(wfd, 1) == -1 ||
	    (!verbose && dup2(null, 2) == -1))
		_exit(126);
	if (null > 2)
		close(null);
	if (wfd > 2)
		close(wfd);
	execve(argv[0], argv, env);
	_exit(127);
}

/*
 * Reap pid, waiting until the monotonic time end at most: 0 when it
 * has exited (*status), -1 when it still runs.  A short poll: it is one
 * child, and it has closed its stdout, so it should be leaving.
 */
static int
subject_reap(pid_t pid, double end, int *status)
{
	pid_t	w;
	int	ms = 1;

	for (;;) {
		if ((w = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (w == -1 && errno != EINTR) {
			*status = 0;
			return 0;	/* not ours to wait for: gone */
		}
		if (vt_now_mono() >= end)
			return -1;
		poll(NULL, 0, ms);
		if (ms < 50)
			ms *= 2;
	}
}

/*
 * Run argv, collecting at most SUBJECT_MAX bytes of stdout into *buf
 * (cap SUBJECT_MAX + 1; secret_freezero it) within timeout_ms.
 */
static int
subject_run(char **argv, char **env, long timeout_ms, char **buf,
    size_t *len)
{
	struct pollfd	 pfd;
	double		 end;
	pid_t		 pid;
	ssize_t		 n;
	int		 p[2], status, left, r = 0, timed_out = 0;

	*buf = xmalloc(SUBJECT_MAX + 1);
	*len = 0;
	if (pipe2(p, O_CLOEXEC) == -1)
		return vt_err(VT_ERR_INTERNAL, "cannot run '%s': pipe: %s",
		    argv[0], strerror(errno));
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return vt_err(VT_ERR_INTERNAL, "cannot run '%s': fork: %s",
		    argv[0], strerror(errno));
	}
	if (pid == 0)
		subject_child(p[1], argv, env, log_level() >= 1);
	close(p[1]);
	end = vt_now_mono() + timeout_ms / 1000.0;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		left = (int)((end - vt_now_mono()) * 1000);
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&pfd, 1, left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents == 0)
			continue;
		n = read(p[0], *buf + *len, SUBJECT_MAX - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
		if (*len == SUBJECT_MAX) {
			r = vt_err(VT_ERR_CRED, "'%s' wrote more than %d KiB; "
			    "that is not a credential response", argv[0],
			    SUBJECT_MAX / 1024);
			break;
		}
	}
	close(p[0]);
	(*buf)[*len] = '\0';
	/* A program may close its stdout and go on: the same deadline. */
	if (!timed_out && r == 0 && subject_reap(pid, end, &status) != 0)
		timed_out = 1;
	if (timed_out || r != 0) {
		/* Its process group: what it started goes too. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	if (timed_out)
		return vt_err(VT_ERR_NET, "the credential program '%s' did not "
		    "finish within %ld ms and was killed; check it, or raise "
		    "timeout_millis (or --timeout)", argv[0], timeout_ms);
	if (r != 0)
		return r;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return vt_err(VT_ERR_CRED, "cannot run the credential program "
		    "'%s' (exit status 127: not found or not executable?)",
		    argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return vt_err(VT_ERR_CRED, "the credential program '%s' failed "
		    "with exit status %d", argv[0], WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return vt_err(VT_ERR_CRED, "the credential program '%s' was "
		    "killed by signal %d", argv[0], WTERMSIG(status));
	return 0;
}

int
subject_exec(struct vt_ctx *ctx, const struct subject_exec *se, char **out)
{
	char	**argv = NULL, **env = NULL, *buf = NULL, *what = NULL;
	size_t	  len = 0;
	time_t	  exp;
	long	  timeout, left;
	int	  lock = -1, expired, r;

	*out = NULL;
	if ((argv = subject_split(se->command)) == NULL || argv[0] == NULL) {
		r = vt_err(VT_ERR_CRED, "credential_source.executable.command "
		    "is empty or has an unbalanced quote");
		goto out;
	}
	if (!subject_exec_allowed()) {
		r = vt_err(VT_ERR_CONFIG, "this credential runs the program "
		    "'%s'; set GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 to "
		    "allow it", argv[0]);
		goto out;
	}
	if (argv[0][0] != '/') {
		r = vt_err(VT_ERR_CRED, "credential program '%s' is not an "
		    "absolute path; name it with its full path", argv[0]);
		goto out;
	}
	what = xasprintf("credential program '%s'", argv[0]);
	if (se->output_file != NULL) {
		lock = subject_lock(ctx, se->output_file);
		if ((r = subject_read_cache(se->output_file, what, out)) != 0 ||
		    *out != NULL)
			goto out;
	}
	timeout = se->timeout_ms > 0 ? se->timeout_ms : SUBJECT_EXEC_TIMEOUT;
	left = (long)(ctx_remaining(ctx) * 1000);
	if (left < timeout)
		timeout = left > 0 ? left : 1;
	env = subject_env(se);
	log_info("running credential program '%s' (timeout %ld ms)", argv[0],
	    timeout);
	if ((r = subject_run(argv, env, timeout, &buf, &len)) != 0)
		goto out;
	r = subject_exec_parse(buf, len, time(NULL), se->output_file != NULL,
	    what, out, &exp, &expired);
out:
	if (lock != -1)
		close(lock);	/* releases the flock */
	secret_freezero(buf, SUBJECT_MAX + 1);
	xstrv_free(argv);
	xstrv_free(env);
	free(what);
	return r;
}

/* A subject token from a local file (subject.h). */
int
subject_from_file(const char *path, const char *cred, const char *field,
    char **out)
{
	char	*buf = NULL, *what;
	size_t	 len = 0, cap = 0;
	int	 fd, r;

	what = xasprintf("'%s'", path);
	fd = file_open_read(AT_FDCWD, path, 0);
	if (fd == -1) {
		r = vt_err(errno == ENOENT ? VT_ERR_CONFIG : VT_ERR_CRED,
		    "cannot read the subject token file '%s' (named in '%s'): "
		    "%s", path, cred, strerror(errno));
		goto out;
	}
	if (file_read_fd(fd, SUBJECT_MAX, &buf, &len, &cap) != 0) {
		r = vt_err(VT_ERR_CRED, "cannot read the subject token file "
		    "'%s': %s", path, file_strerror(errno, SUBJECT_MAX));
		goto out;
	}
	r = subject_extract(buf, len, field, what, out);
out:
	if (fd != -1)
		close(fd);
	secret_freezero(buf, cap);
	free(what);
	return r;
}

/* A subject token from a URL, GET with headers (subject.h). */
int
subject_from_url(struct vt_ctx *ctx, const char *url,
    const char *const *headers, const char *field, char **out)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			*what;
	int			 r;

	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.retry = 1;
	req.local_identity = 1;	/* Azure's and AWS's plain-http endpoints */
	/*
	 * The trace shows none of the reply: a reply whose JSON lacks the
	 * named field, or that is text where JSON was expected, is still
	 * the token, and nothing knows its value yet to mask it by.
	 */
	req.secret_reply = 1;
	what = xasprintf("'%s'", url);
	if ((r = http_request(ctx, &req, &resp)) != 0)
		goto out;
	if (resp.status != 200) {
		r = vt_err(resp.status >= 500 || resp.status == 429 ?
		    VT_ERR_NET : VT_ERR_CRED, "reading the subject token from "
		    "%s failed with HTTP %ld; check credential_source.url and "
		    "its headers", what, resp.status);
		goto out;
	}
	r = subject_extract(resp.body, resp.len, field, what, out);
out:
	http_response_release(&resp);
	free(what);
	return r;
}
