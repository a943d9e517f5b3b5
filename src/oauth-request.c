/*
 * oauth-request.c: POST a token request and judge the reply.
 *
 * Apart from oauth.c so that a unit test can stand in for the request
 * (a weak definition) while still linking the parsers.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "http.h"
#include "log.h"
#include "oauth.h"

/* POST a token request and parse or judge the reply (oauth.h). */
int
oauth_token_request(struct vt_ctx *ctx, const char *token_uri,
    const char *form, const char *const *headers, struct token *tok,
    struct http_response *failed)
{
	struct http_response	 resp;
	time_t			 now;
	int			 r;

	memset(tok, 0, sizeof *tok);
	if (failed != NULL)
		memset(failed, 0, sizeof *failed);
	/* The token's life counts from when it was asked for. */
	now = time(NULL);
	if ((r = oauth_form_post(ctx, token_uri, form, headers, &resp)) != 0)
		return r;
	if (resp.status == 200)
		r = oauth_parse_token(resp.body, resp.len, now, tok);
	else
		r = oauth_error_after(resp.status, resp.body, resp.len, token_uri,
		    resp.attempts);
	if (r == 0)
		log_debug("token from %s, expires in %llds", token_uri,
		    (long long)(tok->expires_at - now));
	if (resp.status != 200 && failed != NULL)
		*failed = resp;
	else
		http_response_release(&resp);
	return r;
}
