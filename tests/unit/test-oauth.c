/*
 * test-oauth.c: token endpoint replies: strict parsing of successes,
 * the messages and exit codes of errors, and which errors are retried.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "vtoken.h"
#include "http.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "xmalloc.h"

#define NOW	((time_t)1700000000)

/* Parse s as a 200 reply. */
static int
parse(const char *s, struct token *tok)
{
	return oauth_parse_token(s, strlen(s), NOW, tok);
}

/* Parse s, expect code, and expect the message to contain what. */
static void
check_parse_fails(const char *s, int code, const char *what)
{
	struct token	tok;
	int		r;

	r = parse(s, &tok);
	if (r != code)
		fail_msg("'%s': got %d, wanted %d (%s)", s, r, code,
		    vt_errmsg() != NULL ? vt_errmsg() : "no message");
	assert_null(tok.access_token);
	if (what != NULL && strstr(vt_errmsg(), what) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", s, vt_errmsg(), what);
}

/* Well-formed replies, with each form of expires_in. */
static void
test_parse_good(void **state)
{
	struct token	tok;

	(void)state;
	assert_int_equal(parse("{\"access_token\": \"ya29.a0AfB-_~+/x==\", "
	    "\"expires_in\": 3599, \"token_type\": \"Bearer\"}", &tok), 0);
	assert_string_equal(tok.access_token, "ya29.a0AfB-_~+/x==");
	assert_int_equal(tok.expires_at, NOW + 3599);
	token_release(&tok);
	assert_null(tok.access_token);

	/* expires_in as a string; token_type in any case; extra members. */
	assert_int_equal(parse("{\"access_token\":\"t\",\"expires_in\":\"120\","
	    "\"token_type\":\"bearer\",\"scope\":\"a b\",\"id_token\":\"x.y\","
	    "\"refresh_token\":\"1//r\"}\n", &tok), 0);
	assert_string_equal(tok.access_token, "t");
	assert_int_equal(tok.expires_at, NOW + 120);
	token_release(&tok);

	/* No expires_in (or null): one hour.  No token_type: fine. */
	assert_int_equal(parse("  {\"access_token\":\"t\"}  \r\n", &tok), 0);
	assert_int_equal(tok.expires_at, NOW + 3600);
	token_release(&tok);
	assert_int_equal(parse("{\"access_token\":\"t\",\"expires_in\":null}",
	    &tok), 0);
	assert_int_equal(tok.expires_at, NOW + 3600);
	token_release(&tok);

	/* The limits. */
	assert_int_equal(parse("{\"access_token\":\"t\",\"expires_in\":1}",
	    &tok), 0);
	assert_int_equal(tok.expires_at, NOW + 1);
	token_release(&tok);
	assert_int_equal(parse("{\"access_token\":\"t\",\"expires_in\":86400}",
	    &tok), 0);
	assert_int_equal(tok.expires_at, NOW + 86400);
	token_release(&tok);
}

/* Anything but one JSON object with access_token is malformed. */
static void
test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"{",
		"{\"access_token\":\"t\"",
		"not json",
		"<html>502</html>",
		"[\"access_token\", \"t\"]",
		"\"t\"",
		"null",
		"42 ",
		"{\"access_token\":\"t\"} x",
		"{\"access_token\":\"t\"}{}",
		"{\"access_token\":\"t\",}",
		"{\"expires_in\":3599}",
		"{\"access_token\":null}",
		"{\"access_token\":42}",
		"{\"access_token\":[\"t\"]}",
		"{\"access_token\":{\"a\":\"t\"}}",
		"{\"access_token\":\"t\",\"token_type\":7}",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		check_parse_fails(bad[i], VT_ERR_NET,
		    "malformed reply from token endpoint");
	check_parse_fails("{\"access_token\":\"t\"} x", VT_ERR_NET,
	    "text after");
	check_parse_fails("{\"expires_in\":3599}", VT_ERR_NET,
	    "no access_token");
}

