/*
 * http.c: the only user of libcurl.
 *
 * One easy handle per request, reused across its retries.  The URL is
 * parsed once with curl's URL API, checked (https://, or http:// only to
 * loopback, no userinfo), and the parsed handle is what libcurl connects
 * to, so the check and the connection cannot disagree about the host.
 *
 * Buffers that may hold secrets (the reply body, the -vvv copies of
 * bodies) grow by allocate-copy-wipe, never realloc().  The POST body is
 * passed with CURLOPT_POSTFIELDS so libcurl keeps no copy, and every
 * string of the header list is wiped before the list is freed.  What
 * libcurl and OpenSSL hold internally cannot be wiped from here: the
 * request headers libcurl assembles, its receive buffer and TLS records
 * are freed by them (OpenSSL cleanses its own key material; libcurl
 * offers no hook for the rest).
 */
#include "config.h"

#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "vtoken.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "redact.h"
#include "retry.h"
#include "secret.h"
#include "xmalloc.h"

#define HTTP_MAX_ATTEMPTS	3
#define HTTP_RETRY_AFTER_MAX	30	/* cap on Retry-After, seconds */
#define HTTP_CONNECT_TIMEOUT	10.0	/* seconds, per attempt */
#define HTTP_DEBUG_MAX	(64 * 1024)	/* body bytes shown at -vvv */

/* A growing buffer that may hold secrets: grown by copy, never realloc'd. */
struct sbuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

/* The state of one attempt, shared with the libcurl callbacks. */
struct http_xfer {
	struct sbuf	 body;
	int		 too_big;
	char		*content_type;
	int		 metadata_flavor; /* Metadata-Flavor: Google seen */
	long		 retry_after;	/* delta-seconds, or -1 */
	struct sbuf	 dbg_out;	/* request body, for -vvv */
	struct sbuf	 dbg_in;	/* reply body, for -vvv */
	size_t		 dbg_out_skipped;
	size_t		 dbg_in_skipped;
	const struct http_request *req;	/* its secret_reply */
};

/* Die like xmalloc when libcurl cannot allocate a header list node. */
static void __attribute__((noreturn))
http_oom(void)
{
	static const char msg[] = "vtoken: out of memory\n";

	if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
		/* Nothing more can be done. */
	}
	_exit(VT_EXIT_INTERNAL);
}

/* Wipe and free a buffer and zero it for reuse. */
static void
sbuf_release(struct sbuf *b)
{
	secret_freezero(b->data, b->cap);
	memset(b, 0, sizeof *b);
}

/*
 * Append n bytes, keeping data NUL-terminated.  -1 (nothing appended) if
 * the result would exceed max bytes.
 */
