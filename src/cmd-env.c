/*
 * cmd-env.c: print the variables an OpenAI SDK reads, in the syntax of
 * the user's shell: OPENAI_API_KEY (the token), OPENAI_BASE_URL (the
 * Vertex AI OpenAI-compatible base URL) and VTOKEN_EXPIRES_AT, so scripts
 * can see when the exported value goes stale.  With an API key: the key,
 * the Gemini API's base URL, and VTOKEN_EXPIRES_AT unset (keys do not
 * expire).
 *
 * The project is checked before anything is minted: a run that cannot
 * print a usable base URL should not spend a token request first.
 */
#include "config.h"

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
#include "source.h"
#include "xmalloc.h"

#define ENV_KEY_VAR	"OPENAI_API_KEY"
#define ENV_URL_VAR	"OPENAI_BASE_URL"
#define ENV_EXPIRES_VAR	"VTOKEN_EXPIRES_AT"

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
 * URL can hold what a shell cannot quote (a ' for dotenv).  Check before
 * minting, so a run that cannot print spends no token request.
 */
static int
cmd_env_check_url(struct vt_ctx *ctx, enum shell sh, const char *url)
{
	char	*q;

	if ((q = output_quote(sh, url)) != NULL) {
		free(q);
		return 0;
	}
	return vt_err(ctx->base_url.origin != NULL &&
	    ctx->base_url.origin[0] == '-' ? VT_ERR_USAGE : VT_ERR_CONFIG,
	    "the base URL cannot be written safely for this shell; choose "
	    "another --shell");
}

int
cmd_env_render(struct vt_ctx *ctx, enum shell sh, const char *key_opt,
    const char *url_opt, int unset, const struct token *have, char **text)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	struct env_var	 vars[3];
	const char	*key_var, *url_var;
	char		*base_url = NULL, when[32];
	int		 r;

	*text = NULL;
	if ((r = cmd_env_name(ctx, key_opt, "--key-var", "key_var",
	    ENV_KEY_VAR, &key_var)) != 0 ||
	    (r = cmd_env_name(ctx, url_opt, "--url-var", "url_var",
	    ENV_URL_VAR, &url_var)) != 0)
		return r;
	if (strcmp(key_var, url_var) == 0 ||
	    strcmp(key_var, ENV_EXPIRES_VAR) == 0 ||
	    strcmp(url_var, ENV_EXPIRES_VAR) == 0)
		return vt_err(VT_ERR_USAGE, "the variable names must differ "
		    "(%s, %s, %s)", key_var, url_var, ENV_EXPIRES_VAR);
	vars[0].name = key_var;
	vars[1].name = url_var;
	vars[2].name = ENV_EXPIRES_VAR;
	vars[0].value = vars[1].value = vars[2].value = NULL;

	if (!unset) {
		if ((r = resolve_credentials(ctx, &src)) != 0 ||
		    (r = resolve_project(ctx, src)) != 0 ||
		    (r = resolve_base_url(ctx, &base_url)) != 0 ||
		    (r = cmd_env_check_url(ctx, sh, base_url)) != 0 ||
		    (have == NULL && (r = cache_token(ctx, src, &tok)) != 0))
			goto out;
		if (have == NULL)
			have = &tok;
		vars[0].value = have->access_token;
		vars[1].value = base_url;
		/* An API key does not expire: the variable is unset. */
		vars[2].value = have->expires_at == 0 ? NULL :
		    output_rfc3339(have->expires_at, when, sizeof when);
	}
	if ((*text = output_env(sh, vars, 3, unset)) == NULL) {
		r = vt_err(VT_ERR_INTERNAL, "cannot write the variables safely "
		    "for this shell");
		goto out;
	}
	r = 0;
out:
	free(base_url);
	token_release(&tok);
	source_free(src);
	return r;
}

static int
cmd_env_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	enum shell	 sh = SHELL_SH;
	char		*text = NULL;
	int		 r;

	if (args->shell != NULL && output_shell_parse(args->shell, &sh) != 0)
		return vt_err(VT_ERR_USAGE, "unknown shell '%s': use sh, bash, "
		    "zsh, fish, csh, powershell, dotenv or json", args->shell);
	if ((r = cmd_env_render(ctx, sh, args->key_var, args->url_var,
	    args->unset, NULL, &text)) == 0)
		r = cmd_print(text);
	secret_free(text);
	return r;
}

const struct cmd_entry cmd_env_entry = {
	.name = "env",
	.usage = "[--shell sh|bash|zsh|fish|csh|powershell|dotenv|json] "
	    "[--unset] [--key-var NAME] [--url-var NAME]",
	.summary = "Print OPENAI_API_KEY, OPENAI_BASE_URL and "
	    "VTOKEN_EXPIRES_AT for a shell.",
	.options = CMDOPT_SHELL | CMDOPT_UNSET | CMDOPT_VARS,
	.min_args = 0,
	.max_args = 0,
	.min_ttl = "30m",
	.exec = cmd_env_exec
};
