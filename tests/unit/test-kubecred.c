/*
 * test-kubecred.c: kubectl's exec credential protocol: the request in
 * KUBERNETES_EXEC_INFO (versions, bad JSON, wrong kind) and the
 * ExecCredential answer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kubecred.h"
#include "secret.h"

static void
test_request(void **state)
{
	static const char *const bad[] = {
		"not json", "{", "[]", "\"ExecCredential\"",
		"{\"apiVersion\": \"client.authentication.k8s.io/v1\"}",
		"{\"kind\": \"ExecCredential\"}",
		"{\"kind\": \"Secret\", \"apiVersion\": "
		    "\"client.authentication.k8s.io/v1\"}",
		"{\"kind\": \"ExecCredential\", \"apiVersion\": "
		    "\"client.authentication.k8s.io/v1alpha1\"}",
		"{\"kind\": \"ExecCredential\", \"apiVersion\": 1}",
		"{\"kind\": \"ExecCredential\", \"apiVersion\": "
		    "\"client.authentication.k8s.io/v1\"} trailing",
		NULL
	};
	const char	*api, *why;
	size_t		 i;

	(void)state;
	assert_int_equal(kubecred_api_version(NULL, &api, &why), 0);
	assert_string_equal(api, KUBECRED_V1BETA1);
	assert_int_equal(kubecred_api_version("", &api, &why), 0);
	assert_string_equal(api, KUBECRED_V1BETA1);
	assert_int_equal(kubecred_api_version("{\"kind\":\"ExecCredential\","
	    "\"apiVersion\":\"client.authentication.k8s.io/v1\",\"spec\":"
	    "{\"interactive\":false}}", &api, &why), 0);
	assert_string_equal(api, KUBECRED_V1);
	assert_int_equal(kubecred_api_version("{\"apiVersion\":"
	    "\"client.authentication.k8s.io/v1beta1\",\"kind\":"
	    "\"ExecCredential\",\"spec\":{\"interactive\":true,\"cluster\":"
	    "{\"server\":\"https://x\"}}}", &api, &why), 0);
	assert_string_equal(api, KUBECRED_V1BETA1);
	for (i = 0; bad[i] != NULL; i++) {
		api = "x";
		if (kubecred_api_version(bad[i], &api, &why) != -1)
			fail_msg("'%s' should be refused", bad[i]);
		assert_null(api);
		assert_non_null(why);
	}
}

static void
test_answer(void **state)
{
	char	*s;

	(void)state;
	/* 2027-01-01T00:00:00Z, an hour after now: a minute early. */
	s = kubecred_answer(KUBECRED_V1, "ya29.tok", 1798761600,
	    1798761600 - 3600);
	assert_string_equal(s, "{\"apiVersion\":"
	    "\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	    "\"status\":{\"token\":\"ya29.tok\",\"expirationTimestamp\":"
	    "\"2026-12-31T23:59:00Z\"}}\n");
	secret_free(s);
	s = kubecred_answer(KUBECRED_V1BETA1, "key", 0, 1798761600);
	assert_string_equal(s, "{\"apiVersion\":"
	    "\"client.authentication.k8s.io/v1beta1\",\"kind\":"
	    "\"ExecCredential\",\"status\":{\"token\":\"key\"}}\n");
	secret_free(s);
	assert_null(kubecred_answer("v2", "tok", 0, 0));
	assert_null(kubecred_answer(KUBECRED_V1, "", 0, 0));
	assert_null(kubecred_answer(KUBECRED_V1, "a\"b", 0, 0));
	assert_null(kubecred_answer(KUBECRED_V1, "a\nb", 0, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
