/*
 * cmd.c: the command table, lookup (also by the name of a helper link),
 * help text and output, and what several commands share: minting, the
 * helpers' profile lists, and env's variables (env, exec and refresh
 * --write-env).
 *
 * Lookup is by exact name only: tmux's unique-prefix matching would let a
 * typo run a different command, and git's helper protocol needs unknown
 * words to stay unknown.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "cache.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "output.h"
#include "resolve.h"
#include "secret.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

const struct cmd_entry *cmd_table[] = {
	&cmd_token_entry,
	&cmd_env_entry,
	&cmd_exec_entry,
	&cmd_serve_entry,
	&cmd_header_entry,
	&cmd_refresh_entry,
	&cmd_status_entry,
	&cmd_cache_entry,
	&cmd_key_entry,
	&cmd_git_credential_entry,
	&cmd_docker_credential_entry,
	&cmd_configure_docker_entry,
	&cmd_kube_credential_entry,
	&cmd_help_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	return NULL;
}

/*
 * The helper programs that are links to vtoken, and the command each
 * name runs: git runs git-credential-vtoken, Docker and containers/image
 * docker-credential-vtoken.
 */
static const struct {
	const char	*program;
	const char	*command;
} cmd_helpers[] = {
	{ "git-credential-vtoken",	"git-credential" },
	{ "docker-credential-vtoken",	"docker-credential" },
};

/* The argv made for a helper's name, freed at exit. */
static char	**cmd_helper_new_argv;

static void
cmd_helper_argv_free(void)
{
	free(cmd_helper_new_argv);
	cmd_helper_new_argv = NULL;
}

char **
cmd_helper_argv(int *argcp, char **argv)
{
	char		**new_argv;
	const char	 *base;
	size_t		  h;
	int		  i;

	if (*argcp < 1 || argv[0] == NULL)
		return argv;
	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	for (h = 0; h < sizeof cmd_helpers / sizeof cmd_helpers[0]; h++) {
		if (strcmp(base, cmd_helpers[h].program) == 0)
			break;
	}
	if (h == sizeof cmd_helpers / sizeof cmd_helpers[0])
		return argv;
	new_argv = xreallocarray(NULL, (size_t)*argcp + 2, sizeof *new_argv);
	new_argv[0] = argv[0];
	new_argv[1] = (char *)(uintptr_t)cmd_helpers[h].command;
	for (i = 1; i < *argcp; i++)
		new_argv[i + 1] = argv[i];
	new_argv[*argcp + 1] = NULL;
	(*argcp)++;
	cmd_helper_new_argv = new_argv;
	atexit(cmd_helper_argv_free);
	return new_argv;
}

int
cmd_profile_list(struct vt_ctx *ctx, const char *key,
    int (*valid)(const char *), const char *what, char ***out)
{
	char	**list, *e, *end;
	size_t	  i, n = 0;

	*out = NULL;
	if ((list = config_get_list(ctx->config, key)) == NULL)
		return 0;
	for (i = 0; list[i] != NULL; i++) {
		for (e = list[i]; *e == ' ' || *e == '\t'; e++)
			;
		for (end = e + strlen(e); end > e &&
		    (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		memmove(list[i], e, strlen(e) + 1);
		if (*list[i] != '\0' && !valid(list[i])) {
			vt_err(VT_ERR_CONFIG, "'%s' profile '%s' key "
			    "'%s': '%s' is not %s; fix the entry",
			    config_file(ctx->config),
			    config_profile(ctx->config), key, list[i], what);
			xstrv_free(list);
			return VT_ERR_CONFIG;
		}
	}
	/* Drop the empty entries ("a;;b", a trailing ';'). */
	for (i = 0; list[i] != NULL; i++) {
		if (*list[i] == '\0')
			free(list[i]);
		else
			list[n++] = list[i];
	}
	list[n] = NULL;
	*out = list;
	return 0;
}

void
cmd_usage_one(const struct cmd_entry *entry, int to_stdout)
{
	FILE	*f = to_stdout ? stdout : stderr;

	fprintf(f, "usage: vtoken [options] %s%s%s\n", entry->name,
	    *entry->usage != '\0' ? " " : "", entry->usage);
	fprintf(f, "%s\n", entry->summary);
}

void
cmd_usage(int to_stdout)
{
	FILE	*f = to_stdout ? stdout : stderr;
	size_t	 i;

	fprintf(f,
"usage: vtoken [options] command [command options]\n"
"\n"
"Mint a Google OAuth2 access token from this machine's credentials and\n"
"hand it over as a token, shell variables or an HTTP header.\n"
"\n"
"Commands:\n");
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "  %-17s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(f,
"\n"
"Options (before or after the command):\n");
	settings_help(f);
	fprintf(f,
"  -v, --verbose         more messages on stderr (repeat for more)\n"
"  -q, --quiet           only errors on stderr\n"
"  -h, --help            this text; 'vtoken help COMMAND' for a command\n"
"  -V, --version         print the version\n"
"\n"
"See vtoken(1) and vtoken.conf(5).\n");
}

int
cmd_shell(const char *name, enum shell *sh)
{
	if (name != NULL && output_shell_parse(name, sh) != 0)
		return vt_err(VT_ERR_USAGE, "unknown shell '%s': use sh, bash, "
		    "zsh, fish, csh, powershell, dotenv or json", name);
	return 0;
}

int
cmd_print(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF ||
	    ferror(stdout))
		return vt_err(VT_ERR_INTERNAL, "cannot write to standard "
		    "output");
	return 0;
}

