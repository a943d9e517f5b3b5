/*
 * test-http.c: URL rules, form encoding, trace redaction, and requests
 * against a scripted server on 127.0.0.1 (retries, caps, deadlines).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtoken.h"
#include "http.h"
#include "redact.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

/* --- URL rules ----------------------------------------------------- */

static void
test_url_check_allowed(void **state)
{
	static const char *const ok[] = {
		"https://oauth2.googleapis.com/token",
		"https://example.com",
		"https://example.com:8443/a/b?c=d#e",
		"HTTPS://EXAMPLE.COM/token",
		"http://127.0.0.1/token",
		"http://127.0.0.1:8080/token",
		"http://127.5.6.7:1/x",
		"http://localhost/token",
		"http://LOCALHOST:99/token",
		"http://[::1]/token",
		"http://[::1]:8080/token",
		"https://[2001:db8::1]/token",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; ok[i] != NULL; i++) {
		if (http_url_check(ok[i], "token_uri") != 0)
			fail_msg("refused %s: %s", ok[i], vt_errmsg());
	}
}

/* Other hosts, schemes, whitespace and junk are refused. */
static void
test_url_check_refused(void **state)
{
	static const char *const bad[] = {
		"http://example.com/token",
		"http://127.0.0.1.evil.com/token",
		"http://localhost.evil.com/token",
		"http://10.0.0.1/token",
		"http://128.0.0.1/token",
		"http://[::2]/token",
		"http://[::ffff:10.0.0.1]/token",
		"ftp://127.0.0.1/token",
		"file:///etc/passwd",
		"gopher://example.com/",
		"ldap://localhost/",
		"//example.com/token",
		"example.com/token",
		"https://",
		"",
		"https://exa mple.com/token",
		"https://example.com/to ken",
		"https://example.com/token\n",
		"https://example.com/\r\nHost: x",
		"https://example.com/\t",
		"https://example.com/\x7f",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		if (http_url_check(bad[i], "token_uri") != VT_ERR_CRED)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(vt_errmsg());
		assert_non_null(strstr(vt_errmsg(), "token_uri"));
	}
	assert_int_equal(http_url_check(NULL, "token_uri"), VT_ERR_CRED);
}

/* The message names what, the URL and the rule, escaped. */
static void
test_url_check_message(void **state)
{
	(void)state;
	assert_int_equal(http_url_check("http://example.com/token",
	    "token_uri"), VT_ERR_CRED);
	assert_string_equal(vt_errmsg(), "token_uri 'http://example.com/token' "
	    "must be https:// (plain http:// is allowed only to loopback)");
	/* The URL is escaped in the message. */
	assert_int_equal(http_url_check("https://a/\nb", "token_uri"),
	    VT_ERR_CRED);
	assert_null(strchr(vt_errmsg(), '\n'));
}

/* Userinfo is refused without echoing the password. */
static void
test_url_check_userinfo(void **state)
{
	static const char *const bad[] = {
		"https://user:hunter2@example.com/token",
		"https://user@example.com/token",
		"https://:hunter2@example.com/token",
		"https://@example.com/token",
		"http://user:hunter2@127.0.0.1/token",
		"https://example.com@evil.com/token",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		if (http_url_check(bad[i], "token_uri") != VT_ERR_CRED)
			fail_msg("accepted '%s'", bad[i]);
		/* The password must not be echoed. */
		assert_null(strstr(vt_errmsg(), "hunter2"));
		assert_non_null(strstr(vt_errmsg(), "user name or password"));
	}
	/* '@' after the authority is only a path character. */
	assert_int_equal(http_url_check("https://example.com/a@b", "x"), 0);
	assert_int_equal(http_url_check("https://example.com/?a=b@c", "x"), 0);
}

/* Loopback detection works on parsed hosts only. */
static void
test_url_is_loopback(void **state)
{
	(void)state;
	assert_true(http_url_is_loopback("http://127.0.0.1:80/x"));
	assert_true(http_url_is_loopback("http://127.255.255.254/x"));
	assert_true(http_url_is_loopback("http://localhost/x"));
	assert_true(http_url_is_loopback("https://[::1]:5/x"));
	assert_false(http_url_is_loopback("http://127.0.0.1.nip.io/x"));
	assert_false(http_url_is_loopback("http://example.com/x"));
	assert_false(http_url_is_loopback("http://[::2]/x"));
	assert_false(http_url_is_loopback("not a url"));
	assert_false(http_url_is_loopback(NULL));
}

