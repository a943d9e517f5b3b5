/*
 * test-log.c: escaping, redaction and the one-line error of a failed run.
 *
 * Log lines carry text from servers and files, so escaping is what keeps
 * a hostile reply from forging lines or driving the terminal.
 */
#include "config.h"

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
#include "xmalloc.h"

/* Escape len bytes and compare with the expected text. */
static void
check_escape(const char *in, size_t len, const char *want)
{
	char	*got;

	got = log_escape(in, len);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Control characters, DEL, high bytes and backslash become \xNN or \\. */
static void
test_escape(void **state)
{
	(void)state;
	check_escape("", 0, "");
	check_escape("plain text, 123 ~!@#$%^&*()", 27,
	    "plain text, 123 ~!@#$%^&*()");
	check_escape("a\nb", 3, "a\\x0ab");
	check_escape("a\r\nvtoken: forged", 17, "a\\x0d\\x0avtoken: forged");
	check_escape("\t", 1, "\\x09");
	check_escape("\x1b[31mred\x1b[0m", 12, "\\x1b[31mred\\x1b[0m");
	check_escape("\x1b]0;title\x07", 10, "\\x1b]0;title\\x07");
	check_escape("\x7f", 1, "\\x7f");
	check_escape("\x01\x1f", 2, "\\x01\\x1f");
	check_escape("\xc3\xa9", 2, "\\xc3\\xa9");
	check_escape("\x80\xff", 2, "\\x80\\xff");
	check_escape("\xe2\x80\xae", 3, "\\xe2\\x80\\xae");	/* RLO */
	check_escape("a\\b", 3, "a\\\\b");
	/* An escaped backslash cannot be mistaken for our own \x. */
	check_escape("\\x41", 4, "\\\\x41");
	/* len, not the NUL, bounds the input. */
	check_escape("a\0b", 3, "a\\x00b");
	check_escape("abc", 2, "ab");
	check_escape(" ", 1, " ");
	check_escape("~", 1, "~");
}

/* Every byte value escapes to printable ASCII with no control left. */
static void
test_escape_all_bytes(void **state)
{
	char	 in[256], *got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof in; i++)
		in[i] = (char)i;
	got = log_escape(in, sizeof in);
	for (i = 0; got[i] != '\0'; i++)
		assert_true(got[i] >= 0x20 && got[i] < 0x7f);
	/* 95 printable bytes, one of them backslash (2), 161 others (4). */
	assert_int_equal(strlen(got), 94 + 2 + 161 * 4);
	free(got);
}

/* 1 if any 4-byte piece of secret appears in s. */
static int
leaks(const char *s, const char *secret)
{
	char	piece[5];
	size_t	i, n;

	n = strlen(secret);
	for (i = 0; i + 4 <= n; i++) {
		memcpy(piece, secret + i, 4);
		piece[4] = '\0';
		if (strstr(s, piece) != NULL)
			return 1;
	}
	return 0;
}

/* A redacted secret tells its length and nothing of its bytes. */
static void
test_redact(void **state)
{
	static const char *const secrets[] = {
		"ya29.a0AfH6SMBx-secret-token-value~+/==",
		"AIzaSyA-1234567890abcdefghijklmnopqrs",
		"1//0gSecretRefreshTokenValue",
		"[redacted, 12 bytes]",
	};
	char	buf[48], *big;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof secrets / sizeof secrets[0] - 1; i++) {
		assert_ptr_equal(log_redact(secrets[i], buf, sizeof buf), buf);
		assert_false(leaks(buf, secrets[i]));
		assert_non_null(strstr(buf, "redacted"));
	}
	log_redact("ya29.abc", buf, sizeof buf);
	assert_string_equal(buf, "[redacted, 8 bytes]");
	log_redact("", buf, sizeof buf);
	assert_string_equal(buf, "[redacted, 0 bytes]");
	log_redact(NULL, buf, sizeof buf);
	assert_string_equal(buf, "[redacted, 0 bytes]");

	/* A secret that looks like the summary is still not copied. */
	log_redact(secrets[3], buf, sizeof buf);
	assert_string_equal(buf, "[redacted, 20 bytes]");

	big = xmalloc(VT_TOKEN_MAX + 1);
	memset(big, 'q', VT_TOKEN_MAX);
	big[VT_TOKEN_MAX] = '\0';
	log_redact(big, buf, sizeof buf);
	assert_string_equal(buf, "[redacted, 8192 bytes]");
	assert_null(strchr(buf, 'q'));
	free(big);
}

/* vt_err returns its code and keeps one escaped message. */
static void
test_err(void **state)
{
	(void)state;
	vt_err_clear();
	assert_null(vt_errmsg());

	assert_int_equal(vt_err(VT_ERR_NET, "cannot reach '%s': %s",
	    "oauth2.googleapis.com", "timed out"), VT_ERR_NET);
	assert_string_equal(vt_errmsg(),
	    "cannot reach 'oauth2.googleapis.com': timed out");

	/* A later error replaces the earlier one. */
	assert_int_equal(vt_err(VT_ERR_CRED, "invalid_grant"), VT_ERR_CRED);
	assert_string_equal(vt_errmsg(), "invalid_grant");

	/* A hostile detail cannot add lines or escapes to the message. */
	assert_int_equal(vt_err(VT_ERR_CONFIG, "bad file '%s'",
	    "x'\nvtoken: ok\x1b[2J\\"), VT_ERR_CONFIG);
	assert_string_equal(vt_errmsg(),
	    "bad file 'x'\\x0avtoken: ok\\x1b[2J\\\\'");
	assert_null(strchr(vt_errmsg(), '\n'));

	assert_int_equal(vt_err(VT_ERR_USAGE, "%s", ""), VT_ERR_USAGE);
	assert_string_equal(vt_errmsg(), "");
	assert_int_equal(vt_err(VT_ERR_INTERNAL, "x"), VT_ERR_INTERNAL);

	vt_err_clear();
	assert_null(vt_errmsg());
	/* Clearing twice is harmless. */
	vt_err_clear();
	assert_null(vt_errmsg());
}

/*
 * Run fn with stderr sent to a temporary file and return what it wrote
 * (malloc'd), so the levels and the line format can be checked.
 */
static char *
capture_stderr(void (*fn)(void))
{
	FILE	*f;
	char	*buf;
	long	 len;
	int	 saved;

	fflush(stderr);
	assert_non_null(f = tmpfile());
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(f), STDERR_FILENO) != -1);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	buf = xcalloc((size_t)len + 1, 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

/* One message at each level, one of them hostile. */
static void
emit_all(void)
{
	log_warn("warn %s", "a\nb");
	log_info("info %d", 1);
	log_debug("debug \x1b%s", "[0m");
}

/* Each -v shows one more level; every line is prefixed and escaped. */
static void
test_levels(void **state)
{
	static const struct {
		int		 verbosity;
		const char	*want;
	} t[] = {
		{ -1, "" },
		{ 0, "vtoken: warning: warn a\\x0ab\n" },
		{ 1, "vtoken: warning: warn a\\x0ab\nvtoken: info 1\n" },
		{ 2, "vtoken: warning: warn a\\x0ab\nvtoken: info 1\n"
		    "vtoken: debug: debug \\x1b[0m\n" },
		{ 3, "vtoken: warning: warn a\\x0ab\nvtoken: info 1\n"
		    "vtoken: debug: debug \\x1b[0m\n" },
	};
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		log_init(t[i].verbosity);
		assert_int_equal(log_level(), t[i].verbosity);
		got = capture_stderr(emit_all);
		assert_string_equal(got, t[i].want);
		free(got);
	}
	log_init(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_all_bytes),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
