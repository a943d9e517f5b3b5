/*
 * options.c: the command line, and which value each setting takes.
 *
 * One getopt_long pass over the whole command line (GNU permutation), so
 * global options work before and after the command name; the first
 * non-option word is the command.  The settings' options come from the
 * settings table (settings.h), which options_resolve() then applies.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "cmd.h"
#include "conf.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "options.h"
#include "vertex.h"
#include "xmalloc.h"

/* getopt ids: command options, then settings_table rows (and alts). */
enum {
	OPT_JSON = 256,
	OPT_SHELL,
	OPT_UNSET,
	OPT_KEY_VAR,
	OPT_URL_VAR,
	OPT_ALL,
	OPT_WRITE_ENV,
	OPT_WRITE_TOKEN,
	OPT_SERVE,
	OPT_NO_OPENAI,
	OPT_ROTATE_KEY,
	OPT_METADATA,
	OPT_DRY_RUN,
	OPT_ID_TOKEN,
	OPT_INCLUDE_EMAIL,
	OPT_SETTING = 512,		/* + row index */
	OPT_SETTING_ALT = 512 + SETTINGS_MAX	/* + row index */
};

/* The command options and -v -q -h -V; the settings' come from the table. */
static const struct option options_fixed[] = {
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "shell",		required_argument, NULL, OPT_SHELL },
	{ "unset",		no_argument,	   NULL, OPT_UNSET },
	{ "key-var",		required_argument, NULL, OPT_KEY_VAR },
	{ "url-var",		required_argument, NULL, OPT_URL_VAR },
	{ "all",		no_argument,	   NULL, OPT_ALL },
	{ "write-env",		required_argument, NULL, OPT_WRITE_ENV },
	{ "write-token",	required_argument, NULL, OPT_WRITE_TOKEN },
	{ "serve",		no_argument,	   NULL, OPT_SERVE },
	{ "no-openai",		no_argument,	   NULL, OPT_NO_OPENAI },
	{ "rotate-key",		no_argument,	   NULL, OPT_ROTATE_KEY },
	{ "metadata",		no_argument,	   NULL, OPT_METADATA },
	{ "dry-run",		no_argument,	   NULL, OPT_DRY_RUN },
	{ "id-token",		required_argument, NULL, OPT_ID_TOKEN },
	{ "include-email",	no_argument,	   NULL, OPT_INCLUDE_EMAIL },
};

/* getopt's list: options_fixed and every row's option(s). */
static struct option	options_long[sizeof options_fixed /
			    sizeof options_fixed[0] + 2 * SETTINGS_MAX + 1];

static void
options_init(void)
{
	const struct setting_def	*d;
	size_t				 n = 0, i;

	if (options_long[0].name != NULL)
		return;
	for (i = 0; i < sizeof options_fixed / sizeof options_fixed[0]; i++)
		options_long[n++] = options_fixed[i];
	for (i = 0; i < settings_count; i++) {
		d = &settings_table[i];
		if (d->option == NULL)
			continue;
		options_long[n].name = d->option;
		options_long[n].has_arg = d->arg != NULL ? required_argument :
		    no_argument;
		options_long[n++].val = OPT_SETTING + (int)i;
		if (d->alt_option != NULL) {
			options_long[n].name = d->alt_option;
			options_long[n].has_arg = no_argument;
			options_long[n++].val = OPT_SETTING_ALT + (int)i;
		}
	}
}

const char *
cli_value(const struct cli *cli, const char *name)
{
	int	i;

	return (i = settings_index(name)) < 0 ? NULL : cli->value[i];
}

/* A setting's option: its value, or a flag's. */
static int
options_set_setting(struct cli *cli, int id, const char *arg)
{
	const struct setting_def	*d;
	const char			*v;
	int				 i, alt = id >= OPT_SETTING_ALT;

	i = id - (alt ? OPT_SETTING_ALT : OPT_SETTING);
	d = &settings_table[i];
	v = alt ? d->alt_value : d->arg == NULL ? d->flag_value : arg;
	/* Two flags of one setting exclude each other (--vertex --gemini). */
	if (d->alt_option != NULL && cli->value[i] != NULL &&
	    strcmp(cli->value[i], v) != 0)
		return vt_err(VT_ERR_USAGE, "--%s and --%s exclude each other; "
		    "give one", d->option, d->alt_option);
	cli->value[i] = v;
	return 0;
}

