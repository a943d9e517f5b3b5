/*
 * vtoken.c: main(): harden the process, parse the command line, resolve
 * the settings, run the command, and turn its result into one error line
 * and an exit status.  This is the only place that maps errors to exit
 * statuses and the only place that prints the error line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "vtoken.h"
#include "cmd.h"
#include "http.h"
#include "log.h"
#include "options.h"
#include "secret.h"

/* Print the recorded error and return the exit status for code r. */
static int
vtoken_fail(int r)
{
	const char	*msg = vt_errmsg();

	if (r == VT_ERR_DECLINED)
		return VT_EXIT_INTERNAL;
	if ((r < VT_ERR_NET || r > VT_ERR_INTERNAL) && r != VT_ERR_NOEXEC &&
	    r != VT_ERR_NOTFOUND)
		r = VT_ERR_INTERNAL;
	fprintf(stderr, "vtoken: %s\n", msg != NULL ? msg :
	    "internal error (no message recorded)");
	return -r;
}

int
main(int argc, char **argv)
{
	struct vt_ctx	 ctx = { 0 };
	struct cli	 cli;
	struct cmd_args	 args;
	int		 r, status;

	process_harden();
	argv = cmd_helper_argv(&argc, argv);
	if ((r = options_parse(argc, argv, &cli, &args)) != 0)
		return vtoken_fail(r);
	if (cli.version) {
		printf("vtoken %s\n", PACKAGE_VERSION);
		return fflush(stdout) == 0 ? VT_EXIT_OK : VT_EXIT_INTERNAL;
	}
	if (cli.help) {
		if (cli.cmd != NULL && cli.cmd != &cmd_help_entry)
			cmd_usage_one(cli.cmd, 1);
		else
			cmd_usage(1);
		return fflush(stdout) == 0 ? VT_EXIT_OK : VT_EXIT_INTERNAL;
	}
	if (cli.cmd == NULL) {
		cmd_usage(0);
		return VT_EXIT_USAGE;
	}
	log_init(cli.quiet ? -1 : cli.verbose);
	ctx.command = cli.cmd->name;
	if ((cli.cmd->flags & CMD_F_NOSETUP) == 0)
		r = options_resolve(&ctx, &cli);
	/* A helper may still say "not mine" (the profile itself loaded). */
	if (r != 0 && (cli.cmd->flags & CMD_F_HELPER) != 0 &&
	    ctx.config_ok) {
		ctx.setup_err = r;
		r = 0;
	}
	if (r == 0)
		r = cli.cmd->exec(&ctx, &args);
	status = r == 0 ? VT_EXIT_OK : vtoken_fail(r);
	http_global_cleanup();
	secret_notes_free();
	ctx_release(&ctx);
	vt_err_clear();
	return status;
}
