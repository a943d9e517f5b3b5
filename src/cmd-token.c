/*
 * cmd-token.c: print the access token, alone on one line, or as JSON with
 * its expiry.  Nothing else ever goes to stdout, so $(vtoken token) is
 * exactly the token.
 *
 * With --id-token AUDIENCE it prints an ID token for that audience
 * instead (gcloud auth print-identity-token).  ID tokens are not cached:
 * each is for one audience, the token cache's entries and `cache list`
 * are about access tokens, and a program that asks often (the broker)
 * keeps its own in memory.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "vtoken.h"
#include "cache.h"
#include "cmd.h"
#include "idtoken.h"
#include "log.h"
#include "output.h"
#include "resolve.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

/* Resolve the credential and mint an ID token for the audience. */
static int
cmd_token_id(struct vt_ctx *ctx, struct cmd_args *args, struct source **src,
    struct token *tok)
{
	int	r;

	/* A usage error comes before looking for credentials. */
	if ((r = idtoken_audience_check(args->id_token)) != 0 ||
	    (r = resolve_credentials(ctx, src)) != 0)
		return r;
	return source_id_token(*src, ctx, args->id_token,
	    args->include_email, tok);
}

static int
cmd_token_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	const char	*name = "access_token", *type = "\"token_type\": "
			    "\"Bearer\", ";
	char		*line = NULL, when[32];
	long		 left;
	int		 r;

	if (args->include_email && args->id_token == NULL) {
		r = vt_err(VT_ERR_USAGE, "--include-email needs --id-token");
		goto out;
	}
	if (args->id_token != NULL) {
		name = "id_token";
		type = "";
		r = cmd_token_id(ctx, args, &src, &tok);
	} else
		r = cmd_mint(ctx, &src, &tok);
	if (r != 0)
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
		line = xasprintf("{\"%s\": \"%s\", %s\"expires_at\": \"%s\", "
		    "\"expires_in\": %ld}\n", name, tok.access_token, type,
		    output_rfc3339(tok.expires_at, when, sizeof when),
		    left > 0 ? left : 0);
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
	.usage = "[--json] [--id-token AUDIENCE [--include-email]]",
	.summary = "Print a fresh access token, or an ID token.",
	.options = CMDOPT_JSON | CMDOPT_IDTOKEN,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_token_exec
};