/* A NUL byte or a missing body is malformed. */
static void
test_parse_nul(void **state)
{
	struct token	tok;
	const char	body[] = "{\"access_token\":\"t\"}\0{}";

	(void)state;
	assert_int_equal(oauth_parse_token(body, sizeof body - 1, NOW, &tok),
	    VT_ERR_NET);
	assert_null(tok.access_token);
	assert_int_equal(oauth_parse_token(NULL, 0, NOW, &tok), VT_ERR_NET);
}

/* expires_in must be 1..86400 seconds, as a number or digits. */
static void
test_parse_expires_in(void **state)
{
	static const char *const bad[] = {
		"0", "-1", "-3600", "86401", "1000000000",
		"99999999999999999999", "3599.5", "1e3", "true",
		"\"\"", "\"abc\"", "\"12abc\"", "\"-5\"", "\" 5\"", "\"0\"",
		"\"86401\"", "\"3599.0\"", "\"1234567890\"", "[1]", "{}",
		NULL
	};
	char	buf[128];
	size_t	i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(buf, sizeof buf, "{\"access_token\":\"t\","
		    "\"expires_in\":%s}", bad[i]);
		check_parse_fails(buf, VT_ERR_NET, "expires_in");
	}
}

/* Tokens that could inject into a shell or header are refused. */
static void
test_parse_bad_token(void **state)
{
	static const char *const bad[] = {
		"$(touch /tmp/pwned)",
		"`id`",
		"a;b",
		"a b",
		"a\\nb",
		"a\\rb",
		"a\\tb",
		"a\\\"b",
		"a'b",
		"a\\\\b",
		"a\\u0000b",
		"\\u00e9",
		"a|b",
		"a&b",
		"a=b",
		"a>b",
		"",
		NULL
	};
	char	buf[128];
	size_t	i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(buf, sizeof buf, "{\"access_token\":\"%s\","
		    "\"expires_in\":3599}", bad[i]);
		check_parse_fails(buf, VT_ERR_CRED, "refusing it");
	}
	check_parse_fails("{\"access_token\":\"$(id)\"}", VT_ERR_CRED,
	    "token endpoint returned a token with characters a bearer token "
	    "cannot have; refusing it");
	/* The token never reaches the message. */
	assert_null(strstr(vt_errmsg(), "$(id)"));
}

/* Tokens up to VT_TOKEN_MAX bytes pass, longer ones do not. */
static void
test_parse_token_length(void **state)
{
	struct token	 tok;
	char		*body, *t;

	(void)state;
	t = xmalloc(VT_TOKEN_MAX + 2);
	memset(t, 'a', VT_TOKEN_MAX + 1);
	t[VT_TOKEN_MAX + 1] = '\0';
	body = xasprintf("{\"access_token\":\"%s\"}", t);
	check_parse_fails(body, VT_ERR_CRED, "refusing it");
	free(body);

	t[VT_TOKEN_MAX] = '\0';
	body = xasprintf("{\"access_token\":\"%s\"}", t);
	assert_int_equal(parse(body, &tok), 0);
	assert_int_equal(strlen(tok.access_token), VT_TOKEN_MAX);
	token_release(&tok);
	free(body);
	free(t);
}

/* Only Bearer tokens are taken. */
static void
test_parse_token_type(void **state)
{
	(void)state;
	check_parse_fails("{\"access_token\":\"t\",\"token_type\":\"mac\"}",
	    VT_ERR_CRED, "'mac' token, not a Bearer token");
	check_parse_fails("{\"access_token\":\"t\",\"token_type\":\"\"}",
	    VT_ERR_CRED, "not a Bearer token");
	check_parse_fails("{\"access_token\":\"t\",\"token_type\":"
	    "\"Bearer \"}", VT_ERR_CRED, "not a Bearer token");
}

