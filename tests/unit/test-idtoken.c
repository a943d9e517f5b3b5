/*
 * test-idtoken.c: the checks every ID token passes (idtoken_accept,
 * idtoken_from_json), the audience rule, and source_id_token's refusal
 * of a type that cannot mint ID tokens.  The JWTs are made here, with a
 * fake signature.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vtoken.h"
#include "idtoken.h"
#include "jwt.h"
#include "log.h"
#include "source.h"
#include "xmalloc.h"

#define NOW	((time_t)1700000000)
#define AUD	"https://service.example/api"
#define HDR	"{\"alg\":\"RS256\",\"kid\":\"k\",\"typ\":\"JWT\"}"
#define SIG	"c2lnbmF0dXJlLW5vdC1jaGVja2Vk"

/* A JWT with header hdr and payload text payload (caller frees). */
static char *
make_jwt(const char *hdr, const char *payload)
{
	char	*h, *p, *jwt;

	h = b64url_encode(hdr, strlen(hdr));
	p = b64url_encode(payload, strlen(payload));
	jwt = xasprintf("%s.%s.%s", h, p, SIG);
	free(h);
	free(p);
	return jwt;
}

/* Accept s for AUD at NOW; the return code. */
static int
accept_s(const char *s, struct token *tok)
{
	vt_err_clear();
	return idtoken_accept(s, strlen(s), AUD, "the test", NOW, tok);
}

/* s is refused with code, a message containing what, and no token. */
static void
check_refused(const char *s, int code, const char *what)
{
	struct token	tok;
	int		r;

	r = accept_s(s, &tok);
	if (r != code)
		fail_msg("got %d, wanted %d (%s)", r, code,
		    vt_errmsg() != NULL ? vt_errmsg() : "no message");
	assert_null(tok.access_token);
	assert_non_null(vt_errmsg());
	if (strstr(vt_errmsg(), what) == NULL)
		fail_msg("message '%s' lacks '%s'", vt_errmsg(), what);
	/* The message never quotes the token, nor a part of it. */
	if (strlen(s) > 12 && strstr(vt_errmsg(), s + strlen(s) - 12) != NULL)
		fail_msg("message '%s' quotes the token", vt_errmsg());
}

/* A payload as JSON text, refused with code and what. */
static void
check_payload_refused(const char *payload, int code, const char *what)
{
	char	*jwt;

	jwt = make_jwt(HDR, payload);
	check_refused(jwt, code, what);
	free(jwt);
}

static void
test_good(void **state)
{
	struct token	 tok;
	char		*jwt, *p;

	(void)state;
	p = xasprintf("{\"aud\":\"%s\",\"iss\":\"https://accounts.google.com\","
	    "\"iat\":%lld,\"exp\":%lld,\"email\":\"a@b\"}", AUD,
	    (long long)NOW - 5, (long long)NOW + 3595);
	jwt = make_jwt(HDR, p);
	assert_int_equal(accept_s(jwt, &tok), 0);
	assert_string_equal(tok.access_token, jwt);
	assert_int_equal(tok.expires_at, NOW + 3595);
	assert_int_equal(tok.issued_at, NOW - 5);
	token_release(&tok);
	free(jwt);
	free(p);

	/* No iat: issued_at unknown; aud as a list that names it. */
	p = xasprintf("{\"aud\":[\"x\",\"%s\"],\"exp\":%lld}", AUD,
	    (long long)NOW + 60);
	jwt = make_jwt(HDR, p);
	assert_int_equal(accept_s(jwt, &tok), 0);
	assert_int_equal(tok.expires_at, NOW + 60);
	assert_int_equal(tok.issued_at, 0);
	token_release(&tok);
	free(jwt);
	free(p);
}

