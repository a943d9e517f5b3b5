/*
 * test-serve.c: the broker's pure rules: which request paths the proxy
 * forwards (nothing that climbs out of /v1), which headers never pass,
 * which listen addresses are loopback, what a local key looks like, and
 * "{location}" in a base URL.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serve.h"
#include "serve-cmd.h"
#include "vertex.h"

struct vcase {
	const char	*s;
	int		 want;
};

static void
run_table(int (*fn)(const char *), const char *name,
    const struct vcase *t, size_t n)
{
	size_t	i;
	int	got;

	for (i = 0; i < n; i++)
		if ((got = fn(t[i].s)) != t[i].want)
			fail_msg("%s(\"%s\") = %d, want %d", name, t[i].s, got,
			    t[i].want);
}

#define RUN(fn, t)	run_table(fn, #fn, t, sizeof(t) / sizeof((t)[0]))

static void
test_path(void **state)
{
	static const struct vcase t[] = {
		{ "/v1", 1 },
		{ "/v1/", 1 },
		{ "/v1/chat/completions", 1 },
		{ "/v1/chat/completions?alt=sse&x=%2e", 1 },	/* query */
		{ "/v1?x=1", 1 },
		{ "/v1/models/gemini-2.0.flash", 1 },	/* a dot in a name */
		{ "/v1/..a/b", 1 },
		{ "/v1/a..", 1 },
		{ "/", 0 },
		{ "", 0 },
		{ "/v2/chat", 0 },
		{ "/v10/chat", 0 },
		{ "/v1beta/chat", 0 },
		{ "/V1/chat", 0 },
		{ "v1/chat", 0 },
		{ "/x/v1/chat", 0 },
		{ "/v1/..", 0 },
		{ "/v1/../admin", 0 },
		{ "/v1/./chat", 0 },
		{ "/v1/.", 0 },
		{ "/v1/a/../../b", 0 },
		{ "/v1/%2e%2e/admin", 0 },
		{ "/v1/%2E%2E/admin", 0 },
		{ "/v1/.%2e/admin", 0 },
		{ "/v1/a%2fb", 0 },
		{ "/v1/a%2Fb", 0 },
		{ "/v1/a%5cb", 0 },
		{ "/v1/a\\..\\b", 0 },
		{ "/v1/..?x", 0 },
		{ "/v1/.%00/x", 0 },		/* a NUL ends the path early */
		{ "/v1/a%00", 0 },
	};

	(void)state;
	RUN(serve_path_ok, t);
}

static void
test_hop(void **state)
{
	(void)state;
	assert_true(serve_hop_header("Connection", NULL));
	assert_true(serve_hop_header("keep-alive", NULL));
	assert_true(serve_hop_header("Transfer-Encoding", NULL));
	assert_true(serve_hop_header("TE", NULL));
	assert_true(serve_hop_header("Upgrade", NULL));
	assert_true(serve_hop_header("Proxy-Authorization", NULL));
	assert_true(serve_hop_header("Host", NULL));
	assert_true(serve_hop_header("Content-Length", NULL));
	assert_false(serve_hop_header("Content-Type", NULL));
	assert_false(serve_hop_header("Authorization", NULL));
	assert_false(serve_hop_header("X-Request-Id", NULL));
	assert_false(serve_hop_header("Connectionx", NULL));
	/* Those the Connection header names are hop-by-hop too. */
	assert_true(serve_hop_header("X-Trace", "close, X-Trace"));
	assert_true(serve_hop_header("x-trace", " keep-alive,x-trace "));
	assert_false(serve_hop_header("X-Tr", "X-Trace"));
	assert_false(serve_hop_header("X-Trace-More", "X-Trace"));
	assert_false(serve_hop_header("X-Trace", ""));
	assert_false(serve_hop_header("", "a,,b"));
}

static void
test_listen(void **state)
{
	static const struct vcase t[] = {
		{ "127.0.0.1:0", 1 },
		{ "127.0.0.1:8787", 1 },
		{ "127.1.2.3:65535", 1 },
		{ "localhost:80", 1 },
		{ "[::1]:8787", 1 },
		{ "unix:/run/user/1000/vtoken.sock", 1 },
		{ "0.0.0.0:8787", 0 },
		{ "10.0.0.1:8787", 0 },
		{ "128.0.0.1:1", 0 },
		{ "[::]:8787", 0 },
		{ "[::2]:8787", 0 },
		{ "[::ffff:127.0.0.1]:1", 0 },
		{ "example.com:80", 0 },
		{ "localhost.example:80", 0 },
		{ "127.0.0.1", 0 },
		{ "127.0.0.1:", 0 },
		{ "127.0.0.1:65536", 0 },
		{ "127.0.0.1:-1", 0 },
		{ "127.0.0.1:80x", 0 },
		{ "127.0.0.1: 80", 0 },
		{ "[::1]8787", 0 },
		{ "unix:relative.sock", 0 },
		{ "unix:", 0 },
		{ "", 0 },
	};

	(void)state;
	RUN(serve_listen_valid, t);
}

static void
test_key(void **state)
{
	static const struct vcase t[] = {
		{ "vtk-qZAmEcarIExp74YvZemHPeP_Qo5eztPdB1C3P5W0FTE", 1 },
		{ "vtk-qZAmEcarIExp74YvZemHPeP_Qo5eztPdB1C3P5W0FT", 0 },
		{ "vtk-qZAmEcarIExp74YvZemHPeP_Qo5eztPdB1C3P5W0FTEE", 0 },
		{ "vtk-qZAmEcarIExp74YvZemHPeP+Qo5eztPdB1C3P5W0FTE", 0 },
		{ "vtk-qZAmEcarIExp74YvZemHPeP Qo5eztPdB1C3P5W0FTE", 0 },
		{ "xyz-qZAmEcarIExp74YvZemHPeP_Qo5eztPdB1C3P5W0FTE", 0 },
		{ "", 0 },
	};

	(void)state;
	RUN(serve_key_valid, t);
}

static void
test_url_location(void **state)
{
	char	*s;

	(void)state;
	s = vertex_url_location("https://h/v1/locations/{location}/e", "eu");
	assert_string_equal(s, "https://h/v1/locations/eu/e");
	free(s);
	s = vertex_url_location("https://{location}-h/{location}", "us");
	assert_string_equal(s, "https://us-h/us");
	free(s);
	s = vertex_url_location("https://h/v1/{loc}", "us");
	assert_string_equal(s, "https://h/v1/{loc}");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_hop),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_url_location),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
