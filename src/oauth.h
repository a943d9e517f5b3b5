/*
 * oauth.h: OAuth 2.0 token endpoint replies (RFC 6749 section 5).
 */
#ifndef VTOKEN_OAUTH_H
#define VTOKEN_OAUTH_H

#include <stddef.h>
#include <time.h>

struct json_object;
struct vt_ctx;
struct token;
struct http_response;

/*
 * POST the form body (built with http_form_encode) to token_uri, with
 * the extra headers (NULL-ended, or NULL), with retries, and turn the
 * reply into tok: token endpoints and STS alike.  The caller wipes form.
 * Errors: VT_ERR_CRED for an OAuth error reply (invalid_grant, 401, 403,
 * ...) with a hint (clock skew, reauth: "run gcloud auth
 * application-default login") or a token that fails validation;
 * VT_ERR_NET for transport failures, 5xx/429 after retries, and malformed
 * or oversized replies.  When failed is not NULL, an error reply is left
 * there for the caller to refine the message (http_response_release).
 */
int	 oauth_token_request(struct vt_ctx *ctx, const char *token_uri,
	    const char *form, const char *const *headers, struct token *tok,
	    struct http_response *failed);

/*
 * The request of oauth_token_request: check token_uri (http_url_check),
 * POST the form (the caller wipes it) with the extra headers, retrying
 * transient failures and replies.  0 with *resp for any complete reply
 * (the caller judges it and releases resp), or VT_ERR_* as http_request.
 */
int	 oauth_form_post(struct vt_ctx *ctx, const char *token_uri,
	    const char *form, const char *const *headers,
	    struct http_response *resp);

/*
 * Parse a 200 reply of a token endpoint: access_token (required, checked
 * with output_token_valid), expires_in (number or numeric string; absent
 * means 3600).  now is the time the request was sent.  VT_ERR_NET for a
 * malformed reply, VT_ERR_CRED for an invalid token.
 */
int	 oauth_parse_token(const char *body, size_t len, time_t now,
	    struct token *tok);

/*
 * Turn an error reply (status, body) from what into a recorded one-line
 * message and return the code: VT_ERR_CRED for 400/401/403 and OAuth
 * errors, VT_ERR_NET for 429/5xx and anything unparsable.  The message
 * quotes error and error_description (escaped, truncated), never
 * anything else from the body.
 */
int	 oauth_error(long status, const char *body, size_t len,
	    const char *what);

/*
 * Parse a reply body as exactly one JSON object (strict, no NUL, nothing
 * after it).  NULL with *why (static text) if it is not one.  The result
 * may hold secrets: release it with secret_json_put(), which wipes every
 * string in it.
 */
struct json_object *oauth_json_parse(const char *body, size_t len,
	    const char **why);

/* oauth_error, saying how many attempts were made (0: unknown). */
int	 oauth_error_after(long status, const char *body, size_t len,
	    const char *what, int attempts);

/* 1 if an error reply is one Google documents as transient. */
int	 oauth_retryable_reply(long status, const char *body, size_t len);

/*
 * Helpers for the other replies of the token exchange (iam.c, subject.c):
 * the string member key of o (NULL if o is NULL, or the member is absent
 * or not a string); a copy of s cut to max bytes on a UTF-8 boundary,
 * "..." appended when cut; whether an HTTP status means "try again later"
 * (408, 429, 5xx).
 */
const char *oauth_json_str(struct json_object *o, const char *key);
char	*oauth_trunc(const char *s, size_t max);
int	 oauth_status_transient(long status);

#endif /* VTOKEN_OAUTH_H */
