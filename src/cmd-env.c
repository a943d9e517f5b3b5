/*
 * cmd-env.c: print the variables an OpenAI SDK reads, in the syntax of
 * the user's shell: OPENAI_API_KEY (the token), OPENAI_BASE_URL (the
 * Vertex AI OpenAI-compatible base URL) and VTOKEN_EXPIRES_AT, so scripts
 * can see when the exported value goes stale.  With an API key: the key,
 * the Gemini API's base URL, and VTOKEN_EXPIRES_AT unset (keys do not
 * expire).
 *
 * The variables are cmd.c's (cmd_env_vars), which exec sets too.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "cmd.h"
#include "log.h"
#include "output.h"
#include "secret.h"
#include "serve-cmd.h"

/*
 * --serve: the running broker's variables, from its state file (nothing
 * expires: the broker keeps the token fresh).
 */
static int
cmd_env_serve(struct vt_ctx *ctx, struct cmd_args *args, enum shell sh,
    char **text)
{
	struct serve_state	 st = { 0 };
	struct env_var		 var[SERVE_ENV_MAX];
	size_t			 n;
	int			 r;

	if ((r = cmd_env_names(ctx, args->key_var, args->url_var,
	    &var[0].name, &var[1].name)) != 0 ||
	    (!args->unset && (r = serve_state_read(ctx, &st)) != 0))
		return r;
	/* --unset: every variable a broker may have set. */
	n = serve_env_vars(st.key, st.base_url, args->unset ? "" :
	    st.metadata_host, var);
	if ((*text = output_env(sh, var, n, args->unset)) == NULL)
		r = vt_err(VT_ERR_INTERNAL, "cannot write the variables safely "
		    "for this shell");
	serve_state_release(&st);
	return r;
}

static int
cmd_env_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	enum shell	 sh = SHELL_SH;
	char		*text = NULL;
	int		 r;

	if ((r = cmd_shell(args->shell, &sh)) != 0)
		return r;
	if (args->serve)
		r = cmd_env_serve(ctx, args, sh, &text);
	else
		r = cmd_env_render(ctx, sh, args->key_var, args->url_var,
		    args->unset, NULL, &text);
	if (r == 0)
		r = cmd_print(text);
	secret_free(text);
	return r;
}

const struct cmd_entry cmd_env_entry = {
	.name = "env",
	.usage = "[--shell sh|bash|zsh|fish|csh|powershell|dotenv|json] "
	    "[--unset] [--key-var NAME] [--url-var NAME] [--serve]",
	.summary = "Print OPENAI_API_KEY, OPENAI_BASE_URL and "
	    "VTOKEN_EXPIRES_AT for a shell.",
	.options = CMDOPT_SHELL | CMDOPT_UNSET | CMDOPT_VARS | CMDOPT_SERVE,
	.min_args = 0,
	.max_args = 0,
	.min_ttl = "30m",
	.exec = cmd_env_exec
};