/* Resolve and mint: shared by token, header, refresh and git-credential. */
int
cmd_mint(struct vt_ctx *ctx, struct source **src, struct token *tok)
{
	int	r;

	if ((r = resolve_credentials(ctx, src)) == 0 &&
	    (r = cache_token(ctx, *src, tok)) == 0)
		return 0;
	source_free(*src);
	*src = NULL;
	return r;
}

int
cmd_helper_setup(struct vt_ctx *ctx, int ours)
{
	int	r = ctx->setup_err;

	ctx->setup_err = 0;
	if (r != 0 && !ours) {
		vt_err_clear();
		return 0;
	}
	return r;
}

int
cmd_oauth_only(struct vt_ctx *ctx)
{
	if (ctx->backend_kind == BACKEND_GEMINI)
		return vt_err(setting_bad_code(&ctx->backend), "'%s' needs an "
		    "OAuth token, and the Gemini API (from %s) takes an API "
		    "key; drop it for this command", ctx->command,
		    ctx->backend.origin);
	if (ctx->backend_kind == BACKEND_ANY) {
		setting_set(&ctx->backend, "vertex", "a credential helper: "
		    "API keys go to no such server", FROM_DEFAULT);
		ctx->backend_kind = BACKEND_VERTEX;
	}
	return 0;
}

int
cmd_answer(struct vt_ctx *ctx,
    char *(*render)(const struct token *tok, const void *arg),
    const void *arg, int bad_code, const char *bad_msg)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	char		*text = NULL;
	int		 r;

	if ((r = cmd_mint(ctx, &src, &tok)) != 0)
		goto out;
	if ((text = render(&tok, arg)) == NULL) {
		r = vt_err(bad_code, "%s", bad_msg);
		goto out;
	}
	r = cmd_print(text);
out:
	secret_free(text);
	token_release(&tok);
	source_free(src);
	return r;
}

int
cmd_forget(struct vt_ctx *ctx)
{
	struct source	*src = NULL;
	int		 r;

	if ((r = resolve_credentials(ctx, &src)) == 0 &&
	    (r = cache_forget(ctx, src)) == 1)
		r = 0;		/* nothing cached: not an error */
	source_free(src);
	return r;
}

/* Pick a variable name: option, profile key, default; check it. */
static int
cmd_env_name(struct vt_ctx *ctx, const char *opt, const char *optname,
    const char *key, const char *def, const char **out)
{
	const char	*v;

	if (opt != NULL) {
		if (!output_valid_varname(opt))
			return vt_err(VT_ERR_USAGE, "invalid variable name "
			    "'%s' for %s", opt, optname);
		*out = opt;
		return 0;
	}
	if ((v = config_get(ctx->config, key)) != NULL && *v != '\0') {
		if (!output_valid_varname(v))
			return vt_err(VT_ERR_CONFIG, "invalid variable name "
			    "'%s' for key '%s' of profile '%s'", v, key,
			    ctx->profile.value);
		*out = v;
		return 0;
	}
	*out = def;
	return 0;
}

/*
 * The token and the time always fit every shell; only a user-given base
 * URL can hold what a shell cannot quote (a ' for dotenv).
 */