/*
 * Every test program runs with the metadata server on a closed loopback
 * port (GCE_METADATA_HOST and GCE_METADATA_IP, set by make check); the
 * checks below unset them only to see how the well-known names are
 * classified, which is string work, then put them back.
 */
static void
metadata_loopback(void)
{
	unsetenv("GCE_METADATA_ROOT");
	assert_int_equal(setenv("GCE_METADATA_HOST", "127.0.0.1:9", 1), 0);
	assert_int_equal(setenv("GCE_METADATA_IP", "127.0.0.1:9", 1), 0);
}

/* The metadata host: the defaults and the hosts of the two variables. */
static void
test_metadata_host(void **state)
{
	(void)state;
	unsetenv("GCE_METADATA_HOST");
	unsetenv("GCE_METADATA_IP");
	assert_true(http_metadata_host("169.254.169.254"));
	assert_true(http_metadata_host("metadata.google.internal"));
	assert_true(http_metadata_host("METADATA.google.internal"));
	assert_false(http_metadata_host("metadata.google.internal.evil"));
	assert_false(http_metadata_host("169.254.169.2540"));
	assert_false(http_metadata_host("example.com"));
	assert_int_equal(setenv("GCE_METADATA_HOST", "md.example:8080", 1), 0);
	assert_int_equal(setenv("GCE_METADATA_IP", "[fd00::1]:80", 1), 0);
	assert_true(http_metadata_host("md.example"));
	assert_false(http_metadata_host("md.example:8080"));
	assert_false(http_metadata_host("md"));
	assert_true(http_metadata_host("[fd00::1]"));
	assert_false(http_metadata_host("fd00::1"));
	assert_int_equal(setenv("GCE_METADATA_HOST", "", 1), 0);
	assert_false(http_metadata_host(""));
	unsetenv("GCE_METADATA_HOST");
	unsetenv("GCE_METADATA_IP");
	/* The older name, when the newer is unset: the host it names. */
	assert_int_equal(setenv("GCE_METADATA_ROOT", "md.example:8080", 1), 0);
	assert_true(http_metadata_host("md.example"));
	assert_int_equal(http_url_check_flags("http://md.example:8080/"
	    "computeMetadata/v1/instance/service-accounts/default/token", "t",
	    1), 0);
	assert_int_equal(setenv("GCE_METADATA_HOST", "other.example", 1), 0);
	assert_false(http_metadata_host("md.example"));
	unsetenv("GCE_METADATA_HOST");
	unsetenv("GCE_METADATA_ROOT");
	assert_int_equal(http_url_check_flags("http://md.example:8080/", "t",
	    1), VT_ERR_CRED);
	/* A URL check never uses the exception. */
	assert_int_equal(http_url_check("http://169.254.169.254/token", "t"),
	    VT_ERR_CRED);
	assert_int_equal(http_url_check(
	    "http://metadata.google.internal/token", "t"), VT_ERR_CRED);
	metadata_loopback();
}

/*
 * A local identity endpoint (credential_source.url): plain http:// to a
 * link-local address literal, never to a name, and only when asked for.
 * Pure string checks: nothing connects.
 */
static void
test_link_local(void **state)
{
	static const char *const ok_urls[] = {
		"http://169.254.1.2/metadata/identity/oauth2/token",
		"http://169.254.0.1:8080/token",
		"http://[fe80::1]/token",
		"http://[FE80::a:b]:80/token",
		"https://sts.example.com/token",
		"http://127.0.0.1:9/token",
	};
	static const char *const bad_urls[] = {
		"http://169.254.1.2.nip.io/token",
		"http://metadata.azure.internal/token",
		"http://169.255.0.1/token",
		"http://10.0.0.1/token",
		"http://[fec0::1]/token",
		"http://[fe80::1%25eth0]/token",
	};
	size_t	i;

	(void)state;
	assert_true(http_host_is_link_local("169.254.1.2"));
	assert_true(http_host_is_link_local("[fe80::1]"));
	assert_true(http_host_is_link_local("fe80::1"));
	assert_false(http_host_is_link_local("169.254.1.2.example"));
	assert_false(http_host_is_link_local("localhost"));
	assert_false(http_host_is_link_local(NULL));
	for (i = 0; i < sizeof ok_urls / sizeof ok_urls[0]; i++)
		if (http_url_check_flags(ok_urls[i], "u",
		    HTTP_URL_LINK_LOCAL) != 0)
			fail_msg("refused: %s", ok_urls[i]);
	for (i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++)
		if (http_url_check_flags(bad_urls[i], "u",
		    HTTP_URL_LINK_LOCAL) != VT_ERR_CRED)
			fail_msg("accepted: %s", bad_urls[i]);
	/* Only where asked for: a token URL never gets it. */
	assert_int_equal(http_url_check("http://169.254.1.2/token", "t"),
	    VT_ERR_CRED);
	assert_non_null(strstr(vt_errmsg(), "only to loopback)"));
	vt_err_clear();
}

