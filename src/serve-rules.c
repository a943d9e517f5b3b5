/*
 * serve-rules.c: the broker's pure rules about requests (serve.h): which
 * paths the proxy forwards and which headers never pass.  No library
 * calls, so the unit tests link it as it is.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "serve.h"

/* Hop-by-hop headers (RFC 9110 7.6.1) and those libcurl or libmicrohttpd
 * write themselves: never passed on, either way. */
static const char *const serve_hop[] = {
	"connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade", "content-length", "host", "expect",
	NULL
};

int
serve_hop_header(const char *name, const char *connection)
{
	const char	*p, *e;
	size_t		 i, n = strlen(name);

	for (i = 0; serve_hop[i] != NULL; i++)
		if (strcasecmp(name, serve_hop[i]) == 0)
			return 1;
	/* And those the Connection header names. */
	for (p = connection; p != NULL && *p != '\0'; p = e) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' &&
		    *e != '\t'; e++)
			;
		if ((size_t)(e - p) == n && n > 0 &&
		    strncasecmp(p, name, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * 1 if uri is under /v1 with nothing that could climb out of it: no dot
 * segment, and no encoded dot, slash or backslash that a server might
 * decode into one, nor an encoded NUL that might end the path early.
 */
int
serve_path_ok(const char *uri)
{
	const char	*p, *end;

	if (strncmp(uri, "/v1", 3) != 0 ||
	    (uri[3] != '\0' && uri[3] != '/' && uri[3] != '?'))
		return 0;
	end = uri + strcspn(uri, "?#");
	for (p = uri; p < end; p++) {
		if (*p == '\\' || (end - p >= 3 &&
		    (strncasecmp(p, "%2e", 3) == 0 ||
		    strncasecmp(p, "%2f", 3) == 0 ||
		    strncasecmp(p, "%5c", 3) == 0 ||
		    strncmp(p, "%00", 3) == 0)))
			return 0;
		if (*p == '/' && p[1] == '.' && (p + 2 == end || p[2] == '/' ||
		    (p[2] == '.' && (p + 3 == end || p[3] == '/'))))
			return 0;
	}
	return 1;
}
