/*
 * cmd-key.c: `vtoken key set|delete|status`, a Gemini API key kept in the
 * OS keyring for the selected profile.
 *
 * No option takes the key: `set` reads it from standard input (one line),
 * without echo when that is a terminal, so it never appears in argv or a
 * shell history.  The key is checked (apikey_plausible) before it is
 * stored.  `status` says whether a key is stored, and its fingerprint,
 * never the key.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vtoken.h"
#include "cmd.h"
#include "keyring.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

/* Longest line read from stdin; keys are 39 bytes. */
#define KEY_LINE_MAX	1024

/*
 * Read one line from fd into a fixed buffer, byte by byte (no stdio
 * buffer keeps a copy).  0 and *out (a secret), or VT_ERR_*.
 */
static int
key_read_line(int fd, char **out)
{
	char	 buf[KEY_LINE_MAX + 1];
	size_t	 len = 0;
	ssize_t	 n;
	char	 c;
	int	 r;

	*out = NULL;
	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = vt_err(VT_ERR_INTERNAL, "cannot read the API key "
			    "from standard input: %s", strerror(errno));
			goto out;
		}
		if (n == 0 || c == '\n')
			break;
		if (len == KEY_LINE_MAX) {
			r = vt_err(VT_ERR_CRED, "the API key read from "
			    "standard input is longer than %d bytes; it is "
			    "not an API key", KEY_LINE_MAX);
			goto out;
		}
		buf[len++] = c;
	}
	while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
	    buf[len - 1] == '\t'))
		len--;
	buf[len] = '\0';
	*out = xstrdup(buf);
	r = 0;
out:
	secret_wipe(buf, sizeof buf);
	return r;
}

/*
 * Read the key from stdin.  On a terminal: a prompt on stderr and echo
 * off, restored even when the read fails.  SIGINT and friends are left
 * alone; the terminal is restored by the shell in that case.
 */
static int
key_read(struct vt_ctx *ctx, char **key)
{
	struct termios	 old, noecho;
	int		 tty, r;

	*key = NULL;
	tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, "API key for profile '%s': ",
		    ctx->profile.value);
		fflush(stderr);
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) == -1)
			return vt_err(VT_ERR_INTERNAL, "cannot turn off the "
			    "terminal's echo: %s", strerror(errno));
	}
	r = key_read_line(STDIN_FILENO, key);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return r;
}

/* key set: read, check, store. */
static int
key_set(struct vt_ctx *ctx)
{
	const char	*why;
	char		*key = NULL;
	int		 r;

	if ((r = key_read(ctx, &key)) != 0)
		goto out;
	if (*key == '\0') {
		r = vt_err(VT_ERR_USAGE, "no API key on standard input; "
		    "type or pipe it in: vtoken key set <keyfile");
		goto out;
	}
	if (!apikey_plausible(key, &why)) {
		r = vt_err(VT_ERR_CRED, "the API key read from standard input "
		    "is not a Google API key: %s", why);
		goto out;
	}
	if ((r = keystore_set(ctx, ctx->profile.value, key)) != 0)
		goto out;
	log_info("stored the API key for profile '%s'", ctx->profile.value);
out:
	secret_free(key);
	return r;
}

/* key delete: forget it; "none stored" is not an error. */
static int
key_delete(struct vt_ctx *ctx)
{
	int	r;

	if ((r = keystore_delete(ctx, ctx->profile.value)) < 0)
		return r;
	if (r == 1)
		log_warn("no API key was stored for profile '%s'",
		    ctx->profile.value);
	else
		log_info("deleted the API key of profile '%s'",
		    ctx->profile.value);
	return 0;
}

/* key status: whether one is stored, and whether it is plausible. */
static int
key_status(struct vt_ctx *ctx)
{
	const char	*why;
	char		*key = NULL, *line;
	int		 r;

	if ((r = keystore_get(ctx, ctx->profile.value, &key)) < 0)
		return r;
	if (r == 1)
		line = xasprintf("no API key stored for profile '%s'\n",
		    ctx->profile.value);
	else if (!apikey_plausible(key, &why))
		line = xasprintf("an API key is stored for profile '%s', but "
		    "%s\n", ctx->profile.value, why);
	else
		line = xasprintf("an API key is stored for profile '%s' (%zu "
		    "characters)\n", ctx->profile.value, strlen(key));
	secret_free(key);
	r = cmd_print(line);
	free(line);
	return r;
}

static int
cmd_key_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	const char	*op = args->argv[0];

	if (strcmp(op, "set") == 0)
		return key_set(ctx);
	if (strcmp(op, "delete") == 0)
		return key_delete(ctx);
	if (strcmp(op, "status") == 0)
		return key_status(ctx);
	return vt_err(VT_ERR_USAGE, "unknown key operation '%s': use set, "
	    "delete or status", op);
}

const struct cmd_entry cmd_key_entry = {
	.name = "key",
	.usage = "set|delete|status",
	.summary = "Store, forget or check the profile's API key in the "
	    "keyring.",
	.options = 0,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_key_exec
};
