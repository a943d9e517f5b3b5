/*
 * iam.h: the Google endpoints that credentials are exchanged at, and the
 * rule that guards them: IAM Credentials generateAccessToken
 * (impersonation) and the Security Token Service (workload identity
 * federation).
 *
 * Both receive something the credential file does not itself contain (a
 * source token, a subject token), so their URLs must be https:// on
 * googleapis.com, or loopback (PRODUCT.md, Safety rules).  A file's
 * universe_domain widens that only when the user named the same universe
 * (GOOGLE_CLOUD_UNIVERSE_DOMAIN or the profile's universe_domain).
 */
#ifndef VTOKEN_IAM_H
#define VTOKEN_IAM_H

#include <time.h>

struct vt_ctx;
struct token;

#define IAM_UNIVERSE		"googleapis.com"
#define IAM_ENDPOINT		"https://iamcredentials.googleapis.com"
#define IAM_ACCESS_METHOD	":generateAccessToken"
#define IAM_ID_METHOD		":generateIdToken"
#define IAM_GENERATE_FMT	"%s/v1/projects/-/serviceAccounts/%s" \
				    IAM_ACCESS_METHOD
#define IAM_MAX_LIFETIME	43200	/* 12 h, with the org policy */
#define IAM_MAX_DELEGATES	16

/*
 * 1 if host may receive a source or subject token: a loopback host
 * (loopback set by the caller), googleapis.com or a subdomain when the
 * file names no other universe, or the file's universe (or its
 * subdomains) when the user named that same one.  file_universe and
 * user_universe may be NULL.  Pure, for unit tests.
 */
int	 iam_host_allowed(const char *host, int loopback,
	    const char *file_universe, const char *user_universe);

/*
 * Check url (what names it in the message, e.g. "'f.json':
 * token_url") against http_url_check and iam_host_allowed.
 * VT_ERR_CRED with the rule and, for a foreign universe, how to trust it.
 */
int	 iam_url_check(const char *url, const char *what,
	    const char *file_universe, const char *user_universe);

/* The universe the user named (GOOGLE_CLOUD_UNIVERSE_DOMAIN, profile), or
 * NULL.  Borrowed. */
const char *iam_user_universe(const struct vt_ctx *ctx);


/*
 * generateAccessToken's replies, for iam_generate_token (and the fuzzing
 * harnesses).  iam_parse_reply: a 200 reply's accessToken and expireTime
 * into tok, or VT_ERR_*.  iam_error: a failed reply as one line and a
 * code; caller and ndelegates shape the advice for a 403.  Pure.
 */
struct http_response;
struct token;
int	 iam_parse_reply(const char *body, size_t len, const char *target,
	    struct token *tok);
int	 iam_error(const struct http_response *resp, const char *target,
	    const char *caller, int ndelegates);

/*
 * The e-mail in an IAM generateAccessToken URL (between the last '/'
 * and ":generateAccessToken"), newly allocated, or NULL.  Pure.
 */
char	*iam_url_email(const char *url);

/* 1 if s looks like a service account e-mail or unique ID.  Pure. */
int	 iam_valid_account(const char *s);

/*
 * Impersonation: POST url (a generateAccessToken URL, already checked)
 * with bearer as the source token, for scopes (NULL-terminated),
 * delegates (NULL-terminated e-mails or projects/-/serviceAccounts/...,
 * may be NULL) and lifetime (seconds, 0 for the service's default).
 * caller names the source identity in error hints; quota, if set, goes
 * into x-goog-user-project.  Errors: VT_ERR_CRED for 400/401/403/404
 * (403 says the caller lacks roles/iam.serviceAccountTokenCreator) and a
 * bad token; VT_ERR_NET for 429/5xx after retries and malformed replies.
 */
int	 iam_generate_token(struct vt_ctx *ctx, const char *url,
	    const char *bearer, char *const *scopes, char *const *delegates,
	    long lifetime, const char *caller, const char *quota,
	    struct token *tok);

/*
 * An ID token for audience through generateIdToken, the sibling of the
 * generateAccessToken URL url (already checked), with bearer as the
 * source token; include_email asks for the email claims.  delegates,
 * caller and quota as iam_generate_token.  The reply's token passes
 * idtoken_accept.  Errors as iam_generate_token, and those of
 * idtoken_accept.
 */
int	 iam_generate_id_token(struct vt_ctx *ctx, const char *url,
	    const char *bearer, const char *audience, int include_email,
	    char *const *delegates, const char *caller, const char *quota,
	    struct token *tok);

/*
 * POST a form (secret) to an STS-style token endpoint with optional
 * HTTP Basic client authentication (client_id may be NULL; a NULL
 * client_secret is sent empty), and parse the OAuth reply.  audience,
 * if set, is named in the message of an invalid_grant.  Errors as
 * oauth_token_request.
 */
int	 iam_sts_request(struct vt_ctx *ctx, const char *url, const char *form,
	    const char *client_id, const char *client_secret,
	    const char *audience, struct token *tok);

#endif /* VTOKEN_IAM_H */
