/*
 * token.c: releasing access tokens.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "secret.h"

void
token_release(struct token *tok)
{
	if (tok == NULL)
		return;
	secret_free(tok->access_token);
	memset(tok, 0, sizeof *tok);
}
