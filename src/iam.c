/*
 * iam.c: IAM Credentials generateAccessToken, STS-style token requests,
 * and the URL rule that guards both (see iam.h).
 *
 * Error replies are reduced to their status code and message, truncated
 * and escaped (vt_err does that): nothing else of a body reaches a
 * message.  Replies that carry a token are wiped before release.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <glib.h>
#include <json-c/json.h>

#include "vtoken.h"
#include "http.h"
#include "iam.h"
#include "idtoken.h"
#include "log.h"
#include "oauth.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

#define IAM_MSG_MAX	200	/* a server message quoted in an error */
#define IAM_QUOTE_MAX	64	/* a value from a file quoted in an error */

/* 1 if host is domain or a subdomain of it (on a dot boundary). */
static int
iam_in_domain(const char *host, const char *domain)
{
	size_t	hl, dl;

	if (domain == NULL || *domain == '\0')
		return 0;
	hl = strlen(host);
	dl = strlen(domain);
	/* A trailing dot names the same host; refuse it rather than guess. */
	if (hl == dl)
		return strcasecmp(host, domain) == 0;
	return hl > dl && host[hl - dl - 1] == '.' &&
	    strcasecmp(host + hl - dl, domain) == 0;
}

int
iam_host_allowed(const char *host, int loopback, const char *file_universe,
    const char *user_universe)
{
	if (loopback)
		return 1;
	if (host == NULL || *host == '\0')
		return 0;
	if (file_universe != NULL && strcasecmp(file_universe,
	    IAM_UNIVERSE) != 0) {
		/* A foreign universe only when the user named it too. */
		return user_universe != NULL &&
		    strcasecmp(file_universe, user_universe) == 0 &&
		    iam_in_domain(host, file_universe);
	}
	if (iam_in_domain(host, IAM_UNIVERSE))
		return 1;
	/* The file names none: the user's own choice is trusted. */
	return file_universe == NULL && user_universe != NULL &&
	    iam_in_domain(host, user_universe);
}

const char *
iam_user_universe(const struct vt_ctx *ctx)
{
	return ctx->universe_domain.value;
}

int
iam_url_check(const char *url, const char *what, const char *file_universe,
    const char *user_universe)
{
	char	*host = NULL;
	int	 r;

	if ((r = http_url_host(url, what, &host)) != 0)
		return r;
	if (iam_host_allowed(host, http_host_is_loopback(host), file_universe,
	    user_universe)) {
		free(host);
		return 0;
	}
	if (file_universe != NULL && strcasecmp(file_universe,
	    IAM_UNIVERSE) != 0)
		r = vt_err(VT_ERR_CRED, "%s '%s' is refused: the file's "
		    "universe_domain '%.*s' is trusted only when you name it "
		    "too (GOOGLE_CLOUD_UNIVERSE_DOMAIN or the profile's "
		    "universe_domain)", what, url, IAM_QUOTE_MAX,
		    file_universe);
	else
		r = vt_err(VT_ERR_CRED, "%s '%s' is refused: a token is sent "
		    "there, so it must be https:// on googleapis.com%s%s%s or "
		    "loopback", what, url, user_universe != NULL ? " or " : "",
		    user_universe != NULL ? user_universe : "",
		    user_universe != NULL ? "," : "");
	free(host);
	return r;
}

char *
iam_url_email(const char *url)
{
	const char	*end, *start;

	if (url == NULL || (end = strstr(url, IAM_ACCESS_METHOD)) ==
	    NULL || end[strlen(IAM_ACCESS_METHOD)] != '\0')
		return NULL;
	for (start = end; start > url && start[-1] != '/'; start--)
		;
	if (start == end)
		return NULL;
	return xstrndup(start, (size_t)(end - start));
}

int
iam_valid_account(const char *s)
{
	const char	*p;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 254)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("@.-_+", *p) == NULL)
			return 0;
	}
	/* An e-mail, or a numeric unique ID. */
	return strchr(s, '@') != NULL || strspn(s, "0123456789") == n;
}