/* Command options: the CMDOPT_ bit each needs and its name. */
static const struct {
	int		 id;
	int		 bit;
	const char	*name;
} options_cmd[] = {
	{ OPT_JSON,	CMDOPT_JSON,	"--json" },
	{ OPT_SHELL,	CMDOPT_SHELL,	"--shell" },
	{ OPT_UNSET,	CMDOPT_UNSET,	"--unset" },
	{ OPT_KEY_VAR,	CMDOPT_VARS,	"--key-var" },
	{ OPT_URL_VAR,	CMDOPT_VARS,	"--url-var" },
	{ OPT_ALL,	CMDOPT_ALL,	"--all" },
	{ OPT_WRITE_ENV, CMDOPT_WRITE,	"--write-env" },
	{ OPT_WRITE_TOKEN, CMDOPT_WRITE, "--write-token" },
	{ OPT_SERVE,	CMDOPT_SERVE,	"--serve" },
	{ OPT_NO_OPENAI, CMDOPT_SERVER,	"--no-openai" },
	{ OPT_ROTATE_KEY, CMDOPT_SERVER, "--rotate-key" },
	{ OPT_METADATA,	CMDOPT_METADATA, "--metadata" },
	{ OPT_DRY_RUN,	CMDOPT_DRY_RUN,	"--dry-run" },
	{ OPT_ID_TOKEN,	CMDOPT_IDTOKEN,	"--id-token" },
	{ OPT_INCLUDE_EMAIL, CMDOPT_IDTOKEN, "--include-email" },
};

/* The word getopt stopped at, for messages. */
static const char *
options_word(char **argv, int idx)
{
	if (idx <= 0 || argv[idx - 1] == NULL)
		return "?";
	return argv[idx - 1];
}

/* Store a command option, remembering which were used. */
static void
options_set_cmd(struct cmd_args *args, int id, const char *arg, int *used)
{
	size_t	i;

	for (i = 0; i < sizeof options_cmd / sizeof options_cmd[0]; i++) {
		if (options_cmd[i].id == id)
			*used |= options_cmd[i].bit;
	}
	switch (id) {
	case OPT_JSON:
		args->json = 1;
		break;
	case OPT_SHELL:
		args->shell = arg;
		break;
	case OPT_UNSET:
		args->unset = 1;
		break;
	case OPT_KEY_VAR:
		args->key_var = arg;
		break;
	case OPT_URL_VAR:
		args->url_var = arg;
		break;
	case OPT_ALL:
		args->all = 1;
		break;
	case OPT_WRITE_ENV:
		args->write_env = arg;
		break;
	case OPT_WRITE_TOKEN:
		args->write_token = arg;
		break;
	case OPT_SERVE:
		args->serve = 1;
		break;
	case OPT_NO_OPENAI:
		args->no_openai = 1;
		break;
	case OPT_ROTATE_KEY:
		args->rotate_key = 1;
		break;
	case OPT_METADATA:
		args->metadata = 1;
		break;
	case OPT_DRY_RUN:
		args->dry_run = 1;
		break;
	case OPT_ID_TOKEN:
		args->id_token = arg;
		break;
	case OPT_INCLUDE_EMAIL:
		args->include_email = 1;
		break;
	}
}

/* Refuse command options that the chosen command does not take. */
static int
options_check_cmd(const struct cmd_entry *cmd, int used)
{
	size_t	i;

	for (i = 0; i < sizeof options_cmd / sizeof options_cmd[0]; i++) {
		if ((used & options_cmd[i].bit) == 0)
			continue;
		if (cmd == NULL || (cmd->options & options_cmd[i].bit) == 0)
			return vt_err(VT_ERR_USAGE, "option '%s' is not an "
			    "option of '%s'; see 'vtoken help %s'",
			    options_cmd[i].name, cmd != NULL ? cmd->name : "vtoken",
			    cmd != NULL ? cmd->name : "");
	}
	return 0;
}

/*
 * getopt_long accepts unique abbreviations ("--proj"); refuse them, so an
 * option added later cannot change what an old script's abbreviation
 * means.  Values of options that take one are skipped.
 */
static int
options_check_exact(int argc, char **argv)
{
	const struct option	*o;
	const char		*w, *eq;
	size_t			 len;
	int			 i;

	for (i = 1; i < argc; i++) {
		w = argv[i];
		if (strcmp(w, "--") == 0)
			break;
		if (strncmp(w, "--", 2) != 0)
			continue;
		eq = strchr(w, '=');
		len = eq != NULL ? (size_t)(eq - w - 2) : strlen(w + 2);
		for (o = options_long; o->name != NULL; o++) {
			if (strlen(o->name) == len &&
			    strncmp(o->name, w + 2, len) == 0)
				break;
		}
		if (o->name == NULL)
			return vt_err(VT_ERR_USAGE, "unknown option '%.*s'; "
			    "see 'vtoken --help'", (int)len + 2, w);
		if (o->has_arg == required_argument && eq == NULL)
			i++;
	}
	return 0;
}

