/*
 * fuzz-idtoken: ID tokens as the token endpoint, IAM and the metadata
 * server return them (idtoken_accept, idtoken_from_json) and audiences
 * (idtoken_audience_check).  Property: an accepted token is the input
 * byte for byte, for the audience asked, and expires in the future
 * within a day.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "fuzz.h"
#include "idtoken.h"
#include "log.h"
#include "secret.h"

#define NOW	1800000000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token	 tok = { 0 };
	char		*s;

	log_init(-1);
	if (idtoken_accept((const char *)data, size, "https://svc.example",
	    "fuzz", NOW, &tok) == 0) {
		fuzz_assert(tok.access_token != NULL &&
		    strlen(tok.access_token) == size &&
		    memcmp(tok.access_token, data, size) == 0,
		    "an accepted token is the input");
		fuzz_assert(tok.expires_at > NOW &&
		    tok.expires_at <= NOW + 86400,
		    "it expires in the future, within a day");
		fuzz_assert(tok.issued_at == 0 || tok.issued_at <=
		    tok.expires_at, "issued before it expires");
	}
	token_release(&tok);
	(void)idtoken_from_json((const char *)data, size, "id_token",
	    "https://svc.example", "fuzz", NOW, &tok);
	token_release(&tok);
	s = fuzz_cstr(data, size);
	(void)idtoken_audience_check(s);
	free(s);
	return 0;
}