static int
sbuf_append(struct sbuf *b, const char *p, size_t n, size_t max)
{
	char	*nd;
	size_t	 need, ncap;

	if (n > max || b->len > max - n)
		return -1;
	need = b->len + n + 1;
	if (need > b->cap) {
		ncap = b->cap != 0 ? b->cap : 1024;
		while (ncap < need)
			ncap *= 2;
		if (ncap > max + 1)
			ncap = max + 1;
		nd = xmalloc(ncap);
		if (b->len != 0)
			memcpy(nd, b->data, b->len);
		secret_freezero(b->data, b->cap);
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Print data line by line at debug level, redacted, after a prefix. */
static void
http_debug_print(const char *prefix, const char *data, size_t len)
{
	char	*r, *line, *nl;
	size_t	 n;

	r = redact_trace(data, len);
	for (line = r; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > 0)
			log_debug("%s %.*s", prefix, (int)n, line);
		if (*nl == '\0')
			break;
	}
	secret_free(r);
}

/*
 * Keep a copy of body bytes for the trace, up to HTTP_DEBUG_MAX.  Bodies
 * are printed whole once complete: redacting chunk by chunk could show
 * the tail of a secret split across two chunks.
 */
static void
http_debug_collect(struct sbuf *b, size_t *skipped, const char *data,
    size_t size)
{
	size_t	room;

	room = HTTP_DEBUG_MAX - b->len;
	if (size > room) {
		*skipped += size - room;
		size = room;
	}
	if (size > 0)
		sbuf_append(b, data, size, HTTP_DEBUG_MAX);
}

/*
 * Print and wipe a collected body.  A reply the request calls secret
 * as a whole (an identity endpoint's: the subject token) is only
 * measured.
 */
static void
http_debug_flush_one(const struct http_xfer *x, const char *prefix,
    struct sbuf *b, size_t *skipped)
{
	const struct http_request	*req = x->req;
	int				 reply = prefix[0] == '<';

	if (b->len > 0 && reply && req != NULL && req->secret_reply)
		log_debug("%s [redacted, %zu bytes]", prefix, b->len);
	else if (b->len > 0)
		http_debug_print(prefix, b->data, b->len);
	if (*skipped > 0)
		log_debug("%s [%zu more bytes not shown]", prefix, *skipped);
	sbuf_release(b);
	*skipped = 0;
}

/* Print whatever bodies were collected. */
static void
http_debug_flush(struct http_xfer *x)
{
	http_debug_flush_one(x, ">", &x->dbg_out, &x->dbg_out_skipped);
	http_debug_flush_one(x, "<", &x->dbg_in, &x->dbg_in_skipped);
}

/* CURLOPT_DEBUGFUNCTION: the -vvv trace, redacted. */
static int
http_debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct http_xfer	*x = arg;

	(void)h;
	switch (type) {
	case CURLINFO_TEXT:
		http_debug_print("*", data, size);
		break;
	case CURLINFO_HEADER_OUT:
		http_debug_print(">", data, size);
		break;
	case CURLINFO_HEADER_IN:
		/* The request is complete once the reply starts. */
		if (x->dbg_out.len > 0 || x->dbg_out_skipped > 0)
			http_debug_flush_one(x, ">", &x->dbg_out,
			    &x->dbg_out_skipped);
		http_debug_print("<", data, size);
		break;
	case CURLINFO_DATA_OUT:
		http_debug_collect(&x->dbg_out, &x->dbg_out_skipped, data,
		    size);
		break;
	case CURLINFO_DATA_IN:
		http_debug_collect(&x->dbg_in, &x->dbg_in_skipped, data,
		    size);
		break;
	default:
		/* TLS records: nothing readable. */
		break;
	}
	return 0;
}

/* CURLOPT_WRITEFUNCTION: collect the body, up to VT_HTTP_MAX_BODY. */
static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 n = size * nmemb;

	if (sbuf_append(&x->body, ptr, n, VT_HTTP_MAX_BODY) == -1) {
		x->too_big = 1;
		return 0;	/* aborts with CURLE_WRITE_ERROR */
	}
	return n;
}

/*
 * If the header line is "name: value", point at the value (trimmed) and
 * return 1.
 */
static int
http_header_value(const char *line, size_t n, const char *name,
    const char **vp, size_t *vlen)
{
	size_t	nl = strlen(name), v, end;

	if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return 0;
	for (v = nl + 1; v < n && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	for (end = n; end > v && (line[end - 1] == '\r' ||
	    line[end - 1] == '\n' || line[end - 1] == ' ' ||
	    line[end - 1] == '\t'); end--)
		;
	*vp = line + v;
	*vlen = end - v;
	return 1;
}

/*
 * CURLOPT_HEADERFUNCTION: remember Content-Type, Retry-After and
 * Metadata-Flavor.
 */
static size_t
http_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 n = size * nmemb, vlen;
	const char		*v;

	/* A new status line (after 100 Continue, a proxy's CONNECT). */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		free(x->content_type);
		x->content_type = NULL;
		x->retry_after = -1;
		x->metadata_flavor = 0;
	} else if (http_header_value(ptr, n, "Metadata-Flavor", &v, &vlen))
		x->metadata_flavor = vlen == 6 && memcmp(v, "Google", 6) == 0;
	else if (http_header_value(ptr, n, "Content-Type", &v, &vlen)) {
		free(x->content_type);
		x->content_type = xstrndup(v, vlen);
	} else if (http_header_value(ptr, n, "Retry-After", &v, &vlen))
		x->retry_after = retry_after_parse(v, vlen);
	return n;
}

/* Reset the per-attempt state, wiping what the last attempt received. */
static void
http_xfer_reset(struct http_xfer *x)
{
	const struct http_request	*req;

	sbuf_release(&x->body);
	sbuf_release(&x->dbg_out);
	sbuf_release(&x->dbg_in);
	free(x->content_type);
	req = x->req;
	memset(x, 0, sizeof *x);
	x->req = req;
	x->retry_after = -1;
}

/* curl's description of a URL parse error. */
static const char *
http_urlerr(CURLUcode uc)
{
#if LIBCURL_VERSION_NUM >= 0x075000
	return curl_url_strerror(uc);
#else
	(void)uc;
	return "malformed URL";
#endif
}

