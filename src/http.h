/*
 * http.h: HTTP for the token flows.  http.c is the only user of libcurl
 * and lives in the vtoken-net module, loaded on the first request (see
 * net.c); httputil.c holds the parts callers need without libcurl, and
 * url.h the rules every URL obeys.
 *
 * Rules every request obeys: https:// to any host, plain http:// only to
 * loopback (127.0.0.0/8, ::1, localhost); certificates always verified
 * (SSL_CERT_FILE and CURL_CA_BUNDLE honoured); no redirects followed;
 * response bodies capped at VT_HTTP_MAX_BODY; the whole call, retries
 * included, bounded by ctx->deadline.  Retries (when asked for) use
 * exponential backoff with jitter on transport errors, 408, 429 (honouring
 * Retry-After), 500, 502, 503 and 504.  A TLS verification failure is never
 * retried.  The debug output at -vvv redacts credentials.
 */
#ifndef VTOKEN_HTTP_H
#define VTOKEN_HTTP_H

#include <stddef.h>

#include "url.h"

struct vt_ctx;

struct http_request {
	const char	*method;	/* "GET" or "POST" */
	const char	*url;
	const char	*content_type;	/* for POST, e.g. form or JSON */
	const char	*body;		/* POST body; may hold secrets */
	size_t		 body_len;
	const char	*bearer;	/* if set: Authorization: Bearer */
	const char	*const *headers; /* extra "Name: value", NULL-ended */
	int		 retry;		/* retry transient failures */
	/* Optional: also retry a complete reply for which this returns 1. */
	int		(*retry_reply)(long status, const char *body,
			    size_t len);
	/*
	 * A request to the GCE metadata server: "Metadata-Flavor: Google"
	 * is sent, the reply's Metadata-Flavor is reported in
	 * resp->metadata_flavor, no proxy is used, and plain http:// is
	 * allowed to the metadata host only (see http_metadata_host).
	 */
	int		 metadata;
	/*
	 * A local identity endpoint (credential_source.url): plain http://
	 * is also allowed to a link-local address literal, without a proxy.
	 */
	int		 local_identity;
	/*
	 * For the -vvv trace: the whole reply is a secret, and is only
	 * measured (an identity endpoint's: until the subject token is
	 * extracted, nothing knows which part of it is the token).
	 */
	int		 secret_reply;
	/* If > 0, this request (retries included) ends after this many s. */
	double		 max_seconds;
};

struct http_response {
	long		 status;	/* HTTP status; 0 if none */
	char		*body;		/* NUL-terminated; may hold secrets */
	size_t		 len;
	char		*content_type;	/* or NULL */
	int		 attempts;	/* requests made, retries too */
	int		 metadata_flavor; /* reply had Metadata-Flavor: Google */
};

/*
 * Perform req.  Returns 0 when a complete reply arrived, whatever its
 * status (the caller judges it), after retries were exhausted if the
 * status was retryable; resp then owns the body.  Returns VT_ERR_NET for
 * a transport, TLS, timeout or size-cap failure, VT_ERR_CRED for a URL
 * that breaks the scheme rule, with the message recorded.
 */
int	 http_request(struct vt_ctx *ctx, const struct http_request *req,
	    struct http_response *resp);
/* Wipe and free the body; the struct may be reused. */
void	 http_response_release(struct http_response *resp);

/*
 * Build an application/x-www-form-urlencoded body from name/value pairs
 * (kv[0]=name, kv[1]=value, ..., NULL).  A NULL or empty value drops the
 * pair.  The result may hold secrets: release it with secret_free().
 */
char	*http_form_encode(const char *const *kv);

/* libcurl's global set-up (done by the first request) and tear-down. */
void	 http_global_init(void);
void	 http_global_cleanup(void);

#endif /* VTOKEN_HTTP_H */