/* oauth_error(), expecting code and every NULL-ended string in the message. */
static void
check_error(long status, const char *body, int code, ...)
{
	va_list		 ap;
	const char	*want;
	int		 r;

	r = oauth_error(status, body, body != NULL ? strlen(body) : 0,
	    "https://oauth2.googleapis.com/token");
	if (r != code)
		fail_msg("HTTP %ld '%s': got %d, wanted %d (%s)", status, body,
		    r, code, vt_errmsg());
	assert_null(strchr(vt_errmsg(), '\n'));
	va_start(ap, code);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (strstr(vt_errmsg(), want) == NULL)
			fail_msg("HTTP %ld: message '%s' lacks '%s'", status,
			    vt_errmsg(), want);
	}
	va_end(ap);
}

/* Each OAuth error gets the hint that fixes it. */
static void
test_error_hints(void **state)
{
	(void)state;
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Invalid JWT Signature.\"}", VT_ERR_CRED,
	    "token request to https://oauth2.googleapis.com/token was "
	    "rejected: invalid_grant: Invalid JWT Signature. (",
	    "key file", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Invalid JWT: Token must be a short-lived token (60 minutes) and "
	    "in a reasonable timeframe. Check your iat and exp values in the "
	    "JWT claim.\"}", VT_ERR_CRED, "(check the system clock)", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Invalid JWT: iat is in the future\"}", VT_ERR_CRED,
	    "check the system clock", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Token has been expired or revoked.\"}", VT_ERR_CRED,
	    "invalid_grant: Token has been expired or revoked. (run 'gcloud "
	    "auth application-default login' or use another key)", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"reauth related error (invalid_rapt)\",\"error_uri\":"
	    "\"https://support.google.com/a/answer/9368756\","
	    "\"error_subtype\":\"invalid_rapt\"}", VT_ERR_CRED,
	    "reauthentication required: run 'gcloud auth application-default "
	    "login'", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_subtype\":"
	    "\"rapt_required\"}", VT_ERR_CRED,
	    "rejected: invalid_grant (reauthentication required", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Reauth required\"}", VT_ERR_CRED, "reauthentication required",
	    NULL);
	check_error(401, "{\"error\":\"invalid_client\",\"error_description\":"
	    "\"The OAuth client was not found.\"}", VT_ERR_CRED,
	    "invalid_client: The OAuth client was not found. (the client ID "
	    "or secret in the credential file is wrong)", NULL);
	check_error(400, "{\"error\":\"invalid_scope\"}", VT_ERR_CRED,
	    "invalid_scope", "--scopes", NULL);
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"Bad Request\"}", VT_ERR_CRED,
	    "rejected: invalid_grant: Bad Request", NULL);
	/* No hint: nothing in parentheses. */
	assert_null(strchr(vt_errmsg(), '('));
}

/* Statuses map to exit codes: 4xx rejected, 429/5xx transient. */
static void
test_error_status(void **state)
{
	(void)state;
	/* Rejections. */
	check_error(400, "{\"error\":\"invalid_request\"}", VT_ERR_CRED,
	    "rejected: invalid_request", NULL);
	check_error(403, "{\"error\":\"access_denied\"}", VT_ERR_CRED,
	    "access_denied", NULL);
	check_error(401, "Unauthorized", VT_ERR_CRED, "HTTP 401",
	    "non-JSON", NULL);
	check_error(403, "", VT_ERR_CRED, "HTTP 403", NULL);
	check_error(400, "{}", VT_ERR_CRED, "HTTP 400", NULL);
	check_error(404, "<html>Not Found</html>", VT_ERR_CRED, "HTTP 404",
	    "token URI", NULL);
	check_error(405, "", VT_ERR_CRED, "HTTP 405", NULL);
	/* Service failures. */
	check_error(429, "{\"error\":\"rate_limit_exceeded\"}", VT_ERR_NET,
	    "HTTP 429", "try again later", NULL);
	check_error(429, "", VT_ERR_NET, "HTTP 429 (rate limited, an empty "
	    "reply)", NULL);
	check_error(429, "{}", VT_ERR_NET, "HTTP 429 (rate limited); try "
	    "again later", NULL);
	check_error(408, "", VT_ERR_NET, "HTTP 408", NULL);
	check_error(500, "{\"error\":\"server_error\"}", VT_ERR_NET,
	    "HTTP 500: server_error; try again later", NULL);
	check_error(502, "<html>Bad Gateway</html>", VT_ERR_NET,
	    "failed with HTTP 502 (a non-JSON reply); try again later", NULL);
	check_error(503, "{\"error\":\"temporarily_unavailable\"}", VT_ERR_NET,
	    "temporarily_unavailable", NULL);
	check_error(504, NULL, VT_ERR_NET, "HTTP 504", NULL);
	/* A transient OAuth error with a 4xx status is still transient. */
	check_error(400, "{\"error\":\"internal_failure\"}", VT_ERR_NET,
	    "internal_failure", NULL);
	check_error(400, "{\"error\":\"x\",\"error_description\":"
	    "\"server_error\"}", VT_ERR_NET, "try again later", NULL);
	/* Odd statuses. */
	check_error(302, "", VT_ERR_NET, "redirect", NULL);
	check_error(0, "", VT_ERR_NET, NULL);
	/* Google API errors (IAM style). */
	check_error(403, "{\"error\":{\"code\":403,\"message\":\"Permission "
	    "denied\",\"status\":\"PERMISSION_DENIED\"}}", VT_ERR_CRED,
	    "PERMISSION_DENIED: Permission denied", NULL);
}

