/*
 * idtoken.c: the checks every ID token passes (see idtoken.h), and the
 * token endpoint's ID token request.
 *
 * The payload is decoded (base64url through GLib, once the alphabet is
 * checked) only to read aud, exp and iat; the decoded copies and json-c's
 * are wiped.  Messages say what was wrong and where the token came from,
 * never what it holds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "b64url.h"
#include "http.h"
#include "idtoken.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "xmalloc.h"


int
idtoken_audience_check(const char *audience)
{
	size_t	i, n;

	if (audience == NULL || *audience == '\0')
		return vt_err(VT_ERR_USAGE, "the ID token audience is empty");
	n = strnlen(audience, IDTOKEN_AUDIENCE_MAX + 1);
	if (n > IDTOKEN_AUDIENCE_MAX)
		return vt_err(VT_ERR_USAGE, "the ID token audience is longer "
		    "than %d bytes", IDTOKEN_AUDIENCE_MAX);
	for (i = 0; i < n; i++) {
		if (audience[i] <= 0x20 || audience[i] >= 0x7f)
			return vt_err(VT_ERR_USAGE, "the ID token audience has "
			    "a space or a character other than printable ASCII "
			    "(byte %zu)", i + 1);
	}
	return 0;
}

/* A part as a JSON object (released with secret_json_put), or NULL. */
static struct json_object *
idtoken_part_json(const char *s, size_t len)
{
	struct json_object	*o;
	const char		*why;
	char			*raw;
	size_t			 rawlen;

	if ((raw = (char *)b64url_decode(s, len, &rawlen)) == NULL)
		return NULL;
	o = oauth_json_parse(raw, rawlen, &why);
	secret_freezero(raw, rawlen);
	return o;
}

/* 1 if the payload's aud is audience, or a list that names it. */
static int
idtoken_aud_is(struct json_object *payload, const char *audience)
{
	struct json_object	*v, *e;
	size_t			 i, n;

	if (!json_object_object_get_ex(payload, "aud", &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), audience) == 0;
	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), audience) == 0)
			return 1;
	}
	return 0;
}

/* An integer claim into *t: 1, 0 if absent, -1 if not a positive integer. */
static int
idtoken_time_claim(struct json_object *payload, const char *name, time_t *t)
{
	struct json_object	*v;
	int64_t			 n;

	*t = 0;
	if (!json_object_object_get_ex(payload, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n <= 0 || n == INT64_MAX)
		return -1;
	*t = (time_t)n;
	return 1;
}

int
idtoken_accept(const char *s, size_t len, const char *audience,
    const char *from, time_t now, struct token *tok)
{
	struct json_object	*hdr = NULL, *payload = NULL;
	const char		*dot[2] = { NULL, NULL };
	time_t			 exp, iat;
	size_t			 i, ndots = 0;
	int			 r, has_iat;

	memset(tok, 0, sizeof *tok);
	if (len > VT_TOKEN_MAX)
		return vt_err(VT_ERR_CRED, "%s returned an ID token of %zu "
		    "bytes, more than %d; refusing it", from, len,
		    VT_TOKEN_MAX);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (ndots < 2)
				dot[ndots] = s + i;
			ndots++;
		} else if (b64url_value((unsigned char)s[i]) < 0)
			return vt_err(VT_ERR_CRED, "%s returned an ID token "
			    "with characters a JWT cannot have; refusing it",
			    from);
	}
	if (ndots != 2 || dot[0] == s || dot[1] == dot[0] + 1 ||
	    dot[1] == s + len - 1)
		return vt_err(VT_ERR_NET, "malformed reply from %s: the ID "
		    "token is not a JWT (three non-empty parts)", from);
	if ((hdr = idtoken_part_json(s, (size_t)(dot[0] - s))) == NULL ||
	    (payload = idtoken_part_json(dot[0] + 1,
	    (size_t)(dot[1] - dot[0] - 1))) == NULL ||
	    (size_t)(s + len - dot[1] - 1) % 4 == 1) {
		r = vt_err(VT_ERR_NET, "malformed reply from %s: the ID token "
		    "is not a JWT (a part is not base64url JSON)", from);
		goto out;
	}
	if (idtoken_time_claim(payload, "exp", &exp) != 1) {
		r = vt_err(VT_ERR_NET, "malformed reply from %s: the ID token "
		    "has no expiry (an integer exp)", from);
		goto out;
	}
	if ((has_iat = idtoken_time_claim(payload, "iat", &iat)) == -1 ||
	    (has_iat == 1 && iat > exp)) {
		r = vt_err(VT_ERR_NET, "malformed reply from %s: the ID token's "
		    "iat is not a time before its exp", from);
		goto out;
	}
	if (!idtoken_aud_is(payload, audience)) {
		r = vt_err(VT_ERR_CRED, "%s returned an ID token for another "
		    "audience; refusing it", from);
		goto out;
	}
	if (exp <= now) {
		r = vt_err(VT_ERR_NET, "%s returned an expired ID token; check "
		    "the system clock", from);
		goto out;
	}
	if (exp - now > IDTOKEN_MAX_LIFE) {
		r = vt_err(VT_ERR_NET, "malformed reply from %s: the ID token "
		    "expires more than %d hours from now", from,
		    IDTOKEN_MAX_LIFE / 3600);
		goto out;
	}
	tok->access_token = xstrndup(s, len);
	secret_note(s, len);
	tok->expires_at = exp;
	tok->issued_at = has_iat == 1 ? iat : 0;
	r = 0;
out:
	secret_json_put(hdr);
	secret_json_put(payload);
	return r;
}

int
idtoken_from_json(const char *body, size_t len, const char *field,
    const char *audience, const char *from, time_t now, struct token *tok)
{
	struct json_object	*o, *v;
	const char		*why;
	int			 r;

	memset(tok, 0, sizeof *tok);
	if ((o = oauth_json_parse(body, len, &why)) == NULL)
		return vt_err(VT_ERR_NET, "malformed reply from %s: %s", from,
		    why);
	if (!json_object_object_get_ex(o, field, &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string)) {
		r = vt_err(VT_ERR_NET, "malformed reply from %s: no %s", from,
		    field);
		goto out;
	}
	r = idtoken_accept(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), audience, from, now, tok);
out:
	secret_json_put(o);
	return r;
}

int
idtoken_token_request(struct vt_ctx *ctx, const char *token_uri,
    const char *form, const char *audience, struct token *tok)
{
	struct http_response	 resp;
	time_t			 now;
	int			 r;

	memset(tok, 0, sizeof *tok);
	now = time(NULL);
	if ((r = oauth_form_post(ctx, token_uri, form, NULL, &resp)) != 0)
		return r;
	if (resp.status == 200)
		r = idtoken_from_json(resp.body, resp.len, "id_token", audience,
		    token_uri, now, tok);
	else
		r = oauth_error_after(resp.status, resp.body, resp.len,
		    token_uri, resp.attempts);
	http_response_release(&resp);
	return r;
}
