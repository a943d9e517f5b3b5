/*
 * url.c: the rules every URL vtoken sends a request to obeys (url.h).
 *
 * They are checked when a credential file or option is loaded,
 * which happens on every call, cache hits included; loading libcurl for
 * that would cost more than the whole hit.  GLib's GUri parses here; at
 * request time http.c checks the same URL again with curl's own parser,
 * the one the connection uses.
 *
 * Built into the program and into the net module: in the module,
 * file_getenv() is the program's, lent through the host table
 * (mod-host.h), since file.c is not built into it.
 */
#include "config.h"

#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "vtoken.h"
#include "url.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

/*
 * host as an address literal: AF_INET in *a4, AF_INET6 in *a6 (with or
 * without brackets), or 0 when it is a name.
 */
static int
http_host_literal(const char *host, struct in_addr *a4, struct in6_addr *a6)
{
	char	buf[INET6_ADDRSTRLEN + 1];
	size_t	n;

	if (host == NULL)
		return 0;
	if (inet_pton(AF_INET, host, a4) == 1)
		return AF_INET;
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, host, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, a6) == 1 ? AF_INET6 : 0;
}

/* localhost, 127.0.0.0/8 or ::1 (with or without brackets). */
int
http_host_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (host != NULL && strcasecmp(host, "localhost") == 0)
		return 1;
	switch (http_host_literal(host, &a4, &a6)) {
	case AF_INET:
		return (ntohl(a4.s_addr) >> 24) == 127;
	case AF_INET6:
		return IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return 0;
}

/* A link-local address literal: 169.254.0.0/16, fe80::/10; never a name. */
int
http_host_is_link_local(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	switch (http_host_literal(host, &a4, &a6)) {
	case AF_INET:
		return (ntohl(a4.s_addr) >> 16) == 0xa9fe;
	case AF_INET6:
		return IN6_IS_ADDR_LINKLOCAL(&a6);
	}
	return 0;
}

/* The host part of a "host[:port]" variable equals host? */
static int
http_env_host_is(const char *name, const char *host)
{
	const char	*v, *end;
	size_t		 n;

	if ((v = file_getenv(name)) == NULL)
		return 0;
	if (*v == '[')
		end = strchr(v, ']') != NULL ? strchr(v, ']') + 1 : NULL;
	else
		end = strchr(v, ':');
	n = end != NULL ? (size_t)(end - v) : strlen(v);
	return strlen(host) == n && strncasecmp(v, host, n) == 0;
}

/*
 * The metadata server's host (http.h).  Data requests go to
 * GCE_METADATA_HOST, or to its older name GCE_METADATA_ROOT when it is
 * unset (source-metadata.c), so whichever of the two names the host.
 */
int
http_metadata_host(const char *host)
{
	return strcmp(host, "169.254.169.254") == 0 ||
	    strcasecmp(host, "metadata.google.internal") == 0 ||
	    http_env_host_is(file_getenv("GCE_METADATA_HOST") != NULL ?
	    "GCE_METADATA_HOST" : "GCE_METADATA_ROOT", host) ||
	    http_env_host_is("GCE_METADATA_IP", host);
}

int
http_plain_ok(const char *host, int flags)
{
	return http_host_is_loopback(host) ||
	    ((flags & HTTP_URL_METADATA) && http_metadata_host(host)) ||
	    ((flags & HTTP_URL_LINK_LOCAL) && http_host_is_link_local(host));
}

int
http_plain_err(const char *url, const char *what, int flags)
{
	return vt_err(VT_ERR_CRED, "%s '%s' must be https:// (plain http:// "
	    "is allowed only to loopback%s)", what, url,
	    (flags & HTTP_URL_LINK_LOCAL) ? " and link-local addresses" : "");
}

int
http_url_check(const char *url, const char *what)
{
	return http_url_check_flags(url, what, 0);
}

int
http_url_check_flags(const char *url, const char *what, int flags)
{
	GError		*err = NULL;
	char		*scheme = NULL, *userinfo = NULL, *host = NULL;
	const char	*p;
	size_t		 alen;
	int		 r;

	if (url == NULL || *url == '\0')
		return vt_err(VT_ERR_CRED, "%s is empty", what);
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return vt_err(VT_ERR_CRED, "%s '%s' contains "
			    "whitespace or control characters", what, url);
	}
	/*
	 * Refuse userinfo by hand as well, whatever a parser makes of it;
	 * the URL is not echoed since the password would be.
	 */
	if ((p = strstr(url, "://")) != NULL) {
		p += 3;
		alen = strcspn(p, "/?#");
		if (memchr(p, '@', alen) != NULL)
			return vt_err(VT_ERR_CRED, "%s must not contain a user "
			    "name or password ('user@' before the host); "
			    "remove it", what);
	}
	if (!g_uri_split(url, G_URI_FLAGS_NONE, &scheme, &userinfo, &host,
	    NULL, NULL, NULL, NULL, &err)) {
		r = vt_err(VT_ERR_CRED, "%s '%s' is not a valid URL", what,
		    url);
		goto out;
	}
	if (userinfo != NULL) {
		r = vt_err(VT_ERR_CRED, "%s must not contain a user name or "
		    "password; remove it", what);
		goto out;
	}
	if (scheme == NULL || host == NULL || *host == '\0') {
		r = vt_err(VT_ERR_CRED, "%s '%s' has no scheme or host",
		    what, url);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    (strcasecmp(scheme, "http") != 0 || !http_plain_ok(host, flags))) {
		r = http_plain_err(url, what, flags);
		goto out;
	}
	r = 0;
 out:
	if (err != NULL)
		g_error_free(err);
	g_free(scheme);
	g_free(userinfo);
	g_free(host);
	return r;
}

int
http_url_is_loopback(const char *url)
{
	char	*host = NULL;
	int	 loop = 0;

	if (url == NULL)
		return 0;
	if (g_uri_split(url, G_URI_FLAGS_NONE, NULL, NULL, &host, NULL,
	    NULL, NULL, NULL, NULL))
		loop = http_host_is_loopback(host);
	g_free(host);
	return loop;
}

const char *
http_ca_bundle(void)
{
	const char	*v;

	/*
	 * libcurl itself reads neither variable.  SSL_CERT_FILE first:
	 * CURL_CA_BUNDLE is often set system-wide to the default bundle,
	 * while SSL_CERT_FILE is the usual way to name a private CA.
	 */
	if ((v = file_getenv("SSL_CERT_FILE")) != NULL)
		return v;
	return file_getenv("CURL_CA_BUNDLE");
}
