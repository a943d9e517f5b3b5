/*
 * fuzz-redact: the -vvv trace's redaction (redact_trace).  The first line
 * is a secret vtoken has read (secret_note); the rest is a header block
 * or body.  Property: the secret never appears in the output outside a
 * "[redacted, N bytes]" mask.  Only for a secret with a digit in it (as
 * every token, key and secret vtoken handles has): the output keeps the
 * names of headers and fields, and a "secret" such as "zation: " would
 * be found in "Authorization: " though nothing secret was shown.
 */
#include "config.h"

#include <string.h>

#include "vtoken.h"
#include "fuzz.h"
#include "http.h"
#include "redact.h"
#include "log.h"
#include "secret.h"

#define MASK_OPEN	"[redacted, "
#define MASK_CLOSE	" bytes]"

/* 1 if out[at..at+n) lies wholly outside every mask. */
static int
fuzz_unmasked(const char *out, size_t at, size_t n)
{
	const char	*m, *e;
	size_t		 ms, me;

	for (m = strstr(out, MASK_OPEN); m != NULL;
	    m = strstr(m + 1, MASK_OPEN)) {
		if ((e = strstr(m, MASK_CLOSE)) == NULL)
			break;
		ms = (size_t)(m - out);
		me = (size_t)(e - out) + strlen(MASK_CLOSE);
		if (at < me && at + n > ms)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p;
	char		*secret, *out;
	size_t		 n;

	log_init(3);
	secret = fuzz_line(&data, &size);
	n = strlen(secret);
	secret_note(secret, n);
	out = redact_trace((const char *)data, size);
	if (n >= SECRET_NOTE_MIN && strpbrk(secret, "0123456789") != NULL)
		for (p = strstr(out, secret); p != NULL;
		    p = strstr(p + 1, secret))
			fuzz_assert(!fuzz_unmasked(out, (size_t)(p - out), n),
			    "a noted secret is masked wherever it appears");
	free(out);
	secret_notes_free();
	free(secret);
	return 0;
}
