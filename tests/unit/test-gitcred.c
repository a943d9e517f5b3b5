/*
 * test-gitcred.c: git's credential-helper protocol: reading what git
 * writes (blank line and EOF, CR, NUL, long lines, url= expansion,
 * unknown keys), the host rule (Google hosts on a dot boundary, git_hosts
 * entries and ports, plain http only to loopback entries) and the answer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcred.h"
#include "url.h"
#include "secret.h"

/* Read len bytes of text as git's input; returns gitcred_read's result. */
static int
read_text(const char *text, size_t len, struct gitcred *gc, const char **why)
{
	FILE	*f;
	int	 r;

	f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	r = gitcred_read(f, gc, why);
	fclose(f);
	return r;
}

#define READ(s, gc, why)	read_text(s, sizeof(s) - 1, gc, why)

static void
test_read_basic(void **state)
{
	struct gitcred	 gc = { 0 };
	const char	*why;

	(void)state;
	assert_int_equal(READ("protocol=https\nhost=example.com:8443\n"
	    "path=a/b.git\nusername=me\npassword=pw\nfuture_key=x\n"
	    "capability[]=state\ncapability[]=authtype\n"
	    "wwwauth[]=Basic realm=\"x\"\n\nhost=after.blank\n", &gc, &why),
	    0);
	assert_string_equal(gc.protocol, "https");
	assert_string_equal(gc.host, "example.com:8443");
	assert_string_equal(gc.path, "a/b.git");
	assert_string_equal(gc.username, "me");
	assert_string_equal(gc.password, "pw");
	assert_int_equal(gc.cap_authtype, 1);
	assert_int_equal(gc.nwwwauth, 1);
	assert_string_equal(gc.wwwauth[0], "Basic realm=\"x\"");
	gitcred_release(&gc);
	assert_null(gc.host);
}

/* EOF ends the list too, with or without a last newline; CRLF as LF. */
static void
test_read_eof_crlf(void **state)
{
	struct gitcred	 gc = { 0 };
	const char	*why;

	(void)state;
	assert_int_equal(READ("protocol=https\r\nhost=a.pkg.dev", &gc, &why),
	    0);
	assert_string_equal(gc.protocol, "https");
	assert_string_equal(gc.host, "a.pkg.dev");
	gitcred_release(&gc);
	/* A CR inside a value stays, and then the host is not a host. */
	assert_int_equal(READ("protocol=https\nhost=a.pkg.dev\rx\n", &gc,
	    &why), 0);
	assert_string_equal(gc.host, "a.pkg.dev\rx");
	assert_int_equal(gitcred_host_allowed(gc.protocol, gc.host, NULL), 0);
	gitcred_release(&gc);
	/* "\r\n" alone is a blank line. */
	assert_int_equal(READ("protocol=https\r\n\r\nhost=x\n", &gc, &why), 0);
	assert_null(gc.host);
	gitcred_release(&gc);
	assert_int_equal(READ("", &gc, &why), 0);
	assert_null(gc.protocol);
}

static void
test_read_refused(void **state)
{
	struct gitcred	 gc = { 0 };
	const char	*why;
	char		*big;
	size_t		 n, i;

	(void)state;
	assert_int_equal(READ("protocol=https\nnot a pair\n", &gc, &why), -1);
	assert_non_null(why);
	assert_null(gc.protocol);
	assert_int_equal(READ("protocol=https\nhost=a.googleapis.com\0.evil\n",
	    &gc, &why), -1);
	assert_string_equal(why, "a NUL byte");
	assert_int_equal(READ("url=no-scheme.example.com\n", &gc, &why), -1);

	/* 65534 bytes and a newline is the most git allows. */
	n = GITCRED_LINE_MAX + 10;
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "path=", 5);
	memset(big + 5, 'a', n - 5);
	big[GITCRED_LINE_MAX - 1] = '\n';
	assert_int_equal(read_text(big, GITCRED_LINE_MAX, &gc, &why), 0);
	assert_int_equal(strlen(gc.path), GITCRED_LINE_MAX - 6);
	gitcred_release(&gc);
	big[GITCRED_LINE_MAX - 1] = 'a';
	big[GITCRED_LINE_MAX] = '\n';
	assert_int_equal(read_text(big, GITCRED_LINE_MAX + 1, &gc, &why), -1);
	free(big);

	/* Too many lines. */
	n = (GITCRED_LINES_MAX + 1) * 4;
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(big + i, "x=1\n", 4);
	assert_int_equal(read_text(big, n, &gc, &why), -1);
	assert_string_equal(why, "too many lines");
	assert_int_equal(read_text(big, n - 8, &gc, &why), 0);
	free(big);
	gitcred_release(&gc);
}

