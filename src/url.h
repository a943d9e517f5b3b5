/*
 * url.h: the rules every URL vtoken sends a request to obeys, checked
 * where a URL is read (url.c, GLib's parse, no libcurl: this runs on
 * cache hits too) and again on curl's own parse when the request is made
 * (http_url_host, http.c), the parse the connection uses.
 */
#ifndef VTOKEN_URL_H
#define VTOKEN_URL_H

/*
 * 0 if url may be used for a request: https://, or http:// to a loopback
 * host.  Otherwise VT_ERR_CRED with a message that names what (e.g.
 * "token_uri") and the rule.  A URL with userinfo, whitespace or control
 * characters is refused too.
 */
int	 http_url_check(const char *url, const char *what);
/*
 * The same, with flags allowing plain http:// to more hosts: the
 * metadata host (HTTP_URL_METADATA), link-local address literals,
 * 169.254.0.0/16 and fe80::/10, never a name (HTTP_URL_LINK_LOCAL, for
 * a local identity endpoint such as Azure's).
 */
#define HTTP_URL_METADATA	1
#define HTTP_URL_LINK_LOCAL	2
int	 http_url_check_flags(const char *url, const char *what, int flags);
/* 1 if plain http:// may go to host under flags; else the error. */
int	 http_plain_ok(const char *host, int flags);
int	 http_plain_err(const char *url, const char *what, int flags);
/* 1 if the URL's host is loopback (127.0.0.0/8, [::1], localhost). */
int	 http_url_is_loopback(const char *url);
/* 1 if host (a bare name or address, IPv6 with or without []) is. */
int	 http_host_is_loopback(const char *host);
/* 1 if host is a link-local address literal (never a name). */
int	 http_host_is_link_local(const char *host);
/*
 * 1 if host (no port) is the metadata server's: 169.254.169.254,
 * metadata.google.internal, or the host of $GCE_METADATA_HOST or
 * $GCE_METADATA_IP.  Plain http:// is allowed to it only for requests
 * with the metadata flag, never for a URL from a credential file.
 */
int	 http_metadata_host(const char *host);
/*
 * http_url_check, and on success *host is the URL's host as curl parses
 * it (lower-case as given; IPv6 in brackets), which the caller frees:
 * the parse a request connects by, so a rule on the host is checked on
 * what is connected to.  In the program it loads the net module.
 */
int	 http_url_host(const char *url, const char *what, char **host);

/*
 * The CA bundle the user chose (SSL_CERT_FILE, CURL_CA_BUNDLE), or NULL
 * for libcurl's default: the same for every request vtoken makes.
 */
const char *http_ca_bundle(void);

#endif /* VTOKEN_URL_H */
