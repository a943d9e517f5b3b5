/*
 * fuzz-time: RFC 3339 times (output_parse_rfc3339), as IAM's expireTime
 * carries them.  Property: a parsed time prints and parses back to
 * itself, and so does any time that prints.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "fuzz.h"
#include "log.h"
#include "output.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, buf[32];
	time_t	 t, v;
	int	 a;

	log_init(-1);
	s = fuzz_cstr(data, size);
	a = output_parse_rfc3339(s, &t);
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
