/*
 * fuzz-servepath: the broker's request-path rule (serve_path_ok) and its
 * hop-by-hop header rule.  Property: a path the proxy forwards, decoded
 * once as the upstream server will decode it, is still under /v1 and has
 * no dot segment and no backslash, so it cannot reach anything beside
 * the OpenAI-compatible base URL.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "serve.h"

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* The path part of uri (before ? or #), %XX decoded once; *len is its
 * length, which a decoded NUL makes longer than strlen(). */
static char *
decode_path(const char *uri, size_t *len)
{
	size_t	 n = strcspn(uri, "?#"), i, o = 0;
	char	*out = malloc(n + 1);

	for (i = 0; i < n; i++) {
		if (uri[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)uri[i + 1]) &&
		    isxdigit((unsigned char)uri[i + 2])) {
			out[o++] = (char)(hexval((unsigned char)uri[i + 1]) * 16 +
			    hexval((unsigned char)uri[i + 2]));
			i += 2;
		} else
			out[o++] = uri[i];
	}
	out[o] = '\0';
	*len = o;
	return out;
}

static int
has_dot_segment(const char *p)
{
	const char	*s;

	for (s = p; (s = strchr(s, '/')) != NULL; s++) {
		if (s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return 1;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0'))
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *d;
	size_t	 n;

	log_init(-1);
	s = fuzz_cstr(data, size);
	if (serve_path_ok(s)) {
		d = decode_path(s, &n);
		fuzz_assert(strlen(d) == n,
		    "a forwarded path has no NUL, decoded too");
		fuzz_assert(strncmp(d, "/v1", 3) == 0 &&
		    (d[3] == '\0' || d[3] == '/'),
		    "a forwarded path is under /v1, decoded too");
		fuzz_assert(!has_dot_segment(d),
		    "a forwarded path has no dot segment, decoded too");
		fuzz_assert(strchr(d, '\\') == NULL,
		    "a forwarded path has no backslash, decoded too");
		free(d);
	}
	/* The header rule must not crash on any name or Connection value. */
	if (size > 0)
		(void)serve_hop_header(s, s + strlen(s) / 2);
	free(s);
	return 0;
}