/*
 * Redaction by value and across lines: a value on the line after its
 * key, and a secret vtoken knows under a name it does not.
 */
static void
test_redact_by_value(void **state)
{
	static const char split[] =
	    "{\"access_token\":\n  \"ya29.abcdefghijkl\",\n \"x\": 1}";
	static const char odd[] =
	    "{\"count\": 1, \"weird\": \"s3cr3t-value-123\"}\n"
	    "echo s3cr3t-value-123 again";
	char	*r;

	(void)state;
	r = redact_trace(split, sizeof split - 1);
	assert_null(strstr(r, "ya29.abcdefghijkl"));
	assert_non_null(strstr(r, "[redacted, 17 bytes]"));
	free(r);
	/* Not noted while the trace is off: nothing is kept. */
	log_init(0);
	secret_note("s3cr3t-value-123", 16);
	r = redact_trace(odd, sizeof odd - 1);
	assert_non_null(strstr(r, "s3cr3t-value-123"));
	free(r);
	log_init(3);
	secret_note("s3cr3t-value-123", 16);
	secret_note("short", 5);	/* too short to mask by value */
	r = redact_trace(odd, sizeof odd - 1);
	assert_null(strstr(r, "s3cr3t"));
	assert_string_equal(r, "{\"count\": 1, \"weird\": \"[redacted, 16 "
	    "bytes]\"}\necho [redacted, 16 bytes] again");
	free(r);
	secret_notes_free();
	log_init(0);
}

/* --- form encoding -------------------------------------------------- */

static void
test_form_encode(void **state)
{
	const char *const kv1[] = {
		"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer",
		"assertion", "a.b-c_d~e",
		NULL
	};
	const char *const kv2[] = {
		"a", "x&y=z+ w",
		"empty", "",
		"null", NULL,
		"u", "\xc3\xa9\xe2\x82\xac",
		"k y", "/?#%",
		NULL
	};
	const char *const kv3[] = { "a", "", "b", NULL, NULL };
	const char *const kv4[] = { NULL };
	char	*s;

	(void)state;
	s = http_form_encode(kv1);
	assert_string_equal(s, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3A"
	    "grant-type%3Ajwt-bearer&assertion=a.b-c_d~e");
	secret_free(s);

	s = http_form_encode(kv2);
	assert_string_equal(s, "a=x%26y%3Dz%2B%20w&u=%C3%A9%E2%82%AC"
	    "&k%20y=%2F%3F%23%25");
	secret_free(s);

	s = http_form_encode(kv3);
	assert_string_equal(s, "");
	secret_free(s);

	s = http_form_encode(kv4);
	assert_string_equal(s, "");
	secret_free(s);
}

/* --- redaction ------------------------------------------------------ */

/* Redact s and check that secret is gone and keep (if any) remains. */
static void
check_redact(const char *s, const char *secret, const char *keep)
{
	char	*r;

	r = redact_trace(s, strlen(s));
	if (secret != NULL && strstr(r, secret) != NULL)
		fail_msg("'%s' leaked in '%s'", secret, r);
	if (secret != NULL && strstr(r, "[redacted") == NULL)
		fail_msg("no mask in '%s'", r);
	if (keep != NULL && strstr(r, keep) == NULL)
		fail_msg("'%s' lost in '%s'", keep, r);
	free(r);
}

