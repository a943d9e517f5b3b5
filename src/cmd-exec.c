/*
 * cmd-exec.c: run a command with the variables `env` prints set in its
 * environment (OPENAI_API_KEY, OPENAI_BASE_URL, VTOKEN_EXPIRES_AT, under
 * the profile's key_var and url_var names if it has them; cmd.c) and
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
#include "cmd.h"
#include "keyring.h"
#include "log.h"
#include "secret.h"
#include "serve-cmd.h"

/* setenv, or a message saying which variable could not be set. */
static int
cmd_exec_setenv(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		return vt_err(VT_ERR_INTERNAL, "cannot set %s: %s", name,
		    strerror(errno));
	return 0;
}

/* Set (or, for a NULL value, unset) each of env's variables. */
static int
cmd_exec_setenv_all(const struct cmd_env *ev)
{
	size_t	i;
	int	r;

	for (i = 0; i < sizeof ev->var / sizeof ev->var[0]; i++) {
		if (ev->var[i].value == NULL)
			unsetenv(ev->var[i].name);
		else if ((r = cmd_exec_setenv(ev->var[i].name,
		    ev->var[i].value)) != 0)
			return r;
	}
	return 0;
}

static int
cmd_exec_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct cmd_env	 ev;
	int		 r, e;

	if (args->serve)
		return serve_exec(ctx, args);
	if (args->metadata)
		return vt_err(VT_ERR_USAGE, "--metadata is for 'exec --serve'");
	/* A list is the broker's; without one, the first location. */
	ctx->location.value[strcspn(ctx->location.value, ",")] = '\0';

	/* env's variables, named as env names them (key_var, url_var). */
	if ((r = cmd_env_vars(ctx, NULL, NULL, NULL, 0, NULL, &ev)) != 0)
		return r;
	if ((r = cmd_exec_setenv_all(&ev)) != 0 ||
	    (r = cmd_exec_setenv("GOOGLE_CLOUD_LOCATION",
	    ctx->location.value)) != 0 ||
	    (ctx->project.value != NULL &&
	    (r = cmd_exec_setenv("GOOGLE_CLOUD_PROJECT",
	    ctx->project.value)) != 0)) {
		cmd_env_release(&ev);
		return r;
	}
	cmd_env_release(&ev);

	log_info("running '%s'", args->argv[0]);
	keyring_env_restore();
	process_restore();
	execvp(args->argv[0], args->argv);
	e = errno;
	process_harden();
	/* The variables die with this process; the token in them too. */
	if (e == ENOENT || e == ENOTDIR)
		return vt_err(VT_ERR_NOTFOUND, "cannot run '%s': command not "
		    "found; check its name and PATH", args->argv[0]);
	return vt_err(VT_ERR_NOEXEC, "cannot run '%s': %s", args->argv[0],
	    strerror(e));
}

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "[--serve [--metadata]] [--] command [argument ...]",
	.summary = "Run a command with the variables of env set.",
	.options = CMDOPT_SERVE | CMDOPT_METADATA,
	.flags = CMD_F_ARGV,
	.min_args = 1,
	.max_args = -1,
	.min_ttl = "30m",	/* the child keeps the token as long as it runs */
	.exec = cmd_exec_exec
};
