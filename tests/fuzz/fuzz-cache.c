/*
 * fuzz-cache: a file-cache entry (cache_file_parse).  A cache directory
 * is private, but an entry may be truncated, hand-edited or left by an
 * older version.  Property: a hit is a printable token that does not
 * expire before it was issued.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "cache.h"
#include "fuzz.h"
#include "log.h"
#include "output.h"

#define KEY	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cache_entry	 meta;
	struct token		 tok;

	log_init(-1);
	memset(&tok, 0, sizeof tok);
	memset(&meta, 0, sizeof meta);
	if (cache_file_parse((const char *)data, size, KEY, &tok, &meta) ==
	    0) {
		fuzz_assert(output_token_valid(tok.access_token),
		    "a cached token is printable");
		fuzz_assert(tok.expires_at >= tok.issued_at &&
		    tok.issued_at > 0, "times in order");
		fuzz_assert(strcmp(meta.key, KEY) == 0, "the entry is ours");
	}
	token_release(&tok);
	cache_entry_release(&meta);
	(void)cache_file_parse((const char *)data, size, KEY, NULL, NULL);
	return 0;
}
