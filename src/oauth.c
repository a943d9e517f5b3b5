/*
 * oauth.c: OAuth 2.0 token endpoint replies (RFC 6749 section 5).
 *
 * Replies are parsed strictly: one JSON object, nothing after it, no NUL
 * bytes.  The access token is copied out, checked against RFC 6750's
 * character set (it may end up in `eval`), and every string json-c holds
 * is wiped before the object is released.  Error replies are reduced to
 * their error, error_description and error_subtype: nothing else of a
 * body ever reaches a message, since it could hold a secret.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "http.h"
#include "log.h"
#include "oauth.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

#define OAUTH_JSON_DEPTH	16
#define OAUTH_DEFAULT_LIFE	3600	/* expires_in when absent */
#define OAUTH_MAX_LIFE		86400	/* longest expires_in */
#define OAUTH_DESC_MAX		200	/* error_description shown */
#define OAUTH_CODE_MAX		64	/* error code shown */

#define OAUTH_LOGIN_CMD		"gcloud auth application-default login"

/*
 * Parse body as exactly one JSON object.  Returns it, or NULL with *why
 * saying what was wrong.  The tokenizer's scratch buffer, which held each
 * string as it was read, is wiped (secret.h).
 */
struct json_object *
oauth_json_parse(const char *body, size_t len, const char **why)
{
	struct json_tokener	*tk;
	struct json_object	*o;
	enum json_tokener_error	 jerr;
	size_t			 end;

	*why = NULL;
	if (body == NULL || len == 0) {
		*why = "empty reply";
		return NULL;
	}
	if (len > VT_HTTP_MAX_BODY) {
		*why = "reply too large";
		return NULL;
	}
	if (memchr(body, '\0', len) != NULL) {
		*why = "NUL byte in the reply";
		return NULL;
	}
	if ((tk = secret_json_tokener(len, OAUTH_JSON_DEPTH)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
#ifdef JSON_TOKENER_ALLOW_TRAILING_CHARS
	/* Trailing text is checked below, for a clearer message. */
	json_tokener_set_flags(tk, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
#else
	json_tokener_set_flags(tk, JSON_TOKENER_STRICT);
#endif
	o = json_tokener_parse_ex(tk, body, (int)len);
	jerr = json_tokener_get_error(tk);
	if (o == NULL) {
		*why = jerr == json_tokener_continue ? "truncated JSON" :
		    "not JSON";
		goto out;
	}
	end = json_tokener_get_parse_end(tk);
	while (end < len && (body[end] == ' ' || body[end] == '\t' ||
	    body[end] == '\r' || body[end] == '\n'))
		end++;
	if (end != len) {
		*why = "text after the JSON value";
		secret_json_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		*why = "not a JSON object";
		secret_json_put(o);
		o = NULL;
	}
 out:
	secret_json_tokener_free(tk);
	return o;
}

/* The string member key of o, or NULL (oauth.h). */
const char *
oauth_json_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * expires_in as a number of seconds (a JSON integer or a string of
 * digits), 1..OAUTH_MAX_LIFE; absent or null means OAUTH_DEFAULT_LIFE.
 * -1 if it is anything else.
 */
static long
oauth_expires_in(struct json_object *o)
{
	struct json_object	*v;
	const char		*s;
	int64_t			 n;
	size_t			 i, len;

	if (!json_object_object_get_ex(o, "expires_in", &v) || v == NULL)
		return OAUTH_DEFAULT_LIFE;
	switch (json_object_get_type(v)) {
	case json_type_int:
		n = json_object_get_int64(v);
		break;
	case json_type_string:
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (len == 0 || len > 9)
			return -1;
		n = 0;
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			n = n * 10 + (s[i] - '0');
		}
		break;
	default:
		return -1;
	}
	if (n < 1 || n > OAUTH_MAX_LIFE)
		return -1;
	return (long)n;
}

/* Turn a 200 reply into a token, strictly. */
int
oauth_parse_token(const char *body, size_t len, time_t now,
    struct token *tok)
{
	struct json_object	*o, *v;
	const char		*why, *s, *type;
	size_t			 slen;
	long			 life;
	int			 r;

	memset(tok, 0, sizeof *tok);
	if ((o = oauth_json_parse(body, len, &why)) == NULL)
		return vt_err(VT_ERR_NET, "malformed reply from token "
		    "endpoint: %s", why);
	if (!json_object_object_get_ex(o, "access_token", &v) || v == NULL) {
		r = vt_err(VT_ERR_NET, "malformed reply from token endpoint: "
		    "no access_token");
		goto out;
	}
	if (!json_object_is_type(v, json_type_string)) {
		r = vt_err(VT_ERR_NET, "malformed reply from token endpoint: "
		    "access_token is not a string");
		goto out;
	}
	s = json_object_get_string(v);
	slen = (size_t)json_object_get_string_len(v);
	if (slen > VT_TOKEN_MAX) {
		r = vt_err(VT_ERR_CRED, "token endpoint returned a token of "
		    "%zu bytes, more than %d; refusing it", slen,
		    VT_TOKEN_MAX);
		goto out;
	}
	/* strlen catches a \u0000 inside the string. */
	if (slen == 0 || strlen(s) != slen || !output_token_valid(s)) {
		r = vt_err(VT_ERR_CRED, "token endpoint returned a token with "
		    "characters a bearer token cannot have; refusing it");
		goto out;
	}
	if (json_object_object_get_ex(o, "token_type", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string)) {
			r = vt_err(VT_ERR_NET, "malformed reply from token "
			    "endpoint: token_type is not a string");
			goto out;
		}
		type = json_object_get_string(v);
		if (strcasecmp(type, "Bearer") != 0) {
			r = vt_err(VT_ERR_CRED, "token endpoint returned a "
			    "'%.32s' token, not a Bearer token; refusing it",
			    type);
			goto out;
		}
	}
	if ((life = oauth_expires_in(o)) == -1) {
		r = vt_err(VT_ERR_NET, "malformed reply from token endpoint: "
		    "expires_in is not a number of seconds from 1 to %d",
		    OAUTH_MAX_LIFE);
		goto out;
	}
	tok->access_token = xstrndup(s, slen);
	secret_note(s, slen);
	tok->expires_at = now + life;
	r = 0;
 out:
	secret_json_put(o);
	return r;
}

/* A copy of s cut to max bytes (on a UTF-8 boundary), "..." if cut. */
char *
oauth_trunc(const char *s, size_t max)
{
	size_t	n;

	n = strlen(s);
	if (n <= max)
		return xstrdup(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("%.*s...", (int)n, s);
}

/* Case-insensitive substring test; NULL haystack never matches. */
static int
oauth_has(const char *s, const char *needle)
{
	return s != NULL && strcasestr(s, needle) != NULL;
}

/* 1 if word occurs in s with no letter or digit on either side. */
static int
oauth_has_word(const char *s, const char *word)
{
	const char	*p;
	size_t		 wl = strlen(word);

	if (s == NULL)
		return 0;
	for (p = s; (p = strcasestr(p, word)) != NULL; p++) {
		if ((p == s || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[wl]))
			return 1;
	}
	return 0;
}

/* 1 if an OAuth error code or description is one Google calls transient. */
static int
oauth_transient(const char *s)
{
	return s != NULL && (strcmp(s, "server_error") == 0 ||
	    strcmp(s, "temporarily_unavailable") == 0 ||
	    strcmp(s, "internal_failure") == 0);
}

/* What the user can do about an OAuth error, or NULL. */
static const char *
oauth_hint(const char *error, const char *desc, const char *subtype)
{
	/* vtoken never prompts: reauthentication is the user's step. */
	if ((subtype != NULL && (strcmp(subtype, "invalid_rapt") == 0 ||
	    strcmp(subtype, "rapt_required") == 0)) ||
	    oauth_has(desc, "reauth") || strcmp(error, "invalid_rapt") == 0 ||
	    strcmp(error, "rapt_required") == 0)
		return "reauthentication required: run '" OAUTH_LOGIN_CMD "'";
	if (strcmp(error, "invalid_grant") == 0) {
		if (oauth_has(desc, "Invalid JWT Signature"))
			return "the key in the key file was deleted or "
			    "disabled; check the key file or create a new key";
		if (oauth_has(desc, "revoked") || oauth_has(desc, "expired"))
			return "run '" OAUTH_LOGIN_CMD "' or use another key";
		if (oauth_has(desc, "Invalid JWT") ||
		    oauth_has(desc, "timeframe") ||
		    oauth_has_word(desc, "iat") ||
		    oauth_has_word(desc, "exp"))
			return "check the system clock";
		if (oauth_has(desc, "account not found"))
			return "the service account in the key file no longer "
			    "exists";
		return NULL;
	}
	if (strcmp(error, "invalid_client") == 0)
		return "the client ID or secret in the credential file is "
		    "wrong";
	if (strcmp(error, "unauthorized_client") == 0)
		return "the client may not use this grant; check the "
		    "credential file";
	if (strcmp(error, "invalid_scope") == 0)
		return "check the scopes (--scopes)";
	return NULL;
}

/* 1 for a status that says "try again later" (oauth.h). */
int
oauth_status_transient(long status)
{
	return status == 408 || status == 429 || (status >= 500 &&
	    status <= 599);
}

/* oauth_error, knowing how many attempts were made (0: unknown). */
int
oauth_error_after(long status, const char *body, size_t len, const char *what,
    int attempts)
{
	struct json_object	*o, *v;
	const char		*why, *error = NULL, *desc = NULL;
	const char		*subtype = NULL, *hint, *extra;
	char			*code = NULL, *text = NULL, after[40];
	int			 r;

	after[0] = '\0';
	if (attempts > 1)
		snprintf(after, sizeof after, " after %d attempts", attempts);
	o = oauth_json_parse(body, len, &why);
	if (o != NULL) {
		error = oauth_json_str(o, "error");
		desc = oauth_json_str(o, "error_description");
		subtype = oauth_json_str(o, "error_subtype");
		/* Google API errors: {"error": {"status", "message"}}. */
		if (error == NULL && json_object_object_get_ex(o, "error",
		    &v) && json_object_is_type(v, json_type_object)) {
			error = oauth_json_str(v, "status");
			desc = oauth_json_str(v, "message");
		}
		if (error != NULL && *error == '\0')
			error = NULL;
		if (desc != NULL && *desc == '\0')
			desc = NULL;
	}

	if (error != NULL) {
		code = oauth_trunc(error, OAUTH_CODE_MAX);
		text = desc != NULL ? oauth_trunc(desc, OAUTH_DESC_MAX) : NULL;
		if (oauth_status_transient(status) || oauth_transient(error) ||
		    oauth_transient(desc))
			r = vt_err(VT_ERR_NET, "token request to %s failed "
			    "with HTTP %ld%s: %s%s%s; try again later", what,
			    status, after, code, text != NULL ? ": " : "",
			    text != NULL ? text : "");
		else {
			hint = oauth_hint(error, desc, subtype);
			r = vt_err(VT_ERR_CRED, "token request to %s was "
			    "rejected: %s%s%s%s%s%s", what, code,
			    text != NULL ? ": " : "", text != NULL ? text : "",
			    hint != NULL ? " (" : "", hint != NULL ? hint : "",
			    hint != NULL ? ")" : "");
		}
		goto out;
	}

	/* No OAuth error to quote; never echo the body itself. */
	if (body == NULL || len == 0)
		extra = status == 429 ? " (rate limited, an empty reply)" :
		    " (an empty reply)";
	else if (o == NULL)
		extra = status == 429 ? " (rate limited, a non-JSON reply)" :
		    " (a non-JSON reply)";
	else
		extra = status == 429 ? " (rate limited)" : "";
	if (oauth_status_transient(status))
		r = vt_err(VT_ERR_NET, "token request to %s failed with HTTP "
		    "%ld%s%s; try again later", what, status, extra, after);
	else if (status == 404)
		r = vt_err(VT_ERR_CRED, "token request to %s failed with HTTP "
		    "404 (not found); the token URI in the credential is "
		    "wrong", what);
	else if (status == 400 || status == 401 || status == 403)
		r = vt_err(VT_ERR_CRED, "token request to %s was rejected "
		    "with HTTP %ld%s; check the credential", what, status,
		    extra);
	else if (status >= 400 && status <= 499)
		r = vt_err(VT_ERR_CRED, "token request to %s was refused with "
		    "HTTP %ld%s; check the token URI in the credential", what,
		    status, extra);
	else if (status >= 300 && status <= 399)
		r = vt_err(VT_ERR_NET, "token request to %s was redirected "
		    "(HTTP %ld), and vtoken does not follow redirects; check "
		    "the token URI and the network", what, status);
	else
		r = vt_err(VT_ERR_NET, "token request to %s failed with an "
		    "unexpected HTTP %ld%s", what, status, extra);
 out:
	free(code);
	free(text);
	secret_json_put(o);
	return r;
}

/* Turn an error reply into a one-line message and a code. */
int
oauth_error(long status, const char *body, size_t len, const char *what)
{
	return oauth_error_after(status, body, len, what, 0);
}

/* 1 for an OAuth error Google documents as transient. */
int
oauth_retryable_reply(long status, const char *body, size_t len)
{
	struct json_object	*o;
	const char		*why;
	int			 retry;

	/* A success is never parsed here: it holds the token. */
	if (status >= 200 && status <= 299)
		return 0;
	if ((o = oauth_json_parse(body, len, &why)) == NULL)
		return 0;
	retry = oauth_transient(oauth_json_str(o, "error")) ||
	    oauth_transient(oauth_json_str(o, "error_description"));
	secret_json_put(o);
	return retry;
}

/* POST a form to a token endpoint, with retries (oauth.h). */
int
oauth_form_post(struct vt_ctx *ctx, const char *token_uri, const char *form,
    const char *const *headers, struct http_response *resp)
{
	struct http_request	 req;
	int			 r;

	memset(resp, 0, sizeof *resp);
	if ((r = http_url_check(token_uri, "token URI")) != 0)
		return r;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = token_uri;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = form;
	req.body_len = strlen(form);
	req.headers = headers;
	req.retry = 1;
	req.retry_reply = oauth_retryable_reply;
	return http_request(ctx, &req, resp);
}