/*
 * Parse and check url (see http_url_check).  On success *up is the parsed
 * URL and *hostp its host (both the caller's), if asked for.
 */
static int
http_url_parse(const char *url, const char *what, int flags, CURLU **up,
    char **hostp)
{
	CURLU		*u = NULL;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL, *part = NULL;
	int		 r;

	if (up != NULL)
		*up = NULL;
	if (hostp != NULL)
		*hostp = NULL;
	/*
	 * httputil.c's checks first (whitespace, userinfo, scheme), then
	 * curl's own parse, which is what the request will use, again.
	 */
	if ((r = http_url_check_flags(url, what, flags)) != 0)
		return r;
	if ((u = curl_url()) == NULL)
		http_oom();
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK) {
		r = vt_err(VT_ERR_CRED, "%s '%s' is not a valid URL: %s",
		    what, url, http_urlerr(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		r = vt_err(VT_ERR_CRED, "%s must not contain a user name or "
		    "password; remove it", what);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		r = vt_err(VT_ERR_CRED, "%s '%s' has no scheme or host",
		    what, url);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    (strcasecmp(scheme, "http") != 0 || !http_plain_ok(host, flags))) {
		r = http_plain_err(url, what, flags);
		goto out;
	}
	if (up != NULL) {
		*up = u;
		u = NULL;
	}
	if (hostp != NULL) {
		*hostp = xstrdup(host);
	}
	r = 0;
 out:
	curl_free(part);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

/*
 * The host as curl parses it, which is where a request would connect
 * (http.h): a rule on the host (iam_url_check) must judge this parse,
 * never another parser's reading of the same string.
 */
int
http_url_host(const char *url, const char *what, char **host)
{
	return http_url_parse(url, what, 0, NULL, host);
}

/* 1 for transport failures worth another attempt. */
static int
http_curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
	case CURLE_PROXY:
		return 1;
	default:
		return 0;
	}
}

/*
 * 1 if rc is a failure to verify the server's certificate (never
 * retried: another try would fail the same way).
 */
static int
http_curl_tls_cert(CURLcode rc, const char *errbuf)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		return strcasestr(errbuf, "certificate") != NULL;
	default:
		return 0;
	}
}

/* Append a header line; libcurl copies it. */
static struct curl_slist *
http_slist_add(struct curl_slist *list, const char *line)
{
	struct curl_slist	*l;

	if ((l = curl_slist_append(list, line)) == NULL)
		http_oom();
	return l;
}

/* Wipe every header string (one may be a bearer token), then free. */
static void
http_slist_free(struct curl_slist *list)
{
	struct curl_slist	*l;

	for (l = list; l != NULL; l = l->next)
		secret_wipe(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* Build the request's header list.  NULL-ended extra headers are checked. */
static int
http_headers(const struct http_request *req, struct curl_slist **out)
{
	struct curl_slist	*l = NULL;
	char			*s;
	size_t			 i;

	*out = NULL;
	l = http_slist_add(l, "Accept: application/json");
	/* No "Expect: 100-continue" round trip for larger bodies. */
	l = http_slist_add(l, "Expect:");
	if (req->content_type != NULL) {
		s = xasprintf("Content-Type: %s", req->content_type);
		l = http_slist_add(l, s);
		free(s);
	}
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if (strpbrk(req->headers[i], "\r\n") != NULL) {
			http_slist_free(l);
			return vt_err(VT_ERR_INTERNAL, "header with a line "
			    "break in a request to '%s'", req->url);
		}
		l = http_slist_add(l, req->headers[i]);
	}
	if (req->metadata)
		l = http_slist_add(l, "Metadata-Flavor: Google");
	if (req->bearer != NULL) {
		s = xasprintf("Authorization: Bearer %s", req->bearer);
		l = http_slist_add(l, s);
		secret_free(s);
	}
	*out = l;
	return 0;
}

/* Set the options that stay the same for every attempt. */
static int
http_setup(CURL *h, CURLU *u, int loopback, const struct http_request *req,
    struct curl_slist *hdrs, struct http_xfer *x, char *errbuf)
{
	const char	*ca;
	int		 bad = 0;

	bad |= curl_easy_setopt(h, CURLOPT_CURLU, u) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") !=
	    CURLE_OK;
#else
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
	    (long)CURLPROTO_HTTPS) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	if ((ca = http_ca_bundle()) != NULL)
		bad |= curl_easy_setopt(h, CURLOPT_CAINFO, ca) != CURLE_OK;
	/*
	 * Plaintext to loopback, the metadata server or a local identity
	 * endpoint: never via a proxy.
	 */
	if (loopback)
		bad |= curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_USERAGENT,
	    "vtoken/" PACKAGE_VERSION) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)VT_HTTP_MAX_BODY) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, x) != CURLE_OK;
	if (strcmp(req->method, "POST") == 0) {
		bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "") != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0)) !=
		    CURLE_OK;
	} else if (strcmp(req->method, "GET") == 0)
		bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	else
		return vt_err(VT_ERR_INTERNAL, "unsupported HTTP method '%s'",
		    req->method);
	/* The trace at -vvv; VERBOSE only ever with the redacting callback. */
	if (log_level() >= 3) {
		bad |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION,
		    http_debug_cb) != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, x) != CURLE_OK;
		if (!bad)
			bad |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) !=
			    CURLE_OK;
	}
	if (bad)
		return vt_err(VT_ERR_INTERNAL, "cannot set up libcurl for a "
		    "request to '%s'", req->url);
	return 0;
}

