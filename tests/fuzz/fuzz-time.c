/*
 * fuzz-time: RFC 3339 times (output_parse_rfc3339, iam_parse_time), as
 * IAM's expireTime, an executable's expiration_time or a cache entry
 * carries them.  Properties: a parsed time prints and parses back to
 * itself; the two parsers agree on what both accept.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "fuzz.h"
#include "iam.h"
#include "log.h"
#include "output.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, buf[32];
	time_t	 t, u, v;
	int	 a, b;

	log_init(-1);
	s = fuzz_cstr(data, size);
	a = output_parse_rfc3339(s, &t);
	b = iam_parse_time(s, &u);
	if (a == 0 && b == 0)
		fuzz_assert(t == u, "the parsers agree");
	if (a == 0 && output_rfc3339(t, buf, sizeof buf) != NULL) {
		fuzz_assert(output_parse_rfc3339(buf, &v) == 0 && v == t,
		    "printed and parsed back, a time is itself");
	}
	free(s);
	/* Any 8 bytes as a time: printed, it parses back to itself. */
	if (size >= 8) {
		memcpy(&t, data, sizeof t < 8 ? sizeof t : 8);
		if (output_rfc3339(t, buf, sizeof buf) != NULL)
			fuzz_assert(output_parse_rfc3339(buf, &v) == 0 &&
			    v == t, "any printable time parses back");
	}
	return 0;
}
