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

static int
cmd_env_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	enum shell	 sh = SHELL_SH;
	char		*text = NULL;
	int		 r;

	if ((r = cmd_shell(args->shell, &sh)) != 0)
		return r;
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