/* url= replaces everything before it, as git's credential_read does. */
static void
test_url(void **state)
{
	struct gitcred	 gc = { 0 };
	const char	*why;

	(void)state;
	assert_int_equal(READ("host=old.example\ncapability[]=authtype\n"
	    "url=https://u%40x:p%3Aw@Source.Developers.Google.com:443"
	    "//p/proj/r/repo//\n", &gc, &why), 0);
	assert_string_equal(gc.protocol, "https");
	assert_string_equal(gc.username, "u@x");
	assert_string_equal(gc.password, "p:w");
	assert_string_equal(gc.host, "Source.Developers.Google.com:443");
	assert_string_equal(gc.path, "p/proj/r/repo");
	assert_int_equal(gc.cap_authtype, 0);
	assert_int_equal(gitcred_host_allowed(gc.protocol, gc.host, NULL),
	    GITCRED_HOST_GOOGLE);
	gitcred_release(&gc);

	/* The host ends at '?' or '#'; '@' after the host is the path's. */
	assert_int_equal(gitcred_from_url(&gc, "https://a.pkg.dev?x@evil.com"),
	    0);
	assert_string_equal(gc.host, "a.pkg.dev");
	assert_null(gc.username);
	gitcred_release(&gc);
	assert_int_equal(gitcred_from_url(&gc, "https://evil.com#@a.pkg.dev"),
	    0);
	assert_string_equal(gc.host, "evil.com");
	assert_int_equal(gitcred_host_allowed(gc.protocol, gc.host, NULL), 0);
	gitcred_release(&gc);
	/* A percent-encoded host decodes, then must be a host name. */
	assert_int_equal(gitcred_from_url(&gc,
	    "https://evil.com%2f.googleapis.com/"), 0);
	assert_string_equal(gc.host, "evil.com/.googleapis.com");
	assert_int_equal(gitcred_host_allowed(gc.protocol, gc.host, NULL), 0);
	gitcred_release(&gc);
	assert_int_equal(gitcred_from_url(&gc, "https://a.pkg.dev%0a/"), -1);
	assert_int_equal(gitcred_from_url(&gc, "https://a.pkg.dev%00/"), -1);
	assert_int_equal(gitcred_from_url(&gc, "://a.pkg.dev/"), -1);
	assert_int_equal(gitcred_from_url(&gc, "https://a.pkg.dev/%4"), 0);
	assert_string_equal(gc.path, "%4");
	gitcred_release(&gc);
}

struct hcase {
	const char	*protocol;
	const char	*host;
	int		 want;
};

static void
run_hosts(const struct hcase *t, size_t n, const char *const *hosts)
{
	size_t	i;
	int	got;

	for (i = 0; i < n; i++) {
		got = gitcred_host_allowed(t[i].protocol, t[i].host, hosts);
		if (got != t[i].want)
			fail_msg("%s://%s: %d, want %d", t[i].protocol,
			    t[i].host, got, t[i].want);
	}
}