/* Credential headers are masked, others kept. */
static void
test_redact_headers(void **state)
{
	char	*r;
	const char *hdr = "POST /token HTTP/1.1\r\n"
	    "Host: oauth2.googleapis.com\r\n"
	    "Authorization: Bearer ya29.SECRET1\r\n"
	    "proxy-authorization: Basic U0VDUkVUMg==\r\n"
	    "Cookie: sid=SECRET3\r\n"
	    "Accept: application/json\r\n"
	    "\r\n";

	(void)state;
	check_redact("Authorization: Bearer ya29.SECRET\r\n", "SECRET",
	    "Authorization: Bearer [redacted, 11 bytes]\r\n");
	check_redact("authorization:Bearer SECRET", "SECRET",
	    "authorization:Bearer [redacted");
	check_redact("Proxy-Authorization: Basic SECRETx==", "SECRET",
	    "Proxy-Authorization: Basic [redacted");
	check_redact("Cookie: a=SECRET; b=SECRET", "SECRET", "Cookie: ");
	check_redact("Set-Cookie: sid=SECRET; Path=/; HttpOnly\r\n", "SECRET",
	    "Set-Cookie: ");
	check_redact("x-goog-api-key: AIzaSECRET\r\n", "SECRET", NULL);
	check_redact("X-Goog-IAM-Authorization-Token: SECRET\r\n", "SECRET",
	    NULL);
	check_redact("Authorization: SECRET", "SECRET", NULL);
	/* Other headers are kept as they were. */
	check_redact("Content-Type: application/json\r\n", NULL,
	    "Content-Type: application/json\r\n");
	check_redact("X-Authorization-Hint: visible\r\n", NULL, "visible");

	r = redact_trace(hdr, strlen(hdr));
	assert_null(strstr(r, "SECRET1"));
	assert_null(strstr(r, "U0VDUkVUMg"));
	assert_null(strstr(r, "SECRET3"));
	assert_non_null(strstr(r, "POST /token HTTP/1.1\r\n"));
	assert_non_null(strstr(r, "Host: oauth2.googleapis.com\r\n"));
	assert_non_null(strstr(r, "Accept: application/json\r\n\r\n"));
	free(r);
}

/* Secret form fields and query parameters are masked. */
static void
test_redact_form(void **state)
{
	static const char *const fields[] = {
		"access_token", "refresh_token", "id_token", "client_secret",
		"password", "code", "code_verifier", "device_code",
		"assertion", "subject_token", "private_key", "actor_token",
		NULL
	};
	char	 buf[256];
	size_t	 i;

	(void)state;
	for (i = 0; fields[i] != NULL; i++) {
		snprintf(buf, sizeof buf, "grant_type=x&%s=SECRET%%2Fx&scope=s",
		    fields[i]);
		check_redact(buf, "SECRET", "grant_type=x&");
		check_redact(buf, "SECRET", "&scope=s");
		snprintf(buf, sizeof buf, "%s=SECRET", fields[i]);
		check_redact(buf, "SECRET", NULL);
	}
	check_redact("grant_type=refresh_token&client_id=123.apps&"
	    "client_secret=SECRET&refresh_token=1//SECRET", "SECRET",
	    "grant_type=refresh_token&client_id=123.apps&client_secret=");
	/* A query string. */
	check_redact("GET /v1/models?key=AIzaSECRET&alt=json HTTP/1.1",
	    "SECRET", "&alt=json HTTP/1.1");
	/* Names that merely end like a secret one are kept. */
	check_redact("barcode=visible&xtoken=visible2", NULL,
	    "barcode=visible");
	check_redact("barcode=visible&xtoken=visible2", NULL, "visible2");
}

/* Secret JSON string members are masked. */
static void
test_redact_json(void **state)
{
	static const char *const fields[] = {
		"access_token", "refresh_token", "id_token", "client_secret",
		"password", "code", "code_verifier", "device_code",
		"assertion", "subject_token", "private_key", "accessToken",
		"token",
		NULL
	};
	char	 buf[256], *r;
	size_t	 i;
	const char *reply = "{\n"
	    "  \"access_token\": \"ya29.SECRET\",\n"
	    "  \"expires_in\": 3599,\n"
	    "  \"token_type\": \"Bearer\",\n"
	    "  \"id_token\" : \"eyJSECRET\"\n"
	    "}\n";

	(void)state;
	for (i = 0; fields[i] != NULL; i++) {
		snprintf(buf, sizeof buf, "{\"a\":\"b\",\"%s\":\"SECRET\","
		    "\"expires_in\":3599}", fields[i]);
		check_redact(buf, "SECRET", "{\"a\":\"b\",");
		check_redact(buf, "SECRET", "\",\"expires_in\":3599}");
	}
	/* An escaped quote does not end the value early. */
	check_redact("{\"password\": \"SEC\\\"RET\"}", "RET", NULL);
	/* A value cut off mid-string is masked to the end of the line. */
	check_redact("{\"private_key\": \"-----BEGIN SECRET", "SECRET", NULL);
	/* A private key spanning "lines" with escaped newlines. */
	check_redact("{\"private_key\":\"-----BEGIN\\nSECRET\\n-----END\"}",
	    "SECRET", NULL);
	/* Non-secret members and non-string values are kept. */
	check_redact("{\"error\": {\"code\": 403, \"message\": \"denied\"}}",
	    NULL, "\"code\": 403");
	check_redact("{\"token_type\": \"Bearer\"}", NULL, "Bearer");
	check_redact("{\"grant_type\": \"token\"}", NULL, "\"token\"}");

	r = redact_trace(reply, strlen(reply));
	assert_null(strstr(r, "SECRET"));
	assert_non_null(strstr(r, "\"expires_in\": 3599,\n"));
	assert_non_null(strstr(r, "\"token_type\": \"Bearer\",\n"));
	assert_non_null(strstr(r,
	    "\"access_token\": \"[redacted, 11 bytes]\""));
	free(r);

	r = redact_trace("", 0);
	assert_string_equal(r, "");
	free(r);
	r = redact_trace("plain text\nline two", 19);
	assert_string_equal(r, "plain text\nline two");
	free(r);
}