/* Messages quote only error fields, escaped and truncated. */
static void
test_error_no_leak(void **state)
{
	char	*body, *desc;

	(void)state;
	/* Only error and error_description are quoted, escaped. */
	check_error(400, "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"line1\\nline2\\u001b[31m\",\"access_token\":\"SECRET\","
	    "\"refresh_token\":\"SECRET\"}", VT_ERR_CRED, "line1\\x0aline2",
	    NULL);
	assert_null(strstr(vt_errmsg(), "SECRET"));
	assert_null(strchr(vt_errmsg(), '\x1b'));
	check_error(502, "SECRET body", VT_ERR_NET, "non-JSON", NULL);
	assert_null(strstr(vt_errmsg(), "SECRET"));
	check_error(401, "client_secret=SECRET", VT_ERR_CRED, NULL);
	assert_null(strstr(vt_errmsg(), "SECRET"));

	/* A long description is cut. */
	desc = xmalloc(5001);
	memset(desc, 'd', 5000);
	desc[5000] = '\0';
	body = xasprintf("{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"%s\"}", desc);
	check_error(400, body, VT_ERR_CRED, "ddd...", NULL);
	assert_true(strlen(vt_errmsg()) < 400);
	free(body);
	free(desc);
}

/* Only the transient OAuth errors are retried. */
static void
test_retryable_reply(void **state)
{
	static const char *const yes[] = {
		"{\"error\":\"server_error\"}",
		"{\"error\":\"temporarily_unavailable\"}",
		"{\"error\":\"internal_failure\"}",
		"{\"error\":\"x\",\"error_description\":\"internal_failure\"}",
		"{\"error_description\":\"server_error\"}",
		NULL
	};
	static const char *const no[] = {
		"{\"error\":\"invalid_grant\"}",
		"{\"error\":\"invalid_client\"}",
		"{\"error\":\"server_error_x\"}",
		"{\"error\":{\"status\":\"server_error\"}}",
		"server_error",
		"",
		"[\"server_error\"]",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; yes[i] != NULL; i++)
		assert_true(oauth_retryable_reply(400, yes[i], strlen(yes[i])));
	for (i = 0; no[i] != NULL; i++)
		assert_false(oauth_retryable_reply(400, no[i], strlen(no[i])));
	/* A success is never looked into. */
	assert_false(oauth_retryable_reply(200, yes[0], strlen(yes[0])));
	assert_false(oauth_retryable_reply(400, NULL, 0));
}

/* --- oauth_token_request against a one-shot server on 127.0.0.1 ----- */

static pid_t	mock_pid = -1;
static int	mock_port;

/* Serve the replies, one per connection, reading each request first. */
static void
mock_start(const char *const *replies)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof sin;
	char			 buf[16384];
	int			 s, c;
	size_t			 i;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	mock_port = ntohs(sin.sin_port);
	assert_true((mock_pid = fork()) != -1);
	if (mock_pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		for (i = 0; replies[i] != NULL; i++) {
			if ((c = accept(s, NULL, NULL)) == -1)
				_exit(1);
			/* Requests here are small: one read has it all. */
			if (read(c, buf, sizeof buf) < 0 ||
			    write(c, replies[i], strlen(replies[i])) < 0)
				_exit(1);
			shutdown(c, SHUT_WR);
			while (read(c, buf, sizeof buf) > 0)
				;
			close(c);
		}
		_exit(0);
	}
	close(s);
}