static void
test_google_hosts(void **state)
{
	static const struct hcase t[] = {
		{ "https", "source.developers.google.com", 1 },
		{ "https", "SOURCE.developers.google.com", 1 },
		{ "https", "source.developers.google.com:443", 1 },
		{ "https", "us-central1-aiplatform.googleapis.com", 1 },
		{ "https", "googleapis.com", 1 },
		{ "https", "x.sourcemanager.dev", 1 },
		{ "https", "us-docker.pkg.dev", 1 },
		{ "https", "us-python.pkg.dev", 1 },
		{ "https", "pkg.dev", 1 },
		{ "http", "source.developers.google.com", 0 },
		{ "ssh", "source.developers.google.com", 0 },
		{ "HTTPS", "source.developers.google.com", 0 },
		{ "https", "evilgoogleapis.com", 0 },
		{ "https", "googleapis.com.evil.com", 0 },
		{ "https", "developers.google.com", 0 },
		{ "https", "google.com", 0 },
		{ "https", "github.com", 0 },
		{ "https", "evilpkg.dev", 0 },
		{ "https", "a.pkg.dev.", 0 },
		{ "https", ".pkg.dev", 0 },
		{ "https", "a..pkg.dev", 0 },
		{ "https", "user@a.pkg.dev", 0 },
		{ "https", "a.pkg.dev:", 0 },
		{ "https", "a.pkg.dev:0", 0 },
		{ "https", "a.pkg.dev:65536", 0 },
		{ "https", "a.pkg.dev:44x", 0 },
		{ "https", "a.pkg.dev:1:2", 0 },
		{ "https", "a_b.pkg.dev", 0 },
		{ "https", "a pkg.dev", 0 },
		{ "https", "", 0 },
	};

	(void)state;
	run_hosts(t, sizeof t / sizeof t[0], NULL);
	assert_int_equal(gitcred_host_allowed(NULL, "pkg.dev", NULL), 0);
	assert_int_equal(gitcred_host_allowed("https", NULL, NULL), 0);
}

static void
test_git_hosts(void **state)
{
	static const char *const hosts[] = { "git.example.com", "port.example.com:8443",
	    "*.corp.example", "127.0.0.1", "localhost:9000", "[::1]",
	    "10.1.2.3", NULL };
	static const struct hcase t[] = {
		{ "https", "git.example.com", 2 },
		{ "https", "GIT.Example.COM:1234", 2 },
		{ "http", "git.example.com", 0 },
		{ "https", "sub.git.example.com", 0 },
		{ "https", "port.example.com:8443", 2 },
		{ "https", "port.example.com", 0 },
		{ "https", "port.example.com:443", 0 },
		{ "https", "a.corp.example", 2 },
		{ "https", "a.b.corp.example:22", 2 },
		{ "https", "corp.example", 0 },
		{ "http", "a.corp.example", 0 },
		{ "http", "127.0.0.1", 2 },
		{ "http", "127.0.0.1:8080", 2 },
		{ "https", "127.0.0.1:8080", 2 },
		{ "http", "127.0.0.2", 0 },
		{ "http", "localhost:9000", 2 },
		{ "http", "localhost:9001", 0 },
		{ "http", "[::1]:80", 2 },
		{ "http", "[::1]", 2 },
		{ "http", "[0:0:0:0:0:0:0:1]", 0 },
		{ "http", "10.1.2.3", 0 },
		{ "https", "10.1.2.3", 2 },
		{ "https", "source.developers.google.com", 1 },
	};

	(void)state;
	run_hosts(t, sizeof t / sizeof t[0], hosts);
}

