/*
 * test-dockercred.c: Docker's credential-helper protocol: reading the
 * server name, the host rule (Google's registries on a dot boundary,
 * docker_hosts entries, hostile names), the answer, and the credHelpers
 * entries configure-docker merges into config.json.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dockercred.h"
#include "secret.h"

static char *
read_text(const char *text, size_t len)
{
	FILE	*f;
	char	*s;

	f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	s = dockercred_read_server(f);
	fclose(f);
	return s;
}

#define READ(s)	read_text(s, sizeof(s) - 1)

static void
test_read(void **state)
{
	char	*s, big[DOCKERCRED_SERVER_MAX + 10];

	(void)state;
	s = READ("gcr.io\n");
	assert_string_equal(s, "gcr.io");
	free(s);
	s = READ("  europe-west4-docker.pkg.dev \r\n");
	assert_string_equal(s, "europe-west4-docker.pkg.dev");
	free(s);
	s = READ("127.0.0.1:5000");
	assert_string_equal(s, "127.0.0.1:5000");
	free(s);
	assert_null(READ(""));
	assert_null(READ(" \n"));
	assert_null(READ("gcr.io\nevil.example\n"));
	assert_null(READ("gcr.io\revil"));
	assert_null(READ("gcr.io\0evil"));
	memset(big, 'a', sizeof big);
	assert_null(read_text(big, sizeof big));
}

static void
test_google_hosts(void **state)
{
	static const char *const good[] = {
		"gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io",
		"marketplace.gcr.io", "staging-k8s.gcr.io",
		"europe-west4-docker.pkg.dev", "us-docker.pkg.dev",
		"docker.europe-west4.rep.pkg.dev",
		"GCR.IO", "Europe-West4-Docker.PKG.dev", "gcr.io:443",
		"https://gcr.io", "https://us-docker.pkg.dev/", "http://gcr.io",
		NULL
	};
	static const char *const bad[] = {
		"evil.com/gcr.io", "gcr.io.evil.com", "evilgcr.io",
		"evil-docker.pkg.dev.evil.com", "pkg.dev", "gcr.io.",
		"us-docker.pkg.dev.", ".gcr.io", "gcr..io", "gcr.io:0",
		"gcr.io:65536", "gcr.io:", "gcr.io:80x", "user@gcr.io",
		"gcr.io/v2/", "https://gcr.io/path", "ftp://gcr.io",
		"gcr.io%2f", "gcr.io evil", "", "[::1]", "localhost",
		"127.0.0.1:5000", "docker.io", "index.docker.io",
		"https://index.docker.io/v1/", "https://", "/",
		NULL
	};
	size_t	i;

	(void)state;
	for (i = 0; good[i] != NULL; i++) {
		if (dockercred_host_allowed(good[i], NULL) !=
		    DOCKERCRED_HOST_GOOGLE)
			fail_msg("'%s' should be a Google registry", good[i]);
	}
	for (i = 0; bad[i] != NULL; i++) {
		if (dockercred_host_allowed(bad[i], NULL) != 0)
			fail_msg("'%s' should get nothing", bad[i]);
	}
	assert_int_equal(dockercred_host_allowed(NULL, NULL), 0);
}

static void
test_listed_hosts(void **state)
{
	static const char *const list[] = {
		"registry.example.com", "127.0.0.1:5000", "*.corp.example",
		"[::1]:5001", NULL
	};

	(void)state;
#define ALLOWED(h)	dockercred_host_allowed(h, list)
	assert_int_equal(ALLOWED("registry.example.com"),
	    DOCKERCRED_HOST_LISTED);
	assert_int_equal(ALLOWED("registry.example.com:8443"),
	    DOCKERCRED_HOST_LISTED);
	assert_int_equal(ALLOWED("REGISTRY.example.com"),
	    DOCKERCRED_HOST_LISTED);
	assert_int_equal(ALLOWED("127.0.0.1:5000"), DOCKERCRED_HOST_LISTED);
	assert_int_equal(ALLOWED("127.0.0.1:5001"), 0);
	assert_int_equal(ALLOWED("127.0.0.1"), 0);
	assert_int_equal(ALLOWED("localhost:5000"), 0);
	assert_int_equal(ALLOWED("a.corp.example"), DOCKERCRED_HOST_LISTED);
	assert_int_equal(ALLOWED("corp.example"), 0);
	assert_int_equal(ALLOWED("[::1]:5001"), DOCKERCRED_HOST_LISTED);
	assert_int_equal(ALLOWED("[::1]:5000"), 0);
	assert_int_equal(ALLOWED("sub.registry.example.com"), 0);
	assert_int_equal(ALLOWED("registry.example.com.evil.com"), 0);
	assert_int_equal(ALLOWED("evil.com/registry.example.com"), 0);
	assert_int_equal(ALLOWED("gcr.io"), DOCKERCRED_HOST_GOOGLE);
#undef ALLOWED
}

static void
test_answer(void **state)
{
	char	*s;

	(void)state;
	s = dockercred_answer("gcr.io", "ya29.a-b_c~d+e/f=");
	assert_string_equal(s, "{\"ServerURL\":\"gcr.io\",\"Username\":"
	    "\"oauth2accesstoken\",\"Secret\":\"ya29.a-b_c~d+e/f=\"}\n");
	secret_free(s);
	s = dockercred_answer("127.0.0.1:5000", "tok");
	assert_non_null(strstr(s, "\"ServerURL\":\"127.0.0.1:5000\""));
	assert_null(strstr(s, "<token>"));
	secret_free(s);
	/* Nothing that would need escaping ever reaches the JSON. */
	assert_null(dockercred_answer("gcr.io\"", "tok"));
	assert_null(dockercred_answer("a\\b", "tok"));
	assert_null(dockercred_answer("gcr.io", "to\"k"));
	assert_null(dockercred_answer("gcr.io", "to\nk"));
	assert_null(dockercred_answer("gcr.io", ""));
}