static void
test_shape(void **state)
{
	char	*jwt, *p, *two, *huge;
	size_t	 n;

	(void)state;
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld}", AUD,
	    (long long)NOW + 60);
	jwt = make_jwt(HDR, p);
	/* Two parts; empty parts; four parts. */
	two = xstrndup(jwt, (size_t)(strrchr(jwt, '.') - jwt));
	check_refused(two, VT_ERR_NET, "not a JWT");
	free(two);
	check_refused("", VT_ERR_NET, "not a JWT");
	check_refused("..", VT_ERR_NET, "not a JWT");
	check_refused("a..c", VT_ERR_NET, "not a JWT");
	two = xasprintf("%s.", jwt);
	check_refused(two, VT_ERR_NET, "not a JWT");
	free(two);
	two = xasprintf("%.*s.", (int)(strrchr(jwt, '.') - jwt), jwt);
	check_refused(two, VT_ERR_NET, "not a JWT");
	free(two);
	/* Not base64url: a length base64 cannot have, or not JSON. */
	check_refused("eyJhbGciOiJub25lIn0.A.c2ln", VT_ERR_NET,
	    "not base64url JSON");
	check_refused("bm90IGpzb24.bm90IGpzb24.c2ln", VT_ERR_NET,
	    "not base64url JSON");
	two = xasprintf("%s.A", jwt);
	check_refused(two, VT_ERR_NET, "not a JWT");
	free(two);
	/* Characters a JWT cannot have: padding, '+', space, controls. */
	check_refused("eyJ9.eyJ9.c2ln==", VT_ERR_CRED, "characters");
	check_refused("eyJ+.eyJ9.c2ln", VT_ERR_CRED, "characters");
	two = xasprintf("%s\n", jwt);
	check_refused(two, VT_ERR_CRED, "characters");
	free(two);
	two = xasprintf("%s $(id)", jwt);
	check_refused(two, VT_ERR_CRED, "characters");
	free(two);
	/* A NUL inside (the length says more than strlen). */
	{
		struct token	 tok;
		char		 buf[256];

		n = strlen(jwt);
		assert_true(n + 2 < sizeof buf);
		memcpy(buf, jwt, n);
		buf[n] = '\0';
		buf[n + 1] = 'A';
		assert_int_equal(idtoken_accept(buf, n + 2, AUD, "t", NOW,
		    &tok), VT_ERR_CRED);
		assert_null(tok.access_token);
	}
	/* Huge: more than VT_TOKEN_MAX bytes, even if well formed. */
	huge = xmalloc(VT_TOKEN_MAX + 64);
	n = strlen(jwt);
	memcpy(huge, jwt, n);
	memset(huge + n, 'A', VT_TOKEN_MAX + 64 - n - 1);
	huge[VT_TOKEN_MAX + 63] = '\0';
	check_refused(huge, VT_ERR_CRED, "more than");
	free(huge);
	free(jwt);
	free(p);
}

static void
test_claims(void **state)
{
	char	*p;

	(void)state;
	/* No exp, exp not an integer, not positive. */
	p = xasprintf("{\"aud\":\"%s\",\"iat\":%lld}", AUD, (long long)NOW);
	check_payload_refused(p, VT_ERR_NET, "no expiry");
	free(p);
	p = xasprintf("{\"aud\":\"%s\",\"exp\":\"%lld\"}", AUD,
	    (long long)NOW + 60);
	check_payload_refused(p, VT_ERR_NET, "no expiry");
	free(p);
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld.5}", AUD,
	    (long long)NOW + 60);
	check_payload_refused(p, VT_ERR_NET, "no expiry");
	free(p);
	p = xasprintf("{\"aud\":\"%s\",\"exp\":-1}", AUD);
	check_payload_refused(p, VT_ERR_NET, "no expiry");
	free(p);
	p = xasprintf("{\"aud\":\"%s\",\"exp\":null}", AUD);
	check_payload_refused(p, VT_ERR_NET, "no expiry");
	free(p);
	/* Expired; too far ahead. */
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld}", AUD, (long long)NOW);
	check_payload_refused(p, VT_ERR_NET, "expired");
	free(p);
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld}", AUD,
	    (long long)NOW + IDTOKEN_MAX_LIFE + 1);
	check_payload_refused(p, VT_ERR_NET, "hours from now");
	free(p);
	/* iat: not a number, after exp. */
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld,\"iat\":\"x\"}", AUD,
	    (long long)NOW + 60);
	check_payload_refused(p, VT_ERR_NET, "iat");
	free(p);
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld,\"iat\":%lld}", AUD,
	    (long long)NOW + 60, (long long)NOW + 61);
	check_payload_refused(p, VT_ERR_NET, "iat");
	free(p);
	/* Another audience, none, one of the wrong type. */
	p = xasprintf("{\"aud\":\"%s/\",\"exp\":%lld}", AUD,
	    (long long)NOW + 60);
	check_payload_refused(p, VT_ERR_CRED, "another audience");
	free(p);
	p = xasprintf("{\"exp\":%lld}", (long long)NOW + 60);
	check_payload_refused(p, VT_ERR_CRED, "another audience");
	free(p);
	p = xasprintf("{\"aud\":[1,2],\"exp\":%lld}", (long long)NOW + 60);
	check_payload_refused(p, VT_ERR_CRED, "another audience");
	free(p);
	/* A payload that is JSON but not an object; a header likewise. */
	check_payload_refused("[1]", VT_ERR_NET, "not base64url JSON");
	{
		char	*jwt;

		p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld}", AUD,
		    (long long)NOW + 60);
		jwt = make_jwt("\"alg\"", p);
		check_refused(jwt, VT_ERR_NET, "not base64url JSON");
		free(jwt);
		free(p);
	}
}