/*
 * An error reply's code and message: Google API errors
 * {"error": {"status", "message"}} or OAuth {"error", "error_description"}.
 * *status and *message are copies (or NULL) the caller frees.
 */
static void
iam_error_fields(const char *body, size_t len, char **status, char **message)
{
	struct json_object	*o, *e;
	const char		*why, *s = NULL, *m = NULL;

	*status = *message = NULL;
	if ((o = oauth_json_parse(body, len, &why)) == NULL)
		return;
	if (json_object_object_get_ex(o, "error", &e) &&
	    json_object_is_type(e, json_type_object)) {
		s = oauth_json_str(e, "status");
		m = oauth_json_str(e, "message");
	} else {
		s = oauth_json_str(o, "error");
		m = oauth_json_str(o, "error_description");
	}
	if (s != NULL && *s != '\0')
		*status = oauth_trunc(s, IAM_QUOTE_MAX);
	if (m != NULL && *m != '\0')
		*message = oauth_trunc(m, IAM_MSG_MAX);
	secret_json_put(o);
}

/* Turn a generateAccessToken error reply into one line and a code. */
int
iam_error(const struct http_response *resp, const char *target,
    const char *caller, int ndelegates)
{
	char	*status = NULL, *msg = NULL, *what, after[40];
	int	 r;

	iam_error_fields(resp->body, resp->len, &status, &msg);
	after[0] = '\0';
	if (resp->attempts > 1)
		snprintf(after, sizeof after, " after %d attempts",
		    resp->attempts);
	what = xasprintf("HTTP %ld%s%s%s%s", resp->status,
	    status != NULL ? " " : "", status != NULL ? status : "",
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	if (oauth_status_transient(resp->status))
		r = vt_err(VT_ERR_NET, "impersonating %s failed with %s%s; try "
		    "again later", target, what, after);
	else if (resp->status == 403 && ndelegates > 0)
		r = vt_err(VT_ERR_CRED, "impersonating %s was refused (%s): "
		    "in the chain from %s through the delegates to %s, each "
		    "account needs roles/iam.serviceAccountTokenCreator on the "
		    "next; grant it, or check the e-mails", target, what,
		    caller != NULL ? caller : "the caller", target);
	else if (resp->status == 403)
		r = vt_err(VT_ERR_CRED, "impersonating %s was refused (%s): "
		    "%s lacks roles/iam.serviceAccountTokenCreator on %s; "
		    "grant it, or check the e-mail", target, what,
		    caller != NULL ? caller : "the caller", target);
	else if (resp->status == 404)
		r = vt_err(VT_ERR_CRED, "impersonating %s failed (%s): no such "
		    "service account; check the e-mail", target, what);
	else if (resp->status == 401)
		r = vt_err(VT_ERR_CRED, "impersonating %s failed (%s): the "
		    "source credential's token was not accepted; check %s",
		    target, what, caller != NULL ? caller : "the source "
		    "credential");
	else if (resp->status == 400)
		r = vt_err(VT_ERR_CRED, "impersonating %s was rejected (%s); "
		    "check the delegates, scopes and --lifetime", target,
		    what);
	else
		r = vt_err(resp->status >= 400 && resp->status <= 499 ?
		    VT_ERR_CRED : VT_ERR_NET, "impersonating %s failed with "
		    "an unexpected %s", target, what);
	free(what);
	free(status);
	free(msg);
	return r;
}

/* Add IAM's "delegates" to a request body, if there are any. */
static void
iam_add_delegates(struct json_object *root, char *const *delegates)
{
	struct json_object	*a;
	char			*d;
	size_t			 i;

	if (delegates == NULL || delegates[0] == NULL)
		return;
	a = json_object_new_array();
	for (i = 0; delegates[i] != NULL; i++) {
		/* IAM documents the resource form; bare e-mails (as gcloud
		 * writes them) are prefixed. */
		if (strncmp(delegates[i], "projects/", 9) == 0)
			d = xstrdup(delegates[i]);
		else
			d = xasprintf("projects/-/serviceAccounts/%s",
			    delegates[i]);
		json_object_array_add(a, json_object_new_string(d));
		free(d);
	}
	json_object_object_add(root, "delegates", a);
}

/* A request body as text, and the object released; no secret in it. */
static char *
iam_body_text(struct json_object *root)
{
	char	*body;

	body = xstrdup(json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return body;
}

/* The JSON request body of generateAccessToken; no secret in it. */
static char *
iam_request_body(char *const *scopes, char *const *delegates, long lifetime)
{
	struct json_object	*root, *a;
	char			*d;
	size_t			 i;

	root = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; scopes != NULL && scopes[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(scopes[i]));
	json_object_object_add(root, "scope", a);
	iam_add_delegates(root, delegates);
	if (lifetime > 0) {
		d = xasprintf("%lds", lifetime);
		json_object_object_add(root, "lifetime",
		    json_object_new_string(d));
		free(d);
	}
	return iam_body_text(root);
}

/* Parse a 200 reply: accessToken and expireTime. */
int
iam_parse_reply(const char *body, size_t len, const char *target,
    struct token *tok)
{
	struct json_object	*o;
	const char		*why, *at, *exp;
	time_t			 t;
	int			 r;

	if ((o = oauth_json_parse(body, len, &why)) == NULL)
		return vt_err(VT_ERR_NET, "malformed reply from IAM "
		    "impersonating %s: %s", target, why);
	at = oauth_json_str(o, "accessToken");
	exp = oauth_json_str(o, "expireTime");
	if (at == NULL || exp == NULL) {
		r = vt_err(VT_ERR_NET, "malformed reply from IAM "
		    "impersonating %s: no %s", target, at == NULL ?
		    "accessToken" : "expireTime");
		goto out;
	}
	if (strlen(at) > VT_TOKEN_MAX || !output_token_valid(at)) {
		r = vt_err(VT_ERR_CRED, "IAM returned a token for %s that is "
		    "not a valid bearer token; refusing it", target);
		goto out;
	}
	if (output_parse_rfc3339(exp, &t) != 0) {
		r = vt_err(VT_ERR_NET, "malformed reply from IAM "
		    "impersonating %s: expireTime is not an RFC 3339 time",
		    target);
		goto out;
	}
	if (t <= time(NULL)) {
		r = vt_err(VT_ERR_NET, "IAM returned an expired token for %s; "
		    "check the system clock", target);
		goto out;
	}
	tok->access_token = xstrdup(at);
	secret_note(at, strlen(at));
	tok->expires_at = t;
	r = 0;
out:
	secret_json_put(o);
	return r;
}

/*
 * POST a JSON body to IAM with bearer (and x-goog-user-project: quota,
 * if set), retrying transient failures.  0 with *resp for any complete
 * reply, or VT_ERR_*.
 */
static int
iam_post(struct vt_ctx *ctx, const char *url, const char *body,
    const char *bearer, const char *quota, struct http_response *resp)
{
	struct http_request	 req;
	const char		*hdrs[2] = { NULL, NULL };
	char			*qh = NULL;
	int			 r;

	if (quota != NULL) {
		qh = xasprintf("x-goog-user-project: %s", quota);
		hdrs[0] = qh;
	}
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.content_type = "application/json";
	req.body = body;
	req.body_len = strlen(body);
	req.bearer = bearer;
	req.headers = hdrs;
	req.retry = 1;
	r = http_request(ctx, &req, resp);
	free(qh);
	return r;
}

/* How many delegates there are. */
static int
iam_ndelegates(char *const *delegates)
{
	int	n = 0;

	while (delegates != NULL && delegates[n] != NULL)
		n++;
	return n;
}

int
iam_generate_token(struct vt_ctx *ctx, const char *url, const char *bearer,
    char *const *scopes, char *const *delegates, long lifetime,
    const char *caller, const char *quota, struct token *tok)
{
	struct http_response	 resp;
	char			*body = NULL, *target = NULL;
	int			 r;

	memset(tok, 0, sizeof *tok);
	memset(&resp, 0, sizeof resp);
	if ((target = iam_url_email(url)) == NULL)
		target = xstrdup("the service account");
	body = iam_request_body(scopes, delegates, lifetime);
	log_info("impersonating %s at %s", target, url);
	if ((r = iam_post(ctx, url, body, bearer, quota, &resp)) != 0)
		goto out;
	if (resp.status == 200)
		r = iam_parse_reply(resp.body, resp.len, target, tok);
	else
		r = iam_error(&resp, target, caller, iam_ndelegates(delegates));
out:
	http_response_release(&resp);
	free(body);
	free(target);
	return r;
}

int
iam_generate_id_token(struct vt_ctx *ctx, const char *url,
    const char *bearer, const char *audience, int include_email,
    char *const *delegates, const char *caller, const char *quota,
    struct token *tok)
{
	struct json_object	*root;
	struct http_response	 resp;
	char			*body = NULL, *target = NULL, *idurl = NULL;
	char			*from = NULL;
	size_t			 n;
	time_t			 now;
	int			 r;

	memset(tok, 0, sizeof *tok);
	memset(&resp, 0, sizeof resp);
	if ((target = iam_url_email(url)) == NULL)
		return vt_err(VT_ERR_INTERNAL, "'%s' is not a "
		    "generateAccessToken URL", url);
	/* The same resource, the other method. */
	n = strlen(url) - strlen(IAM_ACCESS_METHOD);
	idurl = xasprintf("%.*s%s", (int)n, url, IAM_ID_METHOD);
	root = json_object_new_object();
	json_object_object_add(root, "audience",
	    json_object_new_string(audience));
	json_object_object_add(root, "includeEmail",
	    json_object_new_boolean(include_email != 0));
	iam_add_delegates(root, delegates);
	body = iam_body_text(root);
	from = xasprintf("IAM (an ID token for %s)", target);
	log_info("asking IAM for an ID token of %s at %s", target, idurl);
	now = time(NULL);
	if ((r = iam_post(ctx, idurl, body, bearer, quota, &resp)) != 0)
		goto out;
	if (resp.status == 200)
		r = idtoken_from_json(resp.body, resp.len, "token", audience,
		    from, now, tok);
	else
		r = iam_error(&resp, target, caller, iam_ndelegates(delegates));
out:
	http_response_release(&resp);
	free(body);
	free(target);
	free(idurl);
	free(from);
	return r;
}

/* "Authorization: Basic base64(id:secret)"; a secret, secret_free it. */
static char *
iam_basic_header(const char *id, const char *secret)
{
	char	*pair, *b64, *h;

	pair = xasprintf("%s:%s", id, secret != NULL ? secret : "");
	b64 = g_base64_encode((const guchar *)pair, strlen(pair));
	h = xasprintf("Authorization: Basic %s", b64);
	secret_free(pair);
	secret_wipe(b64, strlen(b64));
	g_free(b64);
	return h;
}

int
iam_sts_request(struct vt_ctx *ctx, const char *url, const char *form,
    const char *client_id, const char *client_secret, const char *audience,
    struct token *tok)
{
	struct http_response	 resp;
	const char		*hdrs[2] = { NULL, NULL };
	char			*basic = NULL, *status = NULL, *msg = NULL;
	int			 r;

	if (client_id != NULL) {
		basic = iam_basic_header(client_id, client_secret);
		hdrs[0] = basic;
	}
	r = oauth_token_request(ctx, url, form, hdrs, tok, &resp);
	if (r != VT_ERR_CRED || audience == NULL || resp.body == NULL)
		goto out;
	/* invalid_grant from STS is about the subject token's trust. */
	iam_error_fields(resp.body, resp.len, &status, &msg);
	if (status != NULL && strcmp(status, "invalid_grant") == 0)
		r = vt_err(VT_ERR_CRED, "the token exchange at %s was "
		    "rejected for audience '%s': invalid_grant%s%s; check "
		    "that this workload identity provider trusts the subject "
		    "token (issuer, audience, attribute condition)", url,
		    audience, msg != NULL ? ": " : "", msg != NULL ? msg : "");
out:
	http_response_release(&resp);
	secret_free(basic);
	free(status);
	free(msg);
	return r;
}
