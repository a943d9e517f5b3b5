/*
 * fuzz-reply: the replies of every endpoint vtoken asks for a token:
 * OAuth 2.0 token endpoints and STS (oauth_parse_token, oauth_error,
 * oauth_retryable_reply), the metadata server's token (the same parser)
 * and IAM generateAccessToken (iam_parse_reply, iam_error).  The first
 * byte picks the HTTP status; the rest is the body.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "fuzz.h"
#include "http.h"
#include "iam.h"
#include "log.h"
#include "oauth.h"
#include "output.h"

static const long statuses[] = {
	200, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504, 302, 0, 599
};

static void
fuzz_token_ok(const struct token *tok, time_t now)
{
	fuzz_assert(tok->access_token != NULL, "a token on success");
	fuzz_assert(output_token_valid(tok->access_token),
	    "only a printable token is accepted");
	fuzz_assert(tok->expires_at > now, "an accepted token has not expired");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response	 resp;
	struct token		 tok;
	const char		*body;
	time_t			 now = 1800000000;
	long			 status;
	size_t			 len;

	if (size == 0)
		return 0;
	log_init(-1);
	status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	body = (const char *)data + 1;
	len = size - 1;

	memset(&tok, 0, sizeof tok);
	if (oauth_parse_token(body, len, now, &tok) == 0)
		fuzz_token_ok(&tok, now);
	else
		fuzz_assert(tok.access_token == NULL, "no token on failure");
	token_release(&tok);

	fuzz_assert(oauth_error(status, body, len, "https://t.example/") < 0,
	    "an error reply is an error");
	(void)oauth_retryable_reply(status, body, len);

	memset(&tok, 0, sizeof tok);
	if (iam_parse_reply(body, len, "sa@p.iam.gserviceaccount.com",
	    &tok) == 0)
		fuzz_token_ok(&tok, time(NULL));
	else
		fuzz_assert(tok.access_token == NULL, "no IAM token on failure");
	token_release(&tok);

	/* iam_error reads the body as http.c hands it over: NUL-ended. */
	memset(&resp, 0, sizeof resp);
	resp.status = status;
	resp.body = fuzz_cstr((const uint8_t *)body, len);
	resp.len = strlen(resp.body);
	resp.attempts = data[0] & 3;
	fuzz_assert(iam_error(&resp, "sa@p.iam.gserviceaccount.com", NULL,
	    data[0] & 1) < 0, "an IAM error reply is an error");
	http_response_release(&resp);
	vt_err_clear();
	return 0;
}
