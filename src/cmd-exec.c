/*
 * cmd-exec.c: run a command with the variables `env` prints set in its
 * environment (OPENAI_API_KEY, OPENAI_BASE_URL, VTOKEN_EXPIRES_AT) and
 * GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION, which Google's own SDKs
 * read in Vertex mode.
 *
 * vtoken replaces itself with the command (execvp), so the command's exit
 * status and the signal that ends it are the caller's to see, with no
 * process in between to forward signals or a terminal.  What
 * process_harden() set for vtoken (umask 077, SIGPIPE ignored, no core
 * files) is undone first: the command gets the environment vtoken got.
 * A command that cannot be run is 127 when it is not found and 126
 * otherwise, as a shell says.
 *
 * The token goes to the child through its environment, never its argv.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtoken.h"
#include "cache.h"
#include "cmd.h"
#include "keyring.h"
#include "log.h"
#include "output.h"
#include "resolve.h"
#include "secret.h"
#include "source.h"

/* setenv, or a message saying which variable could not be set. */
static int
cmd_exec_setenv(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		return vt_err(VT_ERR_INTERNAL, "cannot set %s: %s", name,
		    strerror(errno));
	return 0;
}

static int
cmd_exec_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	char		*base_url = NULL, when[32];
	const char	*expires;
	int		 r, e;

	/* As env: a run that cannot set a usable base URL mints nothing. */
	if ((r = resolve_credentials(ctx, &src)) != 0 ||
	    (r = resolve_project(ctx, src)) != 0 ||
	    (r = resolve_base_url(ctx, &base_url)) != 0 ||
	    (r = cache_token(ctx, src, &tok)) != 0)
		goto out;
	/* An API key does not expire: no VTOKEN_EXPIRES_AT then. */
	if (tok.expires_at == 0) {
		expires = NULL;
		unsetenv("VTOKEN_EXPIRES_AT");
	} else if ((expires = output_rfc3339(tok.expires_at, when,
	    sizeof when)) == NULL) {
		r = vt_err(VT_ERR_CRED, "the token's expiry is out of range");
		goto out;
	}
	if ((r = cmd_exec_setenv("OPENAI_API_KEY", tok.access_token)) != 0 ||
	    (r = cmd_exec_setenv("OPENAI_BASE_URL", base_url)) != 0 ||
	    (expires != NULL &&
	    (r = cmd_exec_setenv("VTOKEN_EXPIRES_AT", expires)) != 0) ||
	    (r = cmd_exec_setenv("GOOGLE_CLOUD_LOCATION",
	    ctx->location.value)) != 0)
		goto out;
	if (ctx->project.value != NULL &&
	    (r = cmd_exec_setenv("GOOGLE_CLOUD_PROJECT",
	    ctx->project.value)) != 0)
		goto out;
	token_release(&tok);
	source_free(src);
	src = NULL;
	free(base_url);
	base_url = NULL;

	log_info("running '%s'", args->argv[0]);
	keyring_env_restore();
	process_restore();
	execvp(args->argv[0], args->argv);
	e = errno;
	process_harden();
	/* The variables die with this process; the token in them too. */
	if (e == ENOENT || e == ENOTDIR)
		r = vt_err(VT_ERR_NOTFOUND, "cannot run '%s': command not "
		    "found; check its name and PATH", args->argv[0]);
	else
		r = vt_err(VT_ERR_NOEXEC, "cannot run '%s': %s",
		    args->argv[0], strerror(e));
out:
	free(base_url);
	token_release(&tok);
	source_free(src);
	return r;
}

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "[--] command [argument ...]",
	.summary = "Run a command with the variables of env set.",
	.options = 0,
	.flags = CMD_F_ARGV,
	.min_args = 1,
	.max_args = -1,
	.min_ttl = "30m",	/* the child keeps the token as long as it runs */
	.exec = cmd_exec_exec
};