/* Stop the server. */
static void
mock_stop(void)
{
	if (mock_pid > 0) {
		kill(mock_pid, SIGKILL);
		waitpid(mock_pid, NULL, 0);
		mock_pid = -1;
	}
}

/* A full request: success, retried error, rejection, 503s. */
static void
test_token_request(void **state)
{
	const char *const replies[] = {
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Connection: close\r\n\r\n"
		"{\"access_token\":\"ya29.ok\",\"expires_in\":3599}",
		"HTTP/1.1 400 Bad Request\r\nRetry-After: 0\r\n"
		"Connection: close\r\n\r\n{\"error\":\"server_error\"}",
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
		"{\"error\":\"invalid_grant\",\"error_description\":"
		"\"Token has been expired or revoked.\"}",
		"HTTP/1.1 503 Unavailable\r\nRetry-After: 0\r\n"
		"Connection: close\r\n\r\n",
		"HTTP/1.1 503 Unavailable\r\nRetry-After: 0\r\n"
		"Connection: close\r\n\r\n",
		"HTTP/1.1 503 Unavailable\r\nRetry-After: 0\r\n"
		"Connection: close\r\n\r\n",
		NULL
	};
	struct vt_ctx	 ctx;
	struct token	 tok;
	char		 uri[64];
	time_t		 t0;

	(void)state;
	mock_start(replies);
	memset(&ctx, 0, sizeof ctx);
	ctx.timeout_sec = 10;
	ctx.deadline = vt_now_mono() + 10;
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/token", mock_port);

	t0 = time(NULL);
	assert_int_equal(oauth_token_request(&ctx, uri, "a=b", NULL, &tok,
	    NULL), 0);
	assert_string_equal(tok.access_token, "ya29.ok");
	assert_true(tok.expires_at >= t0 + 3599 &&
	    tok.expires_at <= time(NULL) + 3599);
	token_release(&tok);

	/* server_error (with a 400) is retried after ~1 s; then rejected. */
	assert_int_equal(oauth_token_request(&ctx, uri, "a=b", NULL, &tok,
	    NULL), VT_ERR_CRED);
	assert_null(tok.access_token);
	assert_non_null(strstr(vt_errmsg(), "gcloud auth application-default "
	    "login"));

	/* Three 503s. */
	assert_int_equal(oauth_token_request(&ctx, uri, "a=b", NULL, &tok,
	    NULL), VT_ERR_NET);
	assert_non_null(strstr(vt_errmsg(), "HTTP 503"));
	assert_non_null(strstr(vt_errmsg(), "after 3 attempts"));
	mock_stop();

	/* The token URI rule comes first. */
	assert_int_equal(oauth_token_request(&ctx, "http://example.com/token",
	    "a=b", NULL, &tok, NULL), VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "token URI"));
}

/* A buffer of n copies of c, NUL-terminated. */
static char *
fill(size_t n, char c)
{
	char	*p = xmalloc(n + 1);

	memset(p, c, n);
	p[n] = '\0';
	return p;
}

/* 1 if n bytes at p are all zero. */
static int
zeroed(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != '\0')
			return 0;
	return 1;
}