static int
cmd_env_check_url(struct vt_ctx *ctx, const enum shell *sh, const char *url)
{
	char	*q;

	if (sh == NULL || (q = output_quote(*sh, url)) != NULL) {
		if (sh != NULL)
			free(q);
		return 0;
	}
	return vt_err(setting_bad_code(&ctx->base_url),
	    "the base URL cannot be written safely for this shell; choose "
	    "another --shell");
}

int
cmd_env_names(struct vt_ctx *ctx, const char *key_opt, const char *url_opt,
    const char **key_var, const char **url_var)
{
	int	r;

	if ((r = cmd_env_name(ctx, key_opt, "--key-var", "key_var",
	    CMD_ENV_KEY_VAR, key_var)) != 0 ||
	    (r = cmd_env_name(ctx, url_opt, "--url-var", "url_var",
	    CMD_ENV_URL_VAR, url_var)) != 0)
		return r;
	if (strcmp(*key_var, *url_var) == 0 ||
	    strcmp(*key_var, CMD_ENV_EXPIRES_VAR) == 0 ||
	    strcmp(*url_var, CMD_ENV_EXPIRES_VAR) == 0)
		return vt_err(VT_ERR_USAGE, "the variable names must differ "
		    "(%s, %s, %s)", *key_var, *url_var, CMD_ENV_EXPIRES_VAR);
	return 0;
}

int
cmd_env_vars(struct vt_ctx *ctx, const enum shell *sh, const char *key_opt,
    const char *url_opt, int unset, const struct token *have,
    struct cmd_env *ev)
{
	struct source	*src = NULL;
	const char	*key_var, *url_var;
	int		 r;

	memset(ev, 0, sizeof *ev);
	if ((r = cmd_env_names(ctx, key_opt, url_opt, &key_var, &url_var)) !=
	    0)
		return r;
	ev->var[0].name = key_var;
	ev->var[1].name = url_var;
	ev->var[2].name = CMD_ENV_EXPIRES_VAR;
	if (unset)
		return 0;
	/*
	 * The project and base URL come before the token: a run that
	 * cannot set a usable base URL must not spend a token request.
	 */
	if ((r = resolve_credentials(ctx, &src)) != 0 ||
	    (r = resolve_project(ctx, src)) != 0 ||
	    (r = resolve_base_url(ctx, &ev->base_url)) != 0 ||
	    (r = cmd_env_check_url(ctx, sh, ev->base_url)) != 0 ||
	    (have == NULL && (r = cache_token(ctx, src, &ev->tok)) != 0))
		goto out;
	if (have == NULL)
		have = &ev->tok;
	ev->var[0].value = have->access_token;
	ev->var[1].value = ev->base_url;
	/* An API key does not expire: the variable is unset. */
	if (have->expires_at != 0 && (ev->var[2].value = output_rfc3339(
	    have->expires_at, ev->when, sizeof ev->when)) == NULL)
		r = vt_err(VT_ERR_CRED, "the token's expiry is out of range");
out:
	source_free(src);
	if (r != 0)
		cmd_env_release(ev);
	return r;
}

void
cmd_env_release(struct cmd_env *ev)
{
	free(ev->base_url);
	token_release(&ev->tok);
	memset(ev, 0, sizeof *ev);
}

int
cmd_env_render(struct vt_ctx *ctx, enum shell sh, const char *key_opt,
    const char *url_opt, int unset, const struct token *have, char **text)
{
	struct cmd_env	ev;
	int		r;

	*text = NULL;
	if ((r = cmd_env_vars(ctx, &sh, key_opt, url_opt, unset, have,
	    &ev)) != 0)
		return r;
	if ((*text = output_env(sh, ev.var, 3, unset)) == NULL)
		r = vt_err(VT_ERR_INTERNAL, "cannot write the variables safely "
		    "for this shell");
	cmd_env_release(&ev);
	return r;
}

/* help [COMMAND]: the usage of vtoken or of one command. */
static int
cmd_help_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	const struct cmd_entry	*entry;

	(void)ctx;
	if (args->argc == 0) {
		cmd_usage(1);
		return 0;
	}
	if ((entry = cmd_find(args->argv[0])) == NULL)
		return vt_err(VT_ERR_USAGE, "unknown command '%s'; see "
		    "'vtoken --help'", args->argv[0]);
	cmd_usage_one(entry, 1);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[command]",
	.summary = "Show the usage of vtoken or of one command.",
	.options = 0,
	.flags = CMD_F_NOSETUP,
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec
};