/* --- a scripted server on 127.0.0.1 ---------------------------------- */

#define MOCK_HANG	"HANG"		/* accept, read, never answer */
#define MOCK_MAX	8

static pid_t	 mock_pid = -1;
static int	 mock_port;
static char	 mock_log[] = "/tmp/vt-test-http-XXXXXX";
static int	 mock_logfd = -1;

/* Read one request (headers and Content-Length body) into the log. */
static void
mock_read_request(int c)
{
	char	 buf[65536], *end, *cl;
	size_t	 len = 0, need = 0;
	ssize_t	 n;

	for (;;) {
		n = read(c, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if (need == 0) {
			need = (size_t)(end + 4 - buf);
			cl = strcasestr(buf, "\r\nContent-Length:");
			if (cl != NULL && cl < end)
				need += strtoul(cl + 17, NULL, 10);
		}
		if (len >= need)
			break;
	}
	if (write(mock_logfd, buf, len) < 0 ||
	    write(mock_logfd, "\n----\n", 6) < 0)
		_exit(2);
}

/* Serve replies[0..n-1], one per connection, then exit. */
static void
mock_start(const char *const *replies)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof sin;
	int			 s, c, one = 1;
	size_t			 i, off, len;
	ssize_t			 w;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	mock_port = ntohs(sin.sin_port);
	strcpy(mock_log, "/tmp/vt-test-http-XXXXXX");
	assert_true((mock_logfd = mkstemp(mock_log)) != -1);
	assert_true((mock_pid = fork()) != -1);
	if (mock_pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		for (i = 0; replies[i] != NULL; i++) {
			if ((c = accept(s, NULL, NULL)) == -1)
				_exit(1);
			mock_read_request(c);
			if (strcmp(replies[i], MOCK_HANG) == 0) {
				sleep(60);
				_exit(0);
			}
			len = strlen(replies[i]);
			for (off = 0; off < len; off += (size_t)w) {
				if ((w = write(c, replies[i] + off,
				    len - off)) <= 0)
					break;
			}
			shutdown(c, SHUT_WR);
			/* Let the client read before the close. */
			while (read(c, &one, sizeof one) > 0)
				;
			close(c);
		}
		_exit(0);
	}
	close(s);
}

/* Stop the server (if still running) and return what it was sent. */
static char *
mock_stop(void)
{
	char	*buf;
	off_t	 size;
	ssize_t	 n;

	if (mock_pid > 0) {
		kill(mock_pid, SIGKILL);
		waitpid(mock_pid, NULL, 0);
		mock_pid = -1;
	}
	size = lseek(mock_logfd, 0, SEEK_END);
	buf = xmalloc((size_t)size + 1);
	n = pread(mock_logfd, buf, (size_t)size, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(mock_logfd);
	unlink(mock_log);
	mock_logfd = -1;
	return buf;
}

/* A port with nothing listening on it (most likely). */
static int
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof sin;
	int			 s, port;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(s);
	return port;
}

/* A context whose deadline is secs from now. */
static void
ctx_with_deadline(struct vt_ctx *ctx, int secs)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->timeout_sec = secs;
	ctx->deadline = vt_now_mono() + secs;
}

static char	 url[128];

/* The URL of the mock server. */
static const char *
mock_url(const char *path)
{
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", mock_port, path);
	return url;
}

#define R200	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
		"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
#define R503	"HTTP/1.1 503 Unavailable\r\nRetry-After: 0\r\n" \
		"Content-Length: 4\r\nConnection: close\r\n\r\nbusy"
#define R400	"HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n" \
		"Connection: close\r\n\r\nretry"

#define RMD	"HTTP/1.1 200 OK\r\nMetadata-Flavor: Google\r\n" \
		"Content-Length: 2\r\nConnection: close\r\n\r\nok"

