/*
 * test-vertex.c: the checks on values that go into a Vertex AI URL, with
 * injection attempts, and the base URL built from them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vertex.h"

struct vcase {
	const char	*s;
	int		 valid;
};

/* Run a table through one validator, naming the case that fails. */
static void
run_table(int (*fn)(const char *), const char *name,
    const struct vcase *t, size_t n)
{
	size_t	i;
	int	got;

	for (i = 0; i < n; i++) {
		got = fn(t[i].s);
		if (got != t[i].valid)
			fail_msg("%s(\"%s\") = %d, want %d", name,
			    t[i].s != NULL ? t[i].s : "(null)", got,
			    t[i].valid);
	}
}

#define RUN(fn, t)	run_table(fn, #fn, t, sizeof(t) / sizeof((t)[0]))

/* Project IDs, domain-scoped IDs and numbers; everything else refused. */
static void
test_project(void **state)
{
	static const struct vcase t[] = {
		{ "my-project", 1 },
		{ "abcdef", 1 },				/* 6 */
		{ "abcde", 0 },					/* 5 */
		{ "a23456789012345678901234567890", 1 },	/* 30 */
		{ "a234567890123456789012345678901", 0 },	/* 31 */
		{ "my-project-", 0 },
		{ "1my-project", 0 },
		{ "-my-project", 0 },
		{ "My-Project", 0 },
		{ "my_project", 0 },
		{ "my-proj/../x", 0 },
		{ "proj?x=1", 0 },
		{ "project#frag", 0 },
		{ "my project", 0 },
		{ "a b", 0 },
		{ "my-project\n", 0 },
		{ "my-project%2f", 0 },
		{ "../", 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ "1234567890", 1 },
		{ "1", 1 },
		{ "12345678901234567890", 1 },			/* 20 */
		{ "123456789012345678901", 0 },			/* 21 */
		{ "example.com:my-project", 1 },
		{ "google.com:a-b-c-d", 1 },
		{ "example.com:", 0 },
		{ ":my-project", 0 },
		{ "example.com:short", 0 },
		{ "Example.com:my-project", 0 },
		{ "ex/ample.com:my-project", 0 },
		{ "example.com:my-project:x", 0 },
		{ "example.com:12345678", 0 },
		{ "a.b:my-project/..", 0 },
	};

	(void)state;
	RUN(vertex_valid_project, t);
}

/* "global", regions and multi-regions; hostile strings refused. */
static void
test_location(void **state)
{
	static const struct vcase t[] = {
		{ "global", 1 },
		{ "us", 1 },
		{ "eu", 1 },
		{ "us-central1", 1 },
		{ "europe-west4", 1 },
		{ "asia-northeast1", 1 },
		{ "us-central1#", 0 },
		{ "us-central1-", 0 },
		{ "us-central1/..", 0 },
		{ "../", 0 },
		{ "US-CENTRAL1", 0 },
		{ "1us", 0 },
		{ "-us", 0 },
		{ "us central1", 0 },
		{ "us.evil.com", 0 },
		{ "evil.com/x", 0 },
		{ "us-central1?x=1", 0 },
		{ "us-central1@evil", 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ "a23456789012345678901234567890123456789012345678901234567890"
		    "123", 1 },					/* 63 */
		{ "a23456789012345678901234567890123456789012345678901234567890"
		    "1234", 0 },				/* 64 */
	};

	(void)state;
	RUN(vertex_valid_location, t);
}

/* "openapi" and numeric endpoint IDs. */
static void
test_endpoint(void **state)
{
	static const struct vcase t[] = {
		{ "openapi", 1 },
		{ "1234567890", 1 },
		{ "1234567890123456789", 1 },
		{ "my-endpoint", 1 },
		{ "openapi-", 0 },
		{ "-openapi", 0 },
		{ "OpenAPI", 0 },
		{ "openapi/../x", 0 },
		{ "../", 0 },
		{ "openapi?x=1", 0 },
		{ "openapi#", 0 },
		{ "a b", 0 },
		{ "open.api", 0 },
		{ "", 0 },
		{ NULL, 0 },
		{ "123456789012345678901234567890123456789012345678901234567890"
		    "123", 1 },					/* 63 */
		{ "123456789012345678901234567890123456789012345678901234567890"
		    "1234", 0 },				/* 64 */
	};

	(void)state;
	RUN(vertex_valid_endpoint, t);
}

/* Only the two versions that serve the OpenAI-compatible API. */
static void
test_api_version(void **state)
{
	static const struct vcase t[] = {
		{ "v1", 1 },
		{ "v1beta1", 1 },
		{ "v1beta", 0 },
		{ "v2", 0 },
		{ "V1", 0 },
		{ "v1/", 0 },
		{ "v1/../x", 0 },
		{ " v1", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};

	(void)state;
	RUN(vertex_valid_api_version, t);
}

/* Compare a built URL with the expected one, then free it. */
static void
check_url(char *got, const char *want)
{
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Regional and global hosts, both versions, a numeric endpoint. */
static void
test_base_url(void **state)
{
	(void)state;
	check_url(vertex_base_url("my-project", "us-central1", "openapi",
	    "v1"), "https://us-central1-aiplatform.googleapis.com/v1/"
	    "projects/my-project/locations/us-central1/endpoints/openapi");
	check_url(vertex_base_url("my-project", "global", "openapi", "v1"),
	    "https://aiplatform.googleapis.com/v1/projects/my-project/"
	    "locations/global/endpoints/openapi");
	check_url(vertex_base_url("my-project", "europe-west4", "openapi",
	    "v1beta1"), "https://europe-west4-aiplatform.googleapis.com/"
	    "v1beta1/projects/my-project/locations/europe-west4/endpoints/"
	    "openapi");
	check_url(vertex_base_url("my-project", "global", "openapi",
	    "v1beta1"), "https://aiplatform.googleapis.com/v1beta1/projects/"
	    "my-project/locations/global/endpoints/openapi");
	check_url(vertex_base_url("123456789012", "us-east5", "1234567890",
	    "v1"), "https://us-east5-aiplatform.googleapis.com/v1/projects/"
	    "123456789012/locations/us-east5/endpoints/1234567890");
	check_url(vertex_base_url("example.com:my-project", "us", "openapi",
	    "v1"), "https://us-aiplatform.googleapis.com/v1/projects/"
	    "example.com:my-project/locations/us/endpoints/openapi");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_project),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_api_version),
		cmocka_unit_test(test_base_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
