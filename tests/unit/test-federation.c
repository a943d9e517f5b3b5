/*
 * test-federation.c: the pure parts of impersonation and workload
 * identity federation: the googleapis.com-or-loopback URL rule (with
 * look-alike hosts and universes), RFC 3339 times, IAM URLs and account
 * names, subject token extraction, the executable output contract and
 * command splitting.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vtoken.h"
#include "iam.h"
#include "output.h"
#include "log.h"
#include "xmalloc.h"
#include "secret.h"
#include "subject.h"

static void
test_host_rule(void **state)
{
	(void)state;
	assert_true(iam_host_allowed("sts.googleapis.com", 0, NULL, NULL));
	assert_true(iam_host_allowed("iamcredentials.googleapis.com", 0,
	    "googleapis.com", NULL));
	assert_true(iam_host_allowed("googleapis.com", 0, NULL, NULL));
	assert_true(iam_host_allowed("STS.GoogleAPIs.com", 0, NULL, NULL));
	assert_true(iam_host_allowed("evil.example", 1, NULL, NULL));
	assert_false(iam_host_allowed("evilgoogleapis.com", 0, NULL, NULL));
	assert_false(iam_host_allowed("sts.googleapis.com.evil.example", 0,
	    NULL, NULL));
	assert_false(iam_host_allowed("sts.example.com", 0, NULL, NULL));
	assert_false(iam_host_allowed("", 0, NULL, NULL));
	/* A file's universe counts only when the user named it too. */
	assert_false(iam_host_allowed("sts.example.com", 0, "example.com",
	    NULL));
	assert_false(iam_host_allowed("sts.example.com", 0, "example.com",
	    "other.com"));
	assert_true(iam_host_allowed("sts.example.com", 0, "example.com",
	    "example.com"));
	assert_false(iam_host_allowed("sts.googleapis.com", 0, "example.com",
	    "example.com"));
	/* The user's own universe, the file naming none. */
	assert_true(iam_host_allowed("sts.example.com", 0, NULL,
	    "example.com"));
	assert_false(iam_host_allowed("sts.example.com", 0, "googleapis.com",
	    "example.com"));
}

static void
test_url_check(void **state)
{
	(void)state;
	assert_int_equal(iam_url_check("https://sts.googleapis.com/v1/token",
	    "t", NULL, NULL), 0);
	assert_int_equal(iam_url_check("http://127.0.0.1:8080/v1/token", "t",
	    NULL, NULL), 0);
	assert_int_equal(iam_url_check("http://sts.googleapis.com/v1/token",
	    "t", NULL, NULL), VT_ERR_CRED);
	assert_int_equal(iam_url_check("https://sts.googleapis.com@evil.example"
	    "/v1/token", "t", NULL, NULL), VT_ERR_CRED);
	assert_int_equal(iam_url_check("https://evil.example/sts.googleapis.com",
	    "t", NULL, NULL), VT_ERR_CRED);
	assert_int_equal(iam_url_check("https://sts.googleapis.com.evil.example"
	    "/v1/token", "t", NULL, NULL), VT_ERR_CRED);
}

/*
 * Hosts that one URL parser reads as a googleapis.com name and another
 * as evil.com: the rule is judged on curl's parse, the one connected by.
 */
static void
test_url_two_parsers(void **state)
{
	static const char *const evil[] = {
		"https://evil.com%2f.googleapis.com/v1/token",
		"https://evil.com%2F.googleapis.com/v1/token",
		"https://evil.com%23.googleapis.com/v1/token",
		"https://evil.com%40.googleapis.com/v1/token",
		"https://evil.com;.googleapis.com/v1/token",
		"https://evil.com\\.googleapis.com/v1/token",
		"https://evil.com%00.googleapis.com/v1/token",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof evil / sizeof evil[0]; i++) {
		if (iam_url_check(evil[i], "t", NULL, NULL) != VT_ERR_CRED)
			fail_msg("accepted: %s", evil[i]);
		vt_err_clear();
	}
	assert_int_equal(iam_url_check("https://sts.googleapis.com/v1/token",
	    "t", NULL, NULL), 0);
}

