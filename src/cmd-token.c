/*
 * cmd-token.c: print the access token, alone on one line, or as JSON with
 * its expiry.  Nothing else ever goes to stdout, so $(vtoken token) is
 * exactly the token.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "vtoken.h"
#include "cache.h"
#include "cmd.h"
#include "output.h"
#include "resolve.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

static int
cmd_token_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	char		*line = NULL, when[32];
	long		 left;
	int		 r;

	if ((r = cmd_mint(ctx, &src, &tok)) != 0)
		goto out;
	if (args->json && tok.expires_at == 0) {
		/* An API key: it does not expire. */
		line = xasprintf("{\"access_token\": \"%s\", \"token_type\": "
		    "\"Bearer\", \"expires_at\": null, \"expires_in\": null}\n",
		    tok.access_token);
	} else if (args->json) {
		left = (long)(tok.expires_at - time(NULL));
		/*
		 * Formatted by hand: the token passed output_token_valid()
		 * and the time is digits, so neither needs JSON escaping,
		 * and this buffer is the only copy to wipe.
		 */
		line = xasprintf("{\"access_token\": \"%s\", \"token_type\": "
		    "\"Bearer\", \"expires_at\": \"%s\", \"expires_in\": %ld}\n",
		    tok.access_token, output_rfc3339(tok.expires_at, when,
		    sizeof when), left > 0 ? left : 0);
	} else
		line = xasprintf("%s\n", tok.access_token);
	r = cmd_print(line);
out:
	secret_free(line);
	token_release(&tok);
	source_free(src);
	return r;
}

const struct cmd_entry cmd_token_entry = {
	.name = "token",
	.usage = "[--json]",
	.summary = "Print a fresh access token.",
	.options = CMDOPT_JSON,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_token_exec
};