/* secret_json_put wipes every string, in objects and arrays, then frees. */
static void
test_json_put_wipes(void **state)
{
	struct json_object	*o, *tok, *arr, *item;
	const char		*why, *t, *a;
	char			*big, *body;
	size_t			 tl, al;

	(void)state;
	big = fill(5000, 'k');
	body = xasprintf("{\"access_token\":\"ya29.%s\",\"x\":[1,\"%s\"]}",
	    big, big);
	o = oauth_json_parse(body, strlen(body), &why);
	assert_non_null(o);
	/* Hold references so that the strings outlive secret_json_put. */
	assert_true(json_object_object_get_ex(o, "access_token", &tok));
	assert_true(json_object_object_get_ex(o, "x", &arr));
	item = json_object_array_get_idx(arr, 1);
	json_object_get(tok);
	json_object_get(item);
	t = json_object_get_string(tok);
	tl = (size_t)json_object_get_string_len(tok);
	a = json_object_get_string(item);
	al = (size_t)json_object_get_string_len(item);
	assert_int_equal(tl, 5005);
	secret_json_put(o);
	assert_true(zeroed(t, tl));
	assert_true(zeroed(a, al));
	json_object_put(tok);
	json_object_put(item);
	secret_json_put(NULL);
	secret_free(body);
	free(big);
}

/*
 * The tokener's string buffer is sized once for the input, so json-c
 * never reallocates it (leaving a copy behind), and a parse that fails
 * half-way has what it built wiped.
 */
static void
test_json_tokener(void **state)
{
	struct json_tokener	*tk;
	struct json_object	*o, *cur, *v;
	char			*big, *body, *buf0;
	const char		*s;
	size_t			 len;

	(void)state;
	big = fill(20000, 's');
	body = xasprintf("{\"refresh_token\":\"%s\"}", big);
	tk = secret_json_tokener(strlen(body), 16);
	assert_non_null(tk);
	buf0 = tk->pb->buf;
	o = json_tokener_parse_ex(tk, body, (int)strlen(body));
	assert_non_null(o);
	assert_ptr_equal(tk->pb->buf, buf0);
	secret_json_tokener_free(tk);
	secret_json_put(o);
	secret_free(body);

	/* Cut off after the secret: the object is left on the stack. */
	body = xasprintf("{\"client_secret\":\"%s\",\"b\":", big);
	tk = secret_json_tokener(strlen(body), 16);
	o = json_tokener_parse_ex(tk, body, (int)strlen(body));
	assert_null(o);
	assert_int_equal(json_tokener_get_error(tk), json_tokener_continue);
	cur = tk->stack[0].current;
	assert_non_null(cur);
	assert_true(json_object_object_get_ex(cur, "client_secret", &v));
	json_object_get(v);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	assert_int_equal(len, 20000);
	secret_json_tokener_free(tk);
	assert_true(zeroed(s, len));
	json_object_put(v);
	secret_json_tokener_free(NULL);
	secret_free(body);
	free(big);
}

/* xasprintf writes exactly once into a buffer of the right size. */
static void
test_xasprintf_exact(void **state)
{
	char	*big, *s;

	(void)state;
	big = fill(100000, 'q');
	s = xasprintf("[%s|%d|%s]", big, 42, "x");
	assert_int_equal(strlen(s), 100000 + 7);
	assert_memory_equal(s + 1, big, 100000);
	assert_string_equal(s + 100001, "|42|x]");
	free(s);
	s = xasprintf("%s", "");
	assert_string_equal(s, "");
	free(s);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_parse_expires_in),
		cmocka_unit_test(test_parse_bad_token),
		cmocka_unit_test(test_parse_token_length),
		cmocka_unit_test(test_parse_token_type),
		cmocka_unit_test(test_error_hints),
		cmocka_unit_test(test_error_status),
		cmocka_unit_test(test_error_no_leak),
		cmocka_unit_test(test_retryable_reply),
		cmocka_unit_test(test_token_request),
		cmocka_unit_test(test_json_put_wipes),
		cmocka_unit_test(test_json_tokener),
		cmocka_unit_test(test_xasprintf_exact),
	};
	int	r;

	http_global_init();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	http_global_cleanup();
	vt_err_clear();
	return r;
}