/* Merge hosts into text; the new text (or NULL) and the change count. */
static char *
merge(const char *text, const char *const *hosts, size_t *n,
    struct dockercred_change **ch)
{
	const char	*why;
	char		*out;

	assert_int_equal(dockercred_config_merge(text,
	    text != NULL ? strlen(text) : 0, hosts, &out, ch, n, &why), 0);
	return out;
}

static void
test_merge(void **state)
{
	static const char *const hosts[] = { "gcr.io", "us.gcr.io",
	    "gcr.io", NULL };
	struct dockercred_change	*ch;
	const char			*why;
	char				*out, *again;
	size_t				 n;

	(void)state;
	/* No file: a new object with credHelpers. */
	out = merge(NULL, hosts, &n, &ch);
	assert_int_equal(n, 2);
	assert_string_equal(ch[0].host, "gcr.io");
	assert_null(ch[0].old_helper);
	assert_string_equal(ch[1].host, "us.gcr.io");
	assert_string_equal(out, "{\n\t\"credHelpers\": {\n"
	    "\t\t\"gcr.io\": \"vtoken\",\n\t\t\"us.gcr.io\": \"vtoken\"\n"
	    "\t}\n}\n");
	dockercred_changes_free(ch, n);
	/* Merging again changes nothing. */
	again = merge(out, hosts, &n, &ch);
	assert_null(again);
	assert_int_equal(n, 0);
	dockercred_changes_free(ch, n);
	secret_free(out);

	/* Other keys and entries stay; another helper is replaced. */
	out = merge("{\"auths\": {\"x.example\": {\"auth\": \"eDp5\"}},"
	    "\"credHelpers\": {\"gcr.io\": \"gcloud\", \"quay.io\": \"q\"},"
	    "\"credsStore\": \"desktop\", \"n\": 1.5}", hosts, &n, &ch);
	assert_int_equal(n, 2);
	assert_string_equal(ch[0].old_helper, "gcloud");
	assert_null(ch[1].old_helper);
	assert_non_null(strstr(out, "\"auth\": \"eDp5\""));
	assert_non_null(strstr(out, "\"quay.io\": \"q\""));
	assert_non_null(strstr(out, "\"credsStore\": \"desktop\""));
	assert_non_null(strstr(out, "\"gcr.io\": \"vtoken\""));
	assert_null(strstr(out, "gcloud"));
	dockercred_changes_free(ch, n);
	secret_free(out);

	/* An entry that is not a string is shown as JSON and replaced. */
	out = merge("{\"credHelpers\": {\"gcr.io\": 7}}", hosts, &n, &ch);
	assert_string_equal(ch[0].old_helper, "7");
	dockercred_changes_free(ch, n);
	secret_free(out);
	/* White space alone is no file. */
	out = merge(" \n", hosts, &n, &ch);
	assert_int_equal(n, 2);
	dockercred_changes_free(ch, n);
	secret_free(out);

	/* What cannot be merged. */
#define REFUSED(t)	assert_int_equal(dockercred_config_merge(t, \
	    strlen(t), hosts, &out, &ch, &n, &why), -1); \
	assert_non_null(why); assert_null(out); assert_null(ch)
	REFUSED("not json");
	REFUSED("[]");
	REFUSED("{\"credHelpers\": []}");
	REFUSED("{\"credHelpers\": \"gcr.io\"}");
	REFUSED("{} {}");
	REFUSED("{\"a\": 1");
#undef REFUSED
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_google_hosts),
		cmocka_unit_test(test_listed_hosts),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
