/*
 * test-cache.c: the cache's policy (cache_fresh, cache_key) and the
 * atomic file writer refresh uses (file_write_atomic).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtoken.h"
#include "cache.h"
#include "credfile.h"
#include "file.h"
#include "source.h"

#define NOW	((time_t)1800000000)
#define HOUR	3600L
#define MIN	60L

/* -- cache_fresh ---------------------------------------------------------- */

static void
test_fresh_expired(void **state)
{
	(void)state;
	/* Expired or expiring this second: never, whatever min_ttl says. */
	assert_int_equal(cache_fresh(NOW, NOW - HOUR, NOW, 0, 0), 0);
	assert_int_equal(cache_fresh(NOW, NOW - HOUR, NOW - 1, 0, 0), 0);
	assert_int_equal(cache_fresh(NOW, NOW - HOUR, NOW - 1000, 5 * MIN,
	    0), 0);
	/* Nor an entry whose issue time is unknown. */
	assert_int_equal(cache_fresh(NOW, 0, NOW - 1, 0, 0), 0);
}

static void
test_fresh_min_ttl(void **state)
{
	time_t	iat = NOW - 50 * MIN;	/* an hour's token, 10 min left */

	(void)state;
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 5 * MIN, 0), 1);
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 10 * MIN, 0), 1);
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 10 * MIN + 1, 0),
	    0);
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 15 * MIN, 0), 0);
	/* A fresh hour's token meets even env's 30 min. */
	assert_int_equal(cache_fresh(NOW, NOW, NOW + HOUR, 30 * MIN, 0), 1);
}

static void
test_fresh_half_life(void **state)
{
	(void)state;
	/*
	 * A 4 min token (the metadata server near its refresh point) is
	 * served while 2 min are left, though min_ttl asks for 5.
	 */
	assert_int_equal(cache_fresh(NOW, NOW - 1 * MIN, NOW + 3 * MIN,
	    5 * MIN, 0), 1);
	assert_int_equal(cache_fresh(NOW, NOW - 2 * MIN, NOW + 2 * MIN,
	    5 * MIN, 0), 1);
	assert_int_equal(cache_fresh(NOW, NOW - 2 * MIN - 1,
	    NOW + 2 * MIN - 1, 5 * MIN, 0), 0);
	/* The cap is the smaller of the two: min_ttl when it is smaller. */
	assert_int_equal(cache_fresh(NOW, NOW - 3 * MIN, NOW + 1 * MIN,
	    1 * MIN, 0), 1);
	assert_int_equal(cache_fresh(NOW, NOW - 3 * MIN, NOW + 1 * MIN - 1,
	    1 * MIN, 0), 0);
	/* min_ttl above half the life: half the life decides. */
	assert_int_equal(cache_fresh(NOW, NOW - 25 * MIN, NOW + 35 * MIN,
	    40 * MIN, 0), 1);
	assert_int_equal(cache_fresh(NOW, NOW - 31 * MIN, NOW + 29 * MIN,
	    40 * MIN, 0), 0);
}

static void
test_fresh_jitter(void **state)
{
	time_t	iat = NOW - 50 * MIN;

	(void)state;
	/* Jitter brings the refresh forward: 10 min left, 5 asked. */
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 5 * MIN, 60), 1);
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 9 * MIN, 60), 1);
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 9 * MIN, 61), 0);
	assert_int_equal(cache_fresh(NOW, iat, iat + HOUR, 10 * MIN, 1), 0);
	/* It never makes an expired token fresh. */
	assert_int_equal(cache_fresh(NOW, iat, NOW, 0, 0), 0);
}

static void
test_fresh_min_ttl_zero(void **state)
{
	(void)state;
	/* min_ttl 0: any token that has not expired. */
	assert_int_equal(cache_fresh(NOW, NOW - HOUR + 1, NOW + 1, 0, 0), 1);
	assert_int_equal(cache_fresh(NOW, NOW - 10, NOW + 1, 0, 0), 1);
	assert_int_equal(cache_fresh(NOW, NOW - HOUR, NOW + 30 * MIN, 0, 0),
	    1);
}

