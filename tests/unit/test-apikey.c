/*
 * test-apikey.c: what counts as a plausible API key, the key file reader
 * (size, mode, lines, NUL), and the source made of a key: no message or
 * identity ever quotes the key.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtoken.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

#define GOOD	"AIzaSyVtUnit0-abcdefghijklmnopqrstuvwxy"	/* 39 */

static char	tmpdir[] = "/tmp/vt-test-apikey.XXXXXX";

struct kcase {
	const char	*key;
	int		 plausible;
};

static void
test_plausible(void **state)
{
	static const struct kcase t[] = {
		{ GOOD, 1 },
		{ "AIzaSyVtUnit0_abcdefghijklmnopqrstuvwxy", 1 },
		{ "012345678901234567890123456789", 1 },	/* 30: min */
		{ "01234567890123456789012345678", 0 },		/* 29 */
		{ "", 0 },
		{ "AIza", 0 },
		{ "AIzaSyVtUnit0-abcdefghijklmnopqrstuvwx ", 0 },
		{ " AIzaSyVtUnit0-abcdefghijklmnopqrstuvwx", 0 },
		{ "AIzaSyVtUnit0-abcdefghij.lmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij/lmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij+lmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij=lmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij'lmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij$lmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij\nlmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij\rlmnopqrstuvwxy", 0 },
		{ "AIzaSyVtUnit0-abcdefghij\x1b[mnopqrstuvwx", 0 },
		{ "AIzaSyVtUnit0-abcdefghij\xc3\xa9mnopqrstuvwx", 0 },
	};
	char		 big[APIKEY_MAX_LEN + 2];
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (apikey_plausible(t[i].key, &why) != t[i].plausible)
			fail_msg("case %zu: plausible != %d", i,
			    t[i].plausible);
		if (!t[i].plausible && (why == NULL ||
		    (*t[i].key != '\0' && strstr(why, t[i].key) != NULL)))
			fail_msg("case %zu: bad reason", i);
	}
	memset(big, 'a', sizeof big);
	big[APIKEY_MAX_LEN] = '\0';
	assert_int_equal(apikey_plausible(big, &why), 1);
	big[APIKEY_MAX_LEN] = 'a';
	big[APIKEY_MAX_LEN + 1] = '\0';
	assert_int_equal(apikey_plausible(big, &why), 0);
	assert_int_equal(apikey_plausible(NULL, &why), 0);
}

/* Write a file in tmpdir with mode; return its path (caller frees). */
static char *
put(const char *name, const char *data, size_t len, mode_t mode)
{
	char	*path;
	FILE	*f;

	path = xasprintf("%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* Read name with source_api_key_read and expect r (and the key for 0). */
static void
read_case(const char *name, const char *data, size_t len, mode_t mode,
    int want, const char *want_key)
{
	char	*path, *key = NULL;
	int	 r;

	path = put(name, data, len, mode);
	r = source_api_key_read(path, "--api-key-file", &key);
	if (r != want)
		fail_msg("%s: %d, want %d (%s)", name, r, want,
		    vt_errmsg() != NULL ? vt_errmsg() : "");
	if (want == 0)
		assert_string_equal(key, want_key);
	else {
		assert_null(key);
		assert_non_null(vt_errmsg());
		assert_non_null(strstr(vt_errmsg(), path));
		assert_null(strstr(vt_errmsg(), GOOD));
	}
	secret_free(key);
	unlink(path);
	free(path);
}

static void
test_read_file(void **state)
{
	char	 big[5000], *path, *key = NULL;

	(void)state;
	read_case("plain", GOOD "\n", strlen(GOOD) + 1, 0600, 0, GOOD);
	read_case("nonl", GOOD, strlen(GOOD), 0600, 0, GOOD);
	read_case("crlf", " " GOOD "\r\n", strlen(GOOD) + 3, 0600, 0, GOOD);
	read_case("readable", GOOD, strlen(GOOD), 0644, 0, GOOD);
	/* Two lines come back joined by '\n': the plausibility check fails. */
	read_case("twolines", GOOD "\n" GOOD "\n", 2 * strlen(GOOD) + 2,
	    0600, 0, GOOD "\n" GOOD);
	read_case("gwrite", GOOD, strlen(GOOD), 0620, VT_ERR_CRED, NULL);
	read_case("owrite", GOOD, strlen(GOOD), 0602, VT_ERR_CRED, NULL);
	read_case("nul", GOOD "\0x", strlen(GOOD) + 2, 0600, VT_ERR_CRED,
	    NULL);
	memset(big, 'A', sizeof big);
	read_case("big", big, sizeof big, 0600, VT_ERR_CRED, NULL);

	path = xasprintf("%s/missing", tmpdir);
	assert_int_equal(source_api_key_read(path, "x", &key), VT_ERR_CONFIG);
	assert_null(key);
	free(path);
	assert_int_equal(source_api_key_read(tmpdir, "x", &key), VT_ERR_CRED);
}

static void
test_source(void **state)
{
	struct source	*src = NULL;
	struct token	 tok = { 0 };
	char		*key;

	(void)state;
	key = xstrdup("AIzaSy-short");
	assert_int_equal(source_api_key_new(&key, "$GOOGLE_API_KEY", NULL,
	    &src), VT_ERR_CRED);
	assert_null(key);
	assert_null(src);
	assert_non_null(strstr(vt_errmsg(), "$GOOGLE_API_KEY"));
	assert_null(strstr(vt_errmsg(), "AIzaSy-short"));

	key = xstrdup(GOOD);
	assert_int_equal(source_api_key_new(&key, "$GOOGLE_API_KEY", NULL,
	    &src), 0);
	assert_null(key);
	assert_non_null(src);
	assert_true(source_is_api_key(src));
	assert_string_equal(src->ops->type, "api_key");
	assert_non_null(strstr(src->identity, "$GOOGLE_API_KEY"));
	assert_non_null(strstr(src->identity, "fingerprint "));
	assert_null(strstr(src->identity, GOOD));
	assert_int_equal(source_fetch(src, NULL, &tok), 0);
	assert_string_equal(tok.access_token, GOOD);
	assert_int_equal(tok.expires_at, 0);
	token_release(&tok);
	source_free(src);
	assert_false(source_is_api_key(NULL));
}

static int
setup(void **state)
{
	(void)state;
	log_init(-1);
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plausible),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_source),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