/* The error of a call whose deadline passed. */
static int
http_timeout_err(const struct vt_ctx *ctx, double start, const char *host)
{
	long	secs;

	if (ctx == NULL || ctx->deadline <= 0 ||
	    vt_now_mono() < ctx->deadline - 0.05) {
		/* The request's own bound (max_seconds) ran out. */
		return vt_err(VT_ERR_NET, "no reply from %s within %.1fs",
		    host, vt_now_mono() - start);
	}
	if (ctx->timeout_sec > 0)
		secs = ctx->timeout_sec;
	else
		secs = (long)(vt_now_mono() - start + 0.5);
	return vt_err(VT_ERR_NET, "timed out after %lds talking to %s; try "
	    "again, or allow more time with --timeout", secs, host);
}

/* Perform a request with retries, within the deadline. */
int
http_request(struct vt_ctx *ctx, const struct http_request *req,
    struct http_response *resp)
{
	struct http_xfer	 x;
	struct curl_slist	*hdrs = NULL;
	CURL			*h = NULL;
	CURLU			*u = NULL;
	CURLcode		 rc;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*host = NULL;
	const char		*cerr;
	double			 start, deadline, left, wait;
	long			 status = 0;
	int			 attempt, max_attempts, r, again;

	memset(resp, 0, sizeof *resp);
	memset(&x, 0, sizeof x);
	x.req = req;
	http_global_init();
	x.retry_after = -1;
	start = vt_now_mono();
	/* A context without a deadline still gets the default bound. */
	if (ctx != NULL && ctx->deadline > 0)
		deadline = ctx->deadline;
	else
		deadline = start + VT_DEFAULT_TIMEOUT;
	if (req->max_seconds > 0 && start + req->max_seconds < deadline)
		deadline = start + req->max_seconds;
	if ((r = http_url_parse(req->url, "request URL",
	    (req->metadata ? HTTP_URL_METADATA : 0) |
	    (req->local_identity ? HTTP_URL_LINK_LOCAL : 0), &u, &host)) != 0)
		return r;
	if ((r = http_headers(req, &hdrs)) != 0)
		goto out;
	if ((h = curl_easy_init()) == NULL) {
		r = vt_err(VT_ERR_INTERNAL, "cannot initialise libcurl");
		goto out;
	}
	errbuf[0] = '\0';
	if ((r = http_setup(h, u, req->metadata ||
	    http_host_is_loopback(host) || (req->local_identity &&
	    http_host_is_link_local(host)), req, hdrs, &x, errbuf)) != 0)
		goto out;