static void
test_entries(void **state)
{
	(void)state;
	assert_true(gitcred_valid_entry("git.example.com"));
	assert_true(gitcred_valid_entry("git.example.com:8443"));
	assert_true(gitcred_valid_entry("*.example.com"));
	assert_true(gitcred_valid_entry("127.0.0.1"));
	assert_true(gitcred_valid_entry("[::1]:80"));
	assert_false(gitcred_valid_entry("https://git.example.com"));
	assert_false(gitcred_valid_entry("git.example.com/path"));
	assert_false(gitcred_valid_entry("*"));
	assert_false(gitcred_valid_entry("*.[::1]"));
	assert_false(gitcred_valid_entry("a.*.example.com"));
	assert_false(gitcred_valid_entry("[::1"));
	assert_false(gitcred_valid_entry("[nothost]"));
	assert_false(gitcred_valid_entry("host:99999"));
	assert_false(gitcred_valid_entry(""));

	assert_true(http_host_is_loopback("localhost"));
	assert_true(http_host_is_loopback("LocalHost"));
	assert_true(http_host_is_loopback("127.0.0.1"));
	assert_true(http_host_is_loopback("127.255.0.9"));
	assert_true(http_host_is_loopback("[::1]"));
	assert_false(http_host_is_loopback("128.0.0.1"));
	assert_false(http_host_is_loopback("localhost.example.com"));
	assert_false(http_host_is_loopback("[::2]"));
}

static void
test_bearer(void **state)
{
	struct gitcred	 gc = { 0 };
	const char	*why;

	(void)state;
	assert_int_equal(READ("protocol=https\nhost=a.pkg.dev\n", &gc, &why),
	    0);
	assert_false(gitcred_use_bearer(&gc, GITCRED_HOST_GOOGLE));
	gitcred_release(&gc);
	assert_int_equal(READ("capability[]=authtype\nwwwauth[]=Basic "
	    "realm=\"x\"\n", &gc, &why), 0);
	assert_true(gitcred_use_bearer(&gc, GITCRED_HOST_GOOGLE));
	/* A listed server that asks only for Basic gets Basic. */
	assert_false(gitcred_use_bearer(&gc, GITCRED_HOST_LISTED));
	assert_int_equal(gitcred_line(&gc, "wwwauth[]=bearer realm=\"y\"",
	    &why), 0);
	assert_true(gitcred_use_bearer(&gc, GITCRED_HOST_LISTED));
	/* An empty value clears a list. */
	assert_int_equal(gitcred_line(&gc, "wwwauth[]=", &why), 0);
	assert_int_equal(gc.nwwwauth, 0);
	assert_true(gitcred_use_bearer(&gc, GITCRED_HOST_LISTED));
	assert_int_equal(gitcred_line(&gc, "capability[]=", &why), 0);
	assert_false(gitcred_use_bearer(&gc, GITCRED_HOST_GOOGLE));
	gitcred_release(&gc);
}

static void
test_answer(void **state)
{
	char	*s;

	(void)state;
	s = gitcred_answer(0, "oauth2accesstoken", "ya29.tok", 10000, 6400);
	assert_string_equal(s, "username=oauth2accesstoken\n"
	    "password=ya29.tok\npassword_expiry_utc=9940\n");
	secret_free(s);
	s = gitcred_answer(1, "ignored", "ya29.tok", 10000, 6400);
	assert_string_equal(s, "capability[]=authtype\nauthtype=Bearer\n"
	    "credential=ya29.tok\nephemeral=1\npassword_expiry_utc=9940\n");
	secret_free(s);
	/* A short life keeps half of what is left. */
	s = gitcred_answer(0, "u", "t", 1040, 1000);
	assert_string_equal(s, "username=u\npassword=t\n"
	    "password_expiry_utc=1020\n");
	secret_free(s);
	s = gitcred_answer(0, "u", "t", 0, 1000);
	assert_string_equal(s, "username=u\npassword=t\n");
	secret_free(s);
	assert_null(gitcred_answer(0, "u\nx=y", "t", 0, 0));
	assert_null(gitcred_answer(0, "", "t", 0, 0));
	assert_null(gitcred_answer(1, "u", "t\r", 0, 0));
	assert_null(gitcred_answer(1, "u", "", 0, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_basic),
		cmocka_unit_test(test_read_eof_crlf),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_google_hosts),
		cmocka_unit_test(test_git_hosts),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