static void
test_time(void **state)
{
	time_t	t;

	(void)state;
	assert_int_equal(output_parse_rfc3339("2030-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(output_parse_rfc3339("2030-01-01T00:00:00.123456Z", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(output_parse_rfc3339("2030-01-01T01:30:00+01:30", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(output_parse_rfc3339("2029-12-31T23:00:00-01:00", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(output_parse_rfc3339("2030-01-01 00:00:00Z", &t), -1);
	assert_int_equal(output_parse_rfc3339("2030-01-01T00:00:00", &t), -1);
	assert_int_equal(output_parse_rfc3339("2030-13-01T00:00:00Z", &t), -1);
	assert_int_equal(output_parse_rfc3339("2030-01-01T00:00:00Zjunk", &t), -1);
	assert_int_equal(output_parse_rfc3339("2030-01-01T00:00:00.Z", &t), -1);
	assert_int_equal(output_parse_rfc3339("", &t), -1);
	assert_int_equal(output_parse_rfc3339(NULL, &t), -1);
}

/*
 * A cut-off offset is refused without reading past the string's end:
 * each is a heap copy of its own length, so AddressSanitizer sees any
 * byte read beyond it.
 */
static void
test_time_truncated(void **state)
{
	static const char *const cut[] = {
		"2030-01-01T00:00:00+", "2030-01-01T00:00:00-",
		"2030-01-01T00:00:00+0", "2030-01-01T00:00:00+01",
		"2030-01-01T00:00:00+01:", "2030-01-01T00:00:00+01:3",
		"2030-01-01T00:00:00.", "2030-01-01T00:00:00.5",
	};
	time_t	 t;
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		s = xstrdup(cut[i]);
		assert_int_equal(output_parse_rfc3339(s, &t), -1);
		free(s);
	}
}

static void
test_iam_names(void **state)
{
	char	*e;

	(void)state;
	e = iam_url_email("https://iamcredentials.googleapis.com/v1/projects/-/"
	    "serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken");
	assert_string_equal(e, "sa@p.iam.gserviceaccount.com");
	free(e);
	assert_null(iam_url_email("https://x/v1/serviceAccounts/"
	    ":generateAccessToken"));
	assert_null(iam_url_email("https://x/a@b:generateAccessTokenX"));
	assert_null(iam_url_email("https://x/a@b:generateIdToken"));
	assert_true(iam_valid_account("sa@p.iam.gserviceaccount.com"));
	assert_true(iam_valid_account("123456789012345678901"));
	assert_false(iam_valid_account("not an email"));
	assert_false(iam_valid_account("a@b/c"));
	assert_false(iam_valid_account("abc"));
	assert_false(iam_valid_account(""));
}

static void
test_extract(void **state)
{
	char	*tok;

	(void)state;
	assert_int_equal(subject_extract("abc.def\r\n", 9, NULL, "f", &tok), 0);
	assert_string_equal(tok, "abc.def");
	secret_free(tok);
	assert_int_equal(subject_extract("\n", 1, NULL, "f", &tok),
	    VT_ERR_CRED);
	assert_int_equal(subject_extract("a\nb", 3, NULL, "f", &tok),
	    VT_ERR_CRED);
	assert_int_equal(subject_extract("a\0b", 3, NULL, "f", &tok),
	    VT_ERR_CRED);
	assert_int_equal(subject_extract("{\"id_token\": \"x.y\"}", 19,
	    "id_token", "f", &tok), 0);
	assert_string_equal(tok, "x.y");
	secret_free(tok);
	assert_int_equal(subject_extract("{\"id_token\": 1}", 15, "id_token",
	    "f", &tok), VT_ERR_CRED);
	assert_int_equal(subject_extract("{\"a\": \"x\"}", 10, "id_token", "f",
	    &tok), VT_ERR_CRED);
	assert_int_equal(subject_extract("[\"x\"]", 5, "id_token", "f", &tok),
	    VT_ERR_CRED);
	assert_int_equal(subject_extract("{\"id_token\": \"\"}", 16,
	    "id_token", "f", &tok), VT_ERR_CRED);
	assert_null(tok);
}

/* subject_exec_parse on a string. */
static int
parse(const char *s, int need_expiry, char **tok, time_t *exp, int *expired)
{
	return subject_exec_parse(s, strlen(s), 1000, need_expiry, "prog", tok,
	    exp, expired);
}

static void
test_exec_output(void **state)
{
	char	*tok;
	time_t	 exp;
	int	 expired;

	(void)state;
	assert_int_equal(parse("{\"version\": 1, \"success\": true, "
	    "\"token_type\": \"urn:ietf:params:oauth:token-type:id_token\", "
	    "\"id_token\": \"h.p.s\", \"expiration_time\": 2000}", 1, &tok,
	    &exp, &expired), 0);
	assert_string_equal(tok, "h.p.s");
	assert_int_equal(exp, 2000);
	secret_free(tok);
	assert_int_equal(parse("{\"version\": 1, \"success\": true, "
	    "\"token_type\": \"urn:ietf:params:oauth:token-type:saml2\", "
	    "\"saml_response\": \"PHNhbWw+\"}", 0, &tok, &exp, &expired), 0);
	assert_string_equal(tok, "PHNhbWw+");
	secret_free(tok);
	/* expiration_time is required with an output file. */
	assert_int_equal(parse("{\"version\": 1, \"success\": true, "
	    "\"token_type\": \"urn:ietf:params:oauth:token-type:jwt\", "
	    "\"id_token\": \"a\"}", 1, &tok, &exp, &expired), VT_ERR_CRED);
	/* Expired. */
	assert_int_equal(parse("{\"version\": 1, \"success\": true, "
	    "\"token_type\": \"urn:ietf:params:oauth:token-type:jwt\", "
	    "\"id_token\": \"a\", \"expiration_time\": 999}", 0, &tok, &exp,
	    &expired), VT_ERR_CRED);
	assert_true(expired);
	/* Failure: code and message required. */
	assert_int_equal(parse("{\"version\": 1, \"success\": false, "
	    "\"code\": \"401\", \"message\": \"no\"}", 0, &tok, &exp,
	    &expired), VT_ERR_CRED);
	assert_true(expired);
	assert_int_equal(parse("{\"version\": 1, \"success\": false}", 0,
	    &tok, &exp, &expired), VT_ERR_CRED);
	/* Version, success, token_type, the token field. */
	assert_int_equal(parse("{\"version\": 2, \"success\": true}", 0, &tok,
	    &exp, &expired), VT_ERR_CRED);
	assert_int_equal(parse("{\"success\": true}", 0, &tok, &exp,
	    &expired), VT_ERR_CRED);
	assert_int_equal(parse("{\"version\": 1, \"success\": \"yes\"}", 0,
	    &tok, &exp, &expired), VT_ERR_CRED);
	assert_int_equal(parse("{\"version\": 1, \"success\": true, "
	    "\"token_type\": \"x\", \"id_token\": \"a\"}", 0, &tok, &exp,
	    &expired), VT_ERR_CRED);
	assert_int_equal(parse("{\"version\": 1, \"success\": true, "
	    "\"token_type\": \"urn:ietf:params:oauth:token-type:saml2\", "
	    "\"id_token\": \"a\"}", 0, &tok, &exp, &expired), VT_ERR_CRED);
	assert_int_equal(parse("not json", 0, &tok, &exp, &expired),
	    VT_ERR_CRED);
	assert_null(tok);
}

static void
test_split(void **state)
{
	char	**v;

	(void)state;
	v = subject_split("/bin/tool --a=1  'b c' \"d e\"f");
	assert_non_null(v);
	assert_string_equal(v[0], "/bin/tool");
	assert_string_equal(v[1], "--a=1");
	assert_string_equal(v[2], "b c");
	assert_string_equal(v[3], "d ef");
	assert_null(v[4]);
	xstrv_free(v);
	v = subject_split("   ");
	assert_null(v);
	assert_null(subject_split("/bin/tool 'open"));
	v = subject_split("/bin/x;rm -rf $HOME");
	assert_string_equal(v[0], "/bin/x;rm");
	xstrv_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_rule),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_url_two_parsers),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_time_truncated),
		cmocka_unit_test(test_iam_names),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_exec_output),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