	max_attempts = req->retry ? HTTP_MAX_ATTEMPTS : 1;
	for (attempt = 1;; attempt++) {
		left = deadline - vt_now_mono();
		if (left <= 0) {
			r = http_timeout_err(ctx, start, host);
			goto out;
		}
		http_xfer_reset(&x);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
		    (long)(left * 1000) + 1);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
		    (long)((left < HTTP_CONNECT_TIMEOUT ? left :
		    HTTP_CONNECT_TIMEOUT) * 1000) + 1);
		errbuf[0] = '\0';
		log_debug("%s to %s, attempt %d of %d", req->method, host,
		    attempt, max_attempts);
		rc = curl_easy_perform(h);
		http_debug_flush(&x);
		cerr = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);

		if (rc == CURLE_OK) {
			status = 0;
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
			again = retry_status(status) ||
			    (req->retry_reply != NULL &&
			    req->retry_reply(status, x.body.data != NULL ?
			    x.body.data : "", x.body.len));
			log_debug("HTTP %ld from %s, %zu bytes", status, host,
			    x.body.len);
			if (!again || attempt >= max_attempts)
				break;
			wait = retry_backoff(attempt + 1);
			if ((status == 429 || status == 503) &&
			    x.retry_after >= 0)
				wait = x.retry_after < HTTP_RETRY_AFTER_MAX ?
				    (double)x.retry_after :
				    HTTP_RETRY_AFTER_MAX;
			if (wait >= deadline - vt_now_mono()) {
				log_info("not retrying HTTP %ld from %s: the "
				    "next attempt would pass the deadline",
				    status, host);
				break;
			}
			log_info("retrying in %.1fs after HTTP %ld from %s",
			    wait, status, host);
			retry_sleep(wait);
			continue;
		}

		if (x.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
			r = vt_err(VT_ERR_NET, "reply from %s is larger than "
			    "%d KiB", host, VT_HTTP_MAX_BODY / 1024);
			goto out;
		}
		if (rc == CURLE_OPERATION_TIMEDOUT &&
		    deadline - vt_now_mono() < 0.05) {
			r = http_timeout_err(ctx, start, host);
			goto out;
		}
		if (http_curl_tls_cert(rc, errbuf)) {
			if (rc == CURLE_SSL_CACERT_BADFILE ||
			    rc == CURLE_SSL_CRL_BADFILE)
				r = vt_err(VT_ERR_NET, "cannot verify the TLS "
				    "certificate of %s: %s (check "
				    "SSL_CERT_FILE and CURL_CA_BUNDLE)", host,
				    cerr);
			else
				r = vt_err(VT_ERR_NET, "TLS certificate of %s "
				    "not trusted: %s", host, cerr);
			goto out;
		}
		if (!http_curl_retryable(rc)) {
			r = vt_err(VT_ERR_NET, "request to %s failed: %s", host,
			    cerr);
			goto out;
		}
		if (attempt >= max_attempts) {
			if (attempt > 1)
				r = vt_err(VT_ERR_NET, "cannot reach %s: %s "
				    "(after %d attempts)", host, cerr, attempt);
			else
				r = vt_err(VT_ERR_NET, "cannot reach %s: %s",
				    host, cerr);
			goto out;
		}
		wait = retry_backoff(attempt + 1);
		if (wait >= deadline - vt_now_mono()) {
			if (attempt > 1)
				r = vt_err(VT_ERR_NET, "cannot reach %s: %s "
				    "(after %d attempts; no time left for "
				    "more)", host, cerr, attempt);
			else
				r = vt_err(VT_ERR_NET, "cannot reach %s: %s "
				    "(no time left to retry)", host, cerr);
			goto out;
		}
		log_info("retrying in %.1fs: cannot reach %s: %s", wait, host,
		    cerr);
		retry_sleep(wait);
	}

	/* A complete reply: the caller judges its status. */
	resp->status = status;
	if (x.body.data == NULL)
		sbuf_append(&x.body, "", 0, VT_HTTP_MAX_BODY);
	resp->body = x.body.data;
	resp->len = x.body.len;
	resp->content_type = x.content_type;
	resp->attempts = attempt;
	resp->metadata_flavor = x.metadata_flavor;
	memset(&x.body, 0, sizeof x.body);
	x.content_type = NULL;
	r = 0;
 out:
	http_xfer_reset(&x);
	if (h != NULL)
		curl_easy_cleanup(h);
	http_slist_free(hdrs);
	curl_url_cleanup(u);
	free(host);
	return r;
}

/* Wipe and free a response. */
static int	http_inited;

/*
 * Initialise libcurl once, on the first request: commands that make none
 * (status, env --unset, later a cache hit) skip its TLS start-up.
 */
void
http_global_init(void)
{
	if (http_inited)
		return;
	/* A failure surfaces later: curl_easy_init() returns NULL. */
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
	http_inited = 1;
}

/* Release libcurl's global state, if it was set up. */
void
http_global_cleanup(void)
{
	if (!http_inited)
		return;
	curl_global_cleanup();
	http_inited = 0;
}