/* -- cache_key ------------------------------------------------------------ */

static char *
key_of(const char *cache_id, const char *token_uri, const char *const *scopes)
{
	struct vt_ctx	 ctx;
	struct source	 src;

	memset(&ctx, 0, sizeof ctx);
	memset(&src, 0, sizeof src);
	ctx.scope_list = (char **)(uintptr_t)scopes;
	src.cache_id = (char *)(uintptr_t)cache_id;
	src.token_uri = (char *)(uintptr_t)token_uri;
	return cache_key(&ctx, &src);
}

static void
assert_hex64(const char *k)
{
	size_t	i;

	assert_non_null(k);
	assert_int_equal(strlen(k), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", k[i]));
}

#define SA_ID	"service_account\nsa@p.iam.gserviceaccount.com"
#define URI	"https://oauth2.googleapis.com/token"
#define CP	"https://www.googleapis.com/auth/cloud-platform"
#define EMAIL	"https://www.googleapis.com/auth/userinfo.email"

static void
test_key_scope_order(void **state)
{
	static const char *const s1[] = { CP, EMAIL, NULL };
	static const char *const s2[] = { EMAIL, CP, NULL };
	char	*a, *b;

	(void)state;
	a = key_of(SA_ID, URI, s1);
	b = key_of(SA_ID, URI, s2);
	assert_hex64(a);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
test_key_differs(void **state)
{
	static const char *const cp[] = { CP, NULL };
	static const char *const both[] = { CP, EMAIL, NULL };
	static const char *const none[] = { NULL };
	char	*base, *k;

	(void)state;
	base = key_of(SA_ID, URI, cp);
	assert_hex64(base);

	k = key_of(SA_ID, URI, both);		/* another scope set */
	assert_string_not_equal(base, k);
	free(k);
	k = key_of(SA_ID, URI, none);		/* no scopes at all */
	assert_hex64(k);
	assert_string_not_equal(base, k);
	free(k);
	k = key_of("service_account\nother@p.iam.gserviceaccount.com", URI,
	    cp);				/* another principal */
	assert_string_not_equal(base, k);
	free(k);
	k = key_of(SA_ID, "http://127.0.0.1:8080/token", cp);
	assert_string_not_equal(base, k);	/* another token URI */
	free(k);
	k = key_of(SA_ID, NULL, cp);
	assert_hex64(k);
	assert_string_not_equal(base, k);
	free(k);
	/* Fields cannot run into each other: "a\nb" + "c" vs "a" + "b\nc". */
	k = key_of(SA_ID "x", URI, cp);
	assert_string_not_equal(base, k);
	free(k);
	/* The same inputs, the same key. */
	k = key_of(SA_ID, URI, cp);
	assert_string_equal(base, k);
	free(k);
	free(base);
}

static void
test_key_not_cached(void **state)
{
	static const char *const cp[] = { CP, NULL };

	(void)state;
	assert_null(key_of(NULL, URI, cp));
}

/* An authorized_user file with the given refresh token, parsed. */
static struct source *
user_source(const char *refresh)
{
	struct source	*src = NULL;
	char		*json;
	int		 n;

	n = asprintf(&json, "{\"type\": \"authorized_user\", "
	    "\"client_id\": \"764086051850-shared.apps.googleusercontent.com\", "
	    "\"client_secret\": \"d-FL95Q19q7MQmFpd7hHD0Ty\", "
	    "\"refresh_token\": \"%s\", "
	    "\"token_uri\": \"http://127.0.0.1:9/token\"}", refresh);
	assert_true(n > 0);
	assert_int_equal(credfile_parse(json, strlen(json), "/test/adc.json",
	    "test", &src), 0);
	free(json);
	assert_non_null(src);
	return src;
}

static void
test_key_user_fingerprint(void **state)
{
	static const char *const cp[] = { CP, NULL };
	static const char refresh1[] = "1//0gSecretRefreshTokenOfUserOne";
	static const char refresh2[] = "1//0gSecretRefreshTokenOfUserTwo";
	struct vt_ctx	 ctx;
	struct source	*u1, *u2, *u1b;
	char		*k1, *k2, *k1b;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	ctx.scope_list = (char **)(uintptr_t)cp;
	u1 = user_source(refresh1);
	u2 = user_source(refresh2);
	u1b = user_source(refresh1);
	assert_non_null(u1->cache_id);
	/* Neither secret is in the identity, nor a long part of one. */
	assert_null(strstr(u1->cache_id, refresh1));
	assert_null(strstr(u1->cache_id, "SecretRefreshToken"));
	assert_null(strstr(u1->cache_id, "d-FL95Q19q7MQmFpd7hHD0Ty"));
	/* Users sharing the gcloud client id still differ. */
	k1 = cache_key(&ctx, u1);
	k2 = cache_key(&ctx, u2);
	k1b = cache_key(&ctx, u1b);
	assert_hex64(k1);
	assert_string_not_equal(k1, k2);
	assert_string_equal(k1, k1b);
	assert_null(strstr(k1, "Secret"));
	free(k1);
	free(k2);
	free(k1b);
	source_free(u1);
	source_free(u2);
	source_free(u1b);
}

static void
test_fingerprint(void **state)
{
	char	*a, *b;

	(void)state;
	a = source_fingerprint("1//0gSecretRefreshToken");
	b = source_fingerprint("1//0gSecretRefreshTokeN");
	assert_hex64(a);
	assert_null(strstr(a, "Secret"));
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* -- file_write_atomic ---------------------------------------------------- */

struct tmp {
	char	dir[64];
	char	path[128];
};

static int
setup_tmp(void **state)
{
	struct tmp	*t;

	t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(t->dir, sizeof t->dir, "/tmp/vtoken-test-cache.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/env", t->dir);
	*state = t;
	return 0;
}

static int
teardown_tmp(void **state)
{
	struct tmp	*t = *state;

	(void)unlink(t->path);
	assert_int_equal(rmdir(t->dir), 0);	/* no temporary file left */
	free(t);
	return 0;
}

static void
test_write_atomic(void **state)
{
	struct tmp	*t = *state;
	struct stat	 st1, st2;
	char		 buf[64];
	FILE		*f;
	size_t		 n;

	assert_int_equal(file_write_atomic(t->path, "A=1\n", 4), 0);
	assert_int_equal(stat(t->path, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0600);
	assert_int_equal(st1.st_size, 4);

	/* The same content: nothing written, the same file. */
	assert_int_equal(file_write_atomic(t->path, "A=1\n", 4), 1);
	assert_int_equal(stat(t->path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_mtime, st2.st_mtime);

	/* Other content: a new file, renamed over the old one. */
	assert_int_equal(file_write_atomic(t->path, "A=22\n", 5), 0);
	assert_int_equal(stat(t->path, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st2.st_mode & 07777, 0600);
	f = fopen(t->path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "A=22\n", 5);
}

static void
test_write_atomic_not_private(void **state)
{
	struct tmp	*t = *state;
	struct stat	 st;

	/* The same bytes in a file others can read: rewritten, 0600. */
	assert_int_equal(file_write_atomic(t->path, "A=1\n", 4), 0);
	assert_int_equal(chmod(t->path, 0644), 0);
	assert_int_equal(file_write_atomic(t->path, "A=1\n", 4), 0);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_write_atomic_no_dir(void **state)
{
	struct tmp	*t = *state;
	char		 path[192];

	snprintf(path, sizeof path, "%s/missing/env", t->dir);
	assert_int_equal(file_write_atomic(path, "A=1\n", 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_expired),
		cmocka_unit_test(test_fresh_min_ttl),
		cmocka_unit_test(test_fresh_half_life),
		cmocka_unit_test(test_fresh_jitter),
		cmocka_unit_test(test_fresh_min_ttl_zero),
		cmocka_unit_test(test_key_scope_order),
		cmocka_unit_test(test_key_differs),
		cmocka_unit_test(test_key_not_cached),
		cmocka_unit_test(test_key_user_fingerprint),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test_setup_teardown(test_write_atomic, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_write_atomic_not_private,
		    setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_write_atomic_no_dir,
		    setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
