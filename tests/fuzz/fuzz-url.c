/*
 * fuzz-url: the URL rules (http_url_check_flags, http_url_host,
 * iam_url_check) against what libcurl, which connects, makes of the same
 * URL.  Properties: a URL that passes is https, or http to loopback; the
 * host the rules judged is the host curl would connect to; a URL that
 * may receive a subject token is loopback or under googleapis.com.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "vtoken.h"
#include "fuzz.h"
#include "http.h"
#include "iam.h"
#include "log.h"

/* curl's own reading of url: scheme and host, or -1. */
static int
fuzz_curl_parse(const char *url, char **scheme, char **host)
{
	CURLU	*u;
	int	 r = -1;

	*scheme = *host = NULL;
	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK)
		r = 0;
	curl_url_cleanup(u);
	return r;
}

static int
fuzz_ends_with(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*url, *scheme, *host, *rhost = NULL;
	int	 flags, ok[4], parsed;

	log_init(-1);
	url = fuzz_cstr(data, size);
	parsed = fuzz_curl_parse(url, &scheme, &host) == 0;
	/* The quick check (httputil.c): flags only ever allow more. */
	for (flags = 0; flags < 4; flags++)
		ok[flags] = http_url_check_flags(url, "fuzz", flags) == 0;
	fuzz_assert(!ok[0] || (ok[1] && ok[2] && ok[3]),
	    "flags only ever allow more");
	/* The check every request makes, on curl's parse. */
	if (http_url_host(url, "fuzz", &rhost) == 0) {
		fuzz_assert(ok[0], "http_url_host applies http_url_check");
		fuzz_assert(parsed, "a URL that passes is one curl parses");
		fuzz_assert(strcmp(rhost, host) == 0,
		    "the host judged is the host curl connects to");
		fuzz_assert(strcasecmp(scheme, "https") == 0 ||
		    (strcasecmp(scheme, "http") == 0 &&
		    http_host_is_loopback(host)),
		    "https, or plain http to loopback only");
	}
	if (iam_url_check(url, "fuzz", NULL, NULL) == 0)
		fuzz_assert(parsed && (http_host_is_loopback(host) ||
		    strcasecmp(host, "googleapis.com") == 0 ||
		    fuzz_ends_with(host, ".googleapis.com")),
		    "a subject token goes to googleapis.com or loopback");
	free(iam_url_email(url));
	free(rhost);
	curl_free(scheme);
	curl_free(host);
	free(url);
	vt_err_clear();
	return 0;
}