/*
 * The metadata flag sends Metadata-Flavor and reports the reply's; a
 * reply without it says so; max_seconds bounds a request that hangs,
 * without a retry.
 */
static void
test_request_metadata(void **state)
{
	const char *const replies[] = { RMD, R200, MOCK_HANG, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0;
	char			*log;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/computeMetadata/v1/project/project-id");
	req.metadata = 1;
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_true(resp.metadata_flavor);
	http_response_release(&resp);
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_false(resp.metadata_flavor);
	http_response_release(&resp);
	req.max_seconds = 0.3;
	req.retry = 1;
	t0 = vt_now_mono();
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
	assert_true(vt_now_mono() - t0 < 2.0);
	assert_non_null(strstr(vt_errmsg(), "no reply"));
	log = mock_stop();
	assert_non_null(strcasestr(log, "\r\nMetadata-Flavor: Google\r\n"));
	free(log);
}

/* A POST sends the body and the expected headers. */
static void
test_request_post(void **state)
{
	const char *const replies[] = { R200, NULL };
	const char *const extra[] = { "X-Goog-User-Project: p1", NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	char			*log;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = mock_url("/token");
	req.content_type = "application/x-www-form-urlencoded";
	req.body = "a=b&c=d";
	req.body_len = 7;
	req.bearer = "ya29.tok";
	req.headers = extra;
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.len, 2);
	assert_string_equal(resp.body, "{}");
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(resp.attempts, 1);
	http_response_release(&resp);
	assert_null(resp.body);

	log = mock_stop();
	assert_non_null(strstr(log, "POST /token HTTP/1.1\r\n"));
	assert_non_null(strstr(log, "\r\nAuthorization: Bearer ya29.tok\r\n"));
	assert_non_null(strstr(log, "\r\nUser-Agent: vtoken/"
	    PACKAGE_VERSION "\r\n"));
	assert_non_null(strstr(log, "\r\nAccept: application/json\r\n"));
	assert_non_null(strstr(log, "\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\n"));
	assert_non_null(strstr(log, "\r\nX-Goog-User-Project: p1\r\n"));
	assert_non_null(strstr(log, "\r\n\r\na=b&c=d"));
	free(log);
}

/* A GET with an empty reply still gets a body string. */
static void
test_request_get_empty_body(void **state)
{
	const char *const replies[] = {
		"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", NULL
	};
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	char			*log;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/meta");
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_int_equal(resp.status, 204);
	assert_non_null(resp.body);
	assert_int_equal(resp.len, 0);
	assert_null(resp.content_type);
	http_response_release(&resp);
	log = mock_stop();
	assert_non_null(strstr(log, "GET /meta HTTP/1.1\r\n"));
	assert_null(strstr(log, "Authorization"));
	free(log);
}

/* A 503 with Retry-After: 0 is retried at once. */
static void
test_retry_then_ok(void **state)
{
	const char *const replies[] = { R503, R200, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = mock_url("/token");
	req.body = "x=y";
	req.body_len = 3;
	req.retry = 1;
	t0 = vt_now_mono();
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	/* Retry-After: 0 replaced the 1 s backoff. */
	assert_true(vt_now_mono() - t0 < 0.8);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.attempts, 2);
	http_response_release(&resp);
	free(mock_stop());
}

/* After three 503s the last reply is returned. */
static void
test_retry_exhausted(void **state)
{
	const char *const replies[] = { R503, R503, R503, R200, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/x");
	req.retry = 1;
	/* After three attempts, the last reply is the caller's to judge. */
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(resp.attempts, 3);
	assert_string_equal(resp.body, "busy");
	http_response_release(&resp);
	free(mock_stop());
}

/* Without retry, a 503 is returned as it is. */
static void
test_no_retry(void **state)
{
	const char *const replies[] = { R503, R200, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/x");
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(resp.attempts, 1);
	http_response_release(&resp);
	free(mock_stop());
}

/* retry_reply for the test: a 400 whose body says "retry". */
static int
retry_on_word(long status, const char *body, size_t len)
{
	return status == 400 && len == 5 && memcmp(body, "retry", 5) == 0;
}

/* retry_reply can ask for another attempt. */
static void
test_retry_reply(void **state)
{
	const char *const replies[] = { R400, R200, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0, dt;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/x");
	req.retry = 1;
	req.retry_reply = retry_on_word;
	t0 = vt_now_mono();
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	dt = vt_now_mono() - t0;
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.attempts, 2);
	/* The first backoff is 1 s +- 10%. */
	assert_true(dt >= 0.89 && dt < 3.0);
	http_response_release(&resp);
	free(mock_stop());
}

/* A Retry-After beyond the deadline ends the retries. */
static void
test_retry_after_past_deadline(void **state)
{
	const char *const replies[] = {
		"HTTP/1.1 429 Too Many\r\nRetry-After: 20\r\n"
		"Content-Length: 0\r\nConnection: close\r\n\r\n",
		R200, NULL
	};
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 5);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/x");
	req.retry = 1;
	t0 = vt_now_mono();
	/* Waiting 20 s would pass the deadline: report the 429 at once. */
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_true(vt_now_mono() - t0 < 4.0);
	assert_int_equal(resp.status, 429);
	assert_int_equal(resp.attempts, 1);
	http_response_release(&resp);
	free(mock_stop());
}

/* Replies over the cap are refused, with or without a length. */
static void
test_too_big(void **state)
{
	const char *replies[] = { NULL, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	char			*big, *hdr;
	size_t			 n = VT_HTTP_MAX_BODY + 1, i;

	(void)state;
	/* Once with Content-Length, once without (read until close). */
	for (i = 0; i < 2; i++) {
		hdr = i == 0 ? xasprintf("HTTP/1.1 200 OK\r\nContent-Length: "
		    "%zu\r\nConnection: close\r\n\r\n", n) :
		    xstrdup("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
		big = xmalloc(strlen(hdr) + n + 1);
		memcpy(big, hdr, strlen(hdr));
		memset(big + strlen(hdr), 'a', n);
		big[strlen(hdr) + n] = '\0';
		replies[0] = big;
		mock_start(replies);
		ctx_with_deadline(&ctx, 10);
		memset(&req, 0, sizeof req);
		req.method = "GET";
		req.url = mock_url("/big");
		req.retry = 1;
		assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
		assert_non_null(strstr(vt_errmsg(), "larger than 256 KiB"));
		assert_non_null(strstr(vt_errmsg(), "127.0.0.1"));
		assert_null(resp.body);
		free(mock_stop());
		free(big);
		free(hdr);
	}
}

/* A reply of exactly the cap is accepted. */
static void
test_exactly_max(void **state)
{
	const char *replies[] = { NULL, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	char			*big, *hdr;
	size_t			 n = VT_HTTP_MAX_BODY;

	(void)state;
	hdr = xstrdup("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	big = xmalloc(strlen(hdr) + n + 1);
	memcpy(big, hdr, strlen(hdr));
	memset(big + strlen(hdr), 'b', n);
	big[strlen(hdr) + n] = '\0';
	replies[0] = big;
	mock_start(replies);
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/big");
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	assert_int_equal(resp.len, n);
	assert_int_equal(strlen(resp.body), n);
	http_response_release(&resp);
	free(mock_stop());
	free(big);
	free(hdr);
}

/* A refused connection is a network error; retries respect the deadline. */
static void
test_refused(void **state)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0;

	(void)state;
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", closed_port());
	req.url = url;
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
	assert_non_null(strstr(vt_errmsg(), "cannot reach 127.0.0.1"));
	assert_null(strstr(vt_errmsg(), "attempts"));

	/* With retries and 2.5 s: attempt, ~1 s, attempt, no time for ~2 s. */
	ctx_with_deadline(&ctx, 2);
	ctx.deadline += 0.5;
	req.retry = 1;
	t0 = vt_now_mono();
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
	assert_true(vt_now_mono() - t0 < 2.4);
	assert_non_null(strstr(vt_errmsg(), "cannot reach 127.0.0.1"));
	assert_non_null(strstr(vt_errmsg(), "after 2 attempts"));
}

/* Transport errors get three attempts, 1 s and 2 s apart. */
static void
test_refused_three_attempts(void **state)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0, dt;

	(void)state;
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", closed_port());
	req.url = url;
	req.retry = 1;
	t0 = vt_now_mono();
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
	dt = vt_now_mono() - t0;
	/* 1 s and 2 s, each +- 10%. */
	assert_true(dt >= 2.69 && dt < 6.0);
	assert_non_null(strstr(vt_errmsg(), "(after 3 attempts)"));
}

/* A silent server hits the deadline, reported as a timeout. */
static void
test_timeout(void **state)
{
	const char *const replies[] = { MOCK_HANG, NULL };
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	double			 t0, dt;

	(void)state;
	mock_start(replies);
	ctx_with_deadline(&ctx, 1);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = mock_url("/slow");
	req.retry = 1;
	t0 = vt_now_mono();
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
	dt = vt_now_mono() - t0;
	assert_true(dt >= 0.9 && dt < 3.0);
	assert_string_equal(vt_errmsg(), "timed out after 1s talking to "
	    "127.0.0.1; try again, or allow more time with --timeout");
	free(mock_stop());

	/* A deadline already passed: no request at all. */
	ctx.deadline = vt_now_mono() - 1;
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_NET);
	assert_non_null(strstr(vt_errmsg(), "timed out"));
}

/* http_request applies the URL rules itself. */
static void
test_request_url_refused(void **state)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;

	(void)state;
	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = "http://example.com/x";
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_CRED);
	req.url = "ftp://127.0.0.1/x";
	assert_int_equal(http_request(&ctx, &req, &resp), VT_ERR_CRED);
}

/* The -vvv trace shows the exchange with no secret in it. */
static void
test_trace_redacted(void **state)
{
	const char *const replies[] = {
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Set-Cookie: sid=COOKIESECRET\r\nConnection: close\r\n\r\n"
		"{\"access_token\": \"ya29.REPLYSECRET\", "
		"\"expires_in\": 3599}",
		NULL
	};
	struct http_request	 req;
	struct http_response	 resp;
	struct vt_ctx		 ctx;
	char			 path[] = "/tmp/vt-test-trace-XXXXXX", *buf;
	int			 fd, saved;
	off_t			 size;
	ssize_t			 n;

	(void)state;
	mock_start(replies);
	assert_true((fd = mkstemp(path)) != -1);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log_init(3);

	ctx_with_deadline(&ctx, 10);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = mock_url("/token");
	req.content_type = "application/x-www-form-urlencoded";
	req.body = "grant_type=refresh_token&client_secret=CLIENTSECRET"
	    "&refresh_token=REFRESHSECRET";
	req.body_len = strlen(req.body);
	req.bearer = "BEARERSECRET";
	assert_int_equal(http_request(&ctx, &req, &resp), 0);
	http_response_release(&resp);

	log_init(0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	free(mock_stop());

	size = lseek(fd, 0, SEEK_END);
	buf = xmalloc((size_t)size + 1);
	n = pread(fd, buf, (size_t)size, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	assert_non_null(strstr(buf, "> POST /token HTTP/1.1"));
	assert_non_null(strstr(buf, "< HTTP/1.1 200 OK"));
	assert_non_null(strstr(buf, "grant_type=refresh_token&client_secret="
	    "[redacted"));
	assert_non_null(strstr(buf, "Authorization: Bearer [redacted"));
	assert_non_null(strstr(buf, "\"expires_in\": 3599"));
	if (strstr(buf, "SECRET") != NULL)
		fail_msg("a secret reached the trace:\n%s", buf);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_check_allowed),
		cmocka_unit_test(test_url_check_refused),
		cmocka_unit_test(test_url_check_message),
		cmocka_unit_test(test_url_check_userinfo),
		cmocka_unit_test(test_url_is_loopback),
		cmocka_unit_test(test_metadata_host),
		cmocka_unit_test(test_link_local),
		cmocka_unit_test(test_request_metadata),
		cmocka_unit_test(test_form_encode),
		cmocka_unit_test(test_redact_headers),
		cmocka_unit_test(test_redact_form),
		cmocka_unit_test(test_redact_json),
		cmocka_unit_test(test_redact_by_value),
		cmocka_unit_test(test_request_post),
		cmocka_unit_test(test_request_get_empty_body),
		cmocka_unit_test(test_retry_then_ok),
		cmocka_unit_test(test_retry_exhausted),
		cmocka_unit_test(test_no_retry),
		cmocka_unit_test(test_retry_reply),
		cmocka_unit_test(test_retry_after_past_deadline),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_exactly_max),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_three_attempts),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_request_url_refused),
		cmocka_unit_test(test_trace_redacted),
	};
	int	r;

	/* Run by hand, too: nothing may go to the real metadata server. */
	unsetenv("GCE_METADATA_ROOT");
	setenv("GCE_METADATA_HOST", "127.0.0.1:9", 1);
	setenv("GCE_METADATA_IP", "127.0.0.1:9", 1);
	/* Proxies from the environment must not matter for loopback. */
	setenv("http_proxy", "http://192.0.2.1:9", 1);
	setenv("HTTPS_PROXY", "http://192.0.2.1:9", 1);
	http_global_init();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	http_global_cleanup();
	vt_err_clear();
	return r;
}
