/*
 * options.h: the command line.
 *
 * Global options are accepted before or after the command name; the
 * settings' options come from settings.c's table, which also applies the
 * precedence (command line, environment, profile, discovered, default).
 * A bad value is VT_ERR_USAGE from the command line and VT_ERR_CONFIG
 * from the environment or a profile.
 */
#ifndef VTOKEN_OPTIONS_H
#define VTOKEN_OPTIONS_H

#include "settings.h"

struct vt_ctx;
struct cmd_entry;
struct cmd_args;

/* What the command line said; pointers borrow argv. */
struct cli {
	/* Each setting's value from its option, by settings_table index. */
	const char	*value[SETTINGS_MAX];
	int		 verbose;	/* count of -v */
	int		 quiet;
	int		 help;
	int		 version;
	const struct cmd_entry *cmd;	/* NULL: none given */
};

/* The command-line value of the setting named name, or NULL. */
const char *cli_value(const struct cli *cli, const char *name);

/*
 * Parse argv into cli and args.  VT_ERR_USAGE with the message recorded
 * for an unknown command or option, a missing argument, an option the
 * command does not take, or a wrong number of arguments.
 */
int	 options_parse(int argc, char **argv, struct cli *cli,
	    struct cmd_args *args);

/*
 * Apply the precedence (settings_resolve: loads the config file into
 * ctx->config, checks and parses every setting) and set the verbosity
 * and the deadline of the call.
 */
int	 options_resolve(struct vt_ctx *ctx, const struct cli *cli);

#endif /* VTOKEN_OPTIONS_H */