static void
test_from_json(void **state)
{
	struct token	 tok;
	char		*jwt, *p, *body;

	(void)state;
	p = xasprintf("{\"aud\":\"%s\",\"exp\":%lld}", AUD,
	    (long long)NOW + 60);
	jwt = make_jwt(HDR, p);
	body = xasprintf("{\"id_token\": \"%s\"}", jwt);
	assert_int_equal(idtoken_from_json(body, strlen(body), "id_token", AUD,
	    "t", NOW, &tok), 0);
	assert_string_equal(tok.access_token, jwt);
	token_release(&tok);
	/* The wrong field, not a string, not JSON. */
	assert_int_equal(idtoken_from_json(body, strlen(body), "token", AUD,
	    "t", NOW, &tok), VT_ERR_NET);
	assert_non_null(strstr(vt_errmsg(), "no token"));
	assert_null(tok.access_token);
	free(body);
	body = xstrdup("{\"token\": 5}");
	assert_int_equal(idtoken_from_json(body, strlen(body), "token", AUD,
	    "t", NOW, &tok), VT_ERR_NET);
	free(body);
	body = xasprintf("token=%s", jwt);
	assert_int_equal(idtoken_from_json(body, strlen(body), "token", AUD,
	    "t", NOW, &tok), VT_ERR_NET);
	assert_null(strstr(vt_errmsg(), jwt));
	free(body);
	free(jwt);
	free(p);
}

static void
test_audience(void **state)
{
	char	*big;

	(void)state;
	assert_int_equal(idtoken_audience_check(AUD), 0);
	assert_int_equal(idtoken_audience_check("123-abc.apps."
	    "googleusercontent.com"), 0);
	assert_int_equal(idtoken_audience_check(""), VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "empty"));
	assert_int_equal(idtoken_audience_check(NULL), VT_ERR_USAGE);
	assert_int_equal(idtoken_audience_check("a b"), VT_ERR_USAGE);
	assert_int_equal(idtoken_audience_check("a\nb"), VT_ERR_USAGE);
	assert_int_equal(idtoken_audience_check("a\tb"), VT_ERR_USAGE);
	assert_int_equal(idtoken_audience_check("caf\xc3\xa9"), VT_ERR_USAGE);
	assert_int_equal(idtoken_audience_check("a\x7f"), VT_ERR_USAGE);
	big = xmalloc(IDTOKEN_AUDIENCE_MAX + 2);
	memset(big, 'a', IDTOKEN_AUDIENCE_MAX + 1);
	big[IDTOKEN_AUDIENCE_MAX + 1] = '\0';
	assert_int_equal(idtoken_audience_check(big), VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "longer"));
	big[IDTOKEN_AUDIENCE_MAX] = '\0';
	assert_int_equal(idtoken_audience_check(big), 0);
	free(big);
}

static int
no_fetch(struct source *src, struct vt_ctx *ctx, const struct scope_req *sc,
    struct token *tok)
{
	(void)src;
	(void)ctx;
	(void)sc;
	(void)tok;
	return VT_ERR_INTERNAL;
}

/* A type without the op, and an audience refused before the op runs. */
static void
test_source_refuses(void **state)
{
	static const struct source_ops ops = {
		.type = "authorized_user",
		.fetch = no_fetch,
	};
	struct source	*src;
	struct token	 tok;

	(void)state;
	src = source_new(&ops, "test", NULL);
	assert_int_equal(source_id_token(src, NULL, AUD, 0, &tok),
	    VT_ERR_CONFIG);
	assert_string_equal(vt_errmsg(), "credentials of type authorized_user "
	    "cannot mint ID tokens");
	assert_null(tok.access_token);
	assert_int_equal(source_id_token(src, NULL, "", 0, &tok),
	    VT_ERR_USAGE);
	source_free(src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_from_json),
		cmocka_unit_test(test_audience),
		cmocka_unit_test(test_source_refuses),
	};
	int	r;

	r = cmocka_run_group_tests(tests, NULL, NULL);
	vt_err_clear();
	return r;
}