/*
 * Where vtoken's own part of argv ends.  For a command that runs a
 * command line (CMD_F_ARGV: exec), that is the first word after the
 * command name, or a "--" (its index; the child's words follow it), so
 * that "vtoken exec python app.py -v" passes -v to python.  For any other
 * command, argc: options may follow the command name.
 */
static int
options_argv_end(int argc, char **argv)
{
	const struct cmd_entry	*cmd = NULL;
	const struct option	*o;
	const char		*w;
	int			 i;

	for (i = 1; i < argc; i++) {
		w = argv[i];
		if (strcmp(w, "--") == 0)
			return cmd != NULL ? i : argc;
		if (w[0] == '-' && w[1] != '\0') {
			if (w[1] != '-' || strchr(w, '=') != NULL)
				continue;
			/* Skip the value of "--name VALUE". */
			for (o = options_long; o->name != NULL; o++) {
				if (strcmp(o->name, w + 2) == 0 &&
				    o->has_arg == required_argument)
					i++;
			}
			continue;
		}
		if (cmd != NULL)
			return i;
		if ((cmd = cmd_find(w)) == NULL ||
		    (cmd->flags & CMD_F_ARGV) == 0)
			return argc;
	}
	return argc;
}

int
options_parse(int argc, char **argv, struct cli *cli, struct cmd_args *args)
{
	int	c, used = 0, nargs, end, start;

	options_init();
	memset(cli, 0, sizeof *cli);
	memset(args, 0, sizeof *args);
	end = options_argv_end(argc, argv);
	start = end < argc && strcmp(argv[end], "--") == 0 ? end + 1 : end;
	if (options_check_exact(end, argv) != 0)
		return VT_ERR_USAGE;
	opterr = 0;
	optind = 0;	/* 0: full getopt re-initialisation (for tests) */
	while ((c = getopt_long(end, argv, ":vqhV", options_long,
	    NULL)) != -1) {
		switch (c) {
		case 'v':		cli->verbose++; break;
		case 'q':		cli->quiet = 1; break;
		case 'h':		cli->help = 1; break;
		case 'V':		cli->version = 1; break;
		case ':':
			return vt_err(VT_ERR_USAGE, "option '%s' needs a value",
			    options_word(argv, optind));
		case '?':
			if (optopt != 0)
				return vt_err(VT_ERR_USAGE, "unknown option "
				    "'-%c'; see 'vtoken --help'", optopt);
			return vt_err(VT_ERR_USAGE, "unknown option '%s'; "
			    "see 'vtoken --help'", options_word(argv, optind));
		default:
			if (c >= OPT_SETTING) {
				if (options_set_setting(cli, c, optarg) != 0)
					return VT_ERR_USAGE;
			} else
				options_set_cmd(args, c, optarg, &used);
			break;
		}
	}
	if (optind < end) {
		if ((cli->cmd = cmd_find(argv[optind])) == NULL)
			return vt_err(VT_ERR_USAGE, "unknown command '%s'; "
			    "see 'vtoken --help'", argv[optind]);
		optind++;
	}
	if (end < argc) {
		/* The child's command line, exactly as given. */
		args->argc = argc - start;
		args->argv = argv + start;
	} else {
		args->argc = argc - optind;
		args->argv = argv + optind;
	}
	if (cli->help || cli->version)
		return 0;
	if (cli_value(cli, "credentials") != NULL &&
	    cli_value(cli, "api_key_file") != NULL)
		return vt_err(VT_ERR_USAGE, "--credentials and --api-key-file "
		    "name two different credentials; give one");
	if (cli->cmd == NULL)
		return options_check_cmd(NULL, used);
	if (options_check_cmd(cli->cmd, used) != 0)
		return VT_ERR_USAGE;
	nargs = args->argc;
	if (nargs < cli->cmd->min_args ||
	    (cli->cmd->max_args >= 0 && nargs > cli->cmd->max_args)) {
		if (nargs > 0 && cli->cmd->max_args >= 0 &&
		    nargs > cli->cmd->max_args)
			return vt_err(VT_ERR_USAGE, "unexpected argument '%s' "
			    "for '%s'; see 'vtoken help %s'",
			    args->argv[cli->cmd->max_args], cli->cmd->name,
			    cli->cmd->name);
		return vt_err(VT_ERR_USAGE, "'%s' needs more arguments; see "
		    "'vtoken help %s'", cli->cmd->name, cli->cmd->name);
	}
	return 0;
}

int
options_resolve(struct vt_ctx *ctx, const struct cli *cli)
{
	int	r;

	ctx->verbosity = cli->quiet ? -1 : cli->verbose;
	ctx->cli = cli;
	if ((r = settings_resolve(ctx, cli)) != 0)
		return r;
	ctx->deadline = vt_now_mono() + ctx->timeout_sec;
	return 0;
}
