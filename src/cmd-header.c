/*
 * cmd-header.c: print "Authorization: Bearer TOKEN" for curl -H.
 */
#include "config.h"

#include "vtoken.h"
#include "cmd.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

static int
cmd_header_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	char		*line = NULL;
	int		 r;

	(void)args;
	if ((r = cmd_mint(ctx, &src, &tok)) != 0)
		goto out;
	line = xasprintf("Authorization: Bearer %s\n", tok.access_token);
	r = cmd_print(line);
out:
	secret_free(line);
	token_release(&tok);
	source_free(src);
	return r;
}

const struct cmd_entry cmd_header_entry = {
	.name = "header",
	.usage = "",
	.summary = "Print an Authorization header for curl -H.",
	.options = 0,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_header_exec
};
