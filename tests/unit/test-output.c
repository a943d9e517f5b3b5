/*
 * test-output.c: token validation, shell quoting and RFC 3339 times.
 *
 * Quoting is checked three ways: exact expected text, a small reader of
 * each quoting dialect written here, and, for the shells installed on
 * this machine, the real shell reading our output back.  A test whose
 * shell is not installed is reported as skipped (cmocka's skip(); see
 * tests/unit/tap-skip.sh for how the TAP driver is told).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "vtoken.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

/* Values that mean something to some shell; all printable. */
static const char *const hostile[] = {
	"",
	"plain",
	"'",
	"''",
	"'\\''",
	"\"",
	"\"\"",
	"$",
	"$X",
	"${X}",
	"$(id)",
	"$((1+1))",
	"`id`",
	"\\",
	"\\\\",
	"a\\",
	"\\'",
	"\\\"",
	"\\n",
	"\\$X",
	"!",
	"!!",
	"!$",
	"!-1",
	"a!b",
	"\\!",
	";",
	"; echo pwned",
	"'; echo pwned; '",
	"\"; echo pwned; \"",
	"&",
	"&& echo pwned",
	"|",
	"| cat",
	"*",
	"?",
	"[a]",
	"~",
	"~root",
	"#",
	"# comment",
	"a #b",
	"%",
	"%1",
	"{}",
	"{a,b}",
	"{$X}",
	"(id)",
	"@(x)",
	"$env:PATH",
	"`n`t",
	" ",
	"  two  spaces  ",
	"-n",
	"-e",
	"--",
	"=",
	"a=b",
	"^",
	"<>",
	"\"'$`\\!;&|*?~#%{}() <>^=",
	"ya29.a0AfH6SM-x_y~z+/==",
	("https://us-central1-aiplatform.googleapis.com/v1/projects/p/"
	    "locations/us-central1/endpoints/openapi"),
	"2026-11-22T04:00:00Z",
	"\xc3\xa9t\xc3\xa9",				/* été */
	"\xe2\x80\x98q\xe2\x80\x99",			/* U+2018 q U+2019 */
	"\xe2\x80\x9a\xe2\x80\x9b",			/* U+201A U+201B */
	"\xe2\x80\x9c\xe2\x80\x9d",			/* U+201C U+201D */
	"\xef\xbc\x87",					/* U+FF07 */
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

/* Control characters: refused by every shell, escaped by json. */
static const char *const controls[] = {
	"\n", "a\nb", "a\n", "\r", "\t", "\x01", "\x1b[31m", "\x1f", "\x7f",
	"a\bb", "\f",
};
#define NCONTROLS (sizeof controls / sizeof controls[0])

static const enum shell all_shells[] = {
	SHELL_SH, SHELL_FISH, SHELL_CSH, SHELL_POWERSHELL, SHELL_DOTENV,
	SHELL_JSON
};
#define NSHELLS (sizeof all_shells / sizeof all_shells[0])

/* A directory for scripts and shell state, removed at exit. */
static char	*tmpdir;

/* 1 if s has a byte >= 0x80. */
static int
has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* A printable copy of len bytes of s, for failure messages. */
static char *
visible(const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	char			*v, *p;
	size_t			 i;

	p = v = xmalloc(len * 4 + 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			*p++ = (char)c;
		else {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		}
	}
	*p = '\0';
	return v;
}

/* Fail the test showing both strings with their bytes escaped. */
static void
fail_differ(const char *what, const char *want, size_t wantlen,
    const char *got, size_t gotlen)
{
	char	*w, *g;

	w = visible(want, wantlen);
	g = visible(got, gotlen);
	print_message("# %s: want [%s] got [%s]\n", what, w, g);
	free(w);
	free(g);
	fail();
}

/* Token characters are the injection guard for `eval`: a full table. */
static void
test_token_valid(void **state)
{
	static const struct {
		const char	*tok;
		int		 ok;
	} t[] = {
		{ "ya29.a0AfH6SM-x_y~z+/==", 1 },
		{ "a", 1 },
		{ "Z", 1 },
		{ "0", 1 },
		{ "~", 1 },
		{ "-", 1 },
		{ "/", 1 },
		{ "abc=", 1 },
		{ "abc==", 1 },
		{ "abc===", 1 },
		{ "AIzaSyA-1234_abcdefghijklmnopqrstuvwxyz", 1 },
		{ "1//0gAbC-dEf", 1 },
		{ "", 0 },
		{ "=", 0 },
		{ "==", 0 },
		{ "=a", 0 },
		{ "a=b", 0 },
		{ "a==b", 0 },
		{ "a= ", 0 },
		{ " ", 0 },
		{ " a", 0 },
		{ "a ", 0 },
		{ "a b", 0 },
		{ "a\n", 0 },
		{ "a\nb", 0 },
		{ "\n", 0 },
		{ "a\r", 0 },
		{ "a\t", 0 },
		{ "a'b", 0 },
		{ "a\"b", 0 },
		{ "$(id)", 0 },
		{ "a$b", 0 },
		{ "`id`", 0 },
		{ "a;b", 0 },
		{ "a&b", 0 },
		{ "a|b", 0 },
		{ "a\\b", 0 },
		{ "a:b", 0 },
		{ "a,b", 0 },
		{ "a%b", 0 },
		{ "a!b", 0 },
		{ "a*b", 0 },
		{ "a\x7f", 0 },
		{ "a\x1b", 0 },
		{ "\xc3\xa9", 0 },
		{ "a\xe2\x80\x99", 0 },
		{ "\xff", 0 },
	};
	char	*big;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (output_token_valid(t[i].tok) != t[i].ok)
			fail_differ("output_token_valid", t[i].ok ? "1" : "0",
			    1, t[i].tok, strlen(t[i].tok));
	}
	assert_int_equal(output_token_valid(NULL), 0);

	big = xmalloc(VT_TOKEN_MAX + 2);
	memset(big, 'a', VT_TOKEN_MAX + 1);
	big[VT_TOKEN_MAX] = '\0';
	assert_int_equal(output_token_valid(big), 1);
	big[VT_TOKEN_MAX - 1] = '=';
	assert_int_equal(output_token_valid(big), 1);
	big[VT_TOKEN_MAX - 1] = 'a';
	big[VT_TOKEN_MAX] = 'a';
	big[VT_TOKEN_MAX + 1] = '\0';
	assert_int_equal(output_token_valid(big), 0);
	big[VT_TOKEN_MAX] = '=';
	assert_int_equal(output_token_valid(big), 0);
	free(big);
}

/* Only the documented names, exactly, choose a dialect. */
static void
test_shell_parse(void **state)
{
	static const struct {
		const char	*name;
		int		 r;
		enum shell	 sh;
	} t[] = {
		{ "sh", 0, SHELL_SH },
		{ "bash", 0, SHELL_SH },
		{ "zsh", 0, SHELL_SH },
		{ "ksh", 0, SHELL_SH },
		{ "dash", 0, SHELL_SH },
		{ "fish", 0, SHELL_FISH },
		{ "csh", 0, SHELL_CSH },
		{ "tcsh", 0, SHELL_CSH },
		{ "powershell", 0, SHELL_POWERSHELL },
		{ "pwsh", 0, SHELL_POWERSHELL },
		{ "dotenv", 0, SHELL_DOTENV },
		{ "json", 0, SHELL_JSON },
		{ "", -1, SHELL_SH },
		{ "SH", -1, SHELL_SH },
		{ "Bash", -1, SHELL_SH },
		{ "sh ", -1, SHELL_SH },
		{ " sh", -1, SHELL_SH },
		{ "shx", -1, SHELL_SH },
		{ "s", -1, SHELL_SH },
		{ "/bin/sh", -1, SHELL_SH },
		{ "cmd", -1, SHELL_SH },
		{ "nu", -1, SHELL_SH },
		{ "env", -1, SHELL_SH },
		{ "jsonl", -1, SHELL_SH },
		{ "PowerShell", -1, SHELL_SH },
	};
	enum shell	sh;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		sh = (enum shell)99;
		assert_int_equal(output_shell_parse(t[i].name, &sh), t[i].r);
		if (t[i].r == 0)
			assert_int_equal(sh, t[i].sh);
		else
			assert_int_equal(sh, 99);
	}
	assert_int_equal(output_shell_parse(NULL, &sh), -1);
}

/* Names are written unquoted, so only the portable ones pass. */
static void
test_varname(void **state)
{
	static const struct {
		const char	*name;
		int		 ok;
	} t[] = {
		{ "A", 1 },
		{ "_", 1 },
		{ "a", 1 },
		{ "OPENAI_API_KEY", 1 },
		{ "_1", 1 },
		{ "a1b2", 1 },
		{ "", 0 },
		{ "1A", 0 },
		{ "9", 0 },
		{ "A-B", 0 },
		{ "A B", 0 },
		{ "A=B", 0 },
		{ "A$", 0 },
		{ "A.B", 0 },
		{ "A;B", 0 },
		{ "A\n", 0 },
		{ "X'", 0 },
		{ "\xc3\xa9", 0 },
	};
	char	name[131];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (output_valid_varname(t[i].name) != t[i].ok)
			fail_differ("output_valid_varname", t[i].ok ? "1" : "0",
			    1, t[i].name, strlen(t[i].name));
	}
	assert_int_equal(output_valid_varname(NULL), 0);
	memset(name, 'V', sizeof name);
	name[128] = '\0';
	assert_int_equal(output_valid_varname(name), 1);
	name[128] = 'V';
	name[129] = '\0';
	assert_int_equal(output_valid_varname(name), 0);
}

/* The exact text for each dialect, for the cases a reader should know. */
static void
test_quote_expected(void **state)
{
	static const struct {
		enum shell	 sh;
		const char	*in;
		const char	*want;	/* NULL: refused */
	} t[] = {
		{ SHELL_SH, "", "''" },
		{ SHELL_SH, "abc", "'abc'" },
		{ SHELL_SH, "it's", "'it'\\''s'" },
		{ SHELL_SH, "$X `id` \\ ! \"", "'$X `id` \\ ! \"'" },
		{ SHELL_SH, "\xc3\xa9", "'\xc3\xa9'" },
		{ SHELL_FISH, "", "''" },
		{ SHELL_FISH, "it's", "'it\\'s'" },
		{ SHELL_FISH, "a\\b", "'a\\\\b'" },
		{ SHELL_FISH, "\\'", "'\\\\\\''" },
		{ SHELL_FISH, "$X (id) \"", "'$X (id) \"'" },
		{ SHELL_CSH, "", "''" },
		{ SHELL_CSH, "it's", "'it'\\''s'" },
		{ SHELL_CSH, "a!b", "'a\\!b'" },
		{ SHELL_CSH, "!!", "'\\!\\!'" },
		{ SHELL_CSH, "a\\b", "'a'\\\\'b'" },
		{ SHELL_CSH, "$X `id` \"", "'$X `id` \"'" },
		{ SHELL_POWERSHELL, "", "''" },
		{ SHELL_POWERSHELL, "it's", "'it''s'" },
		{ SHELL_POWERSHELL, "''", "''''''" },
		{ SHELL_POWERSHELL, "$env:X `n \\ \"", "'$env:X `n \\ \"'" },
		{ SHELL_POWERSHELL, "\xe2\x80\x98", NULL },
		{ SHELL_POWERSHELL, "\xe2\x80\x99", NULL },
		{ SHELL_POWERSHELL, "\xe2\x80\x9a", NULL },
		{ SHELL_POWERSHELL, "\xe2\x80\x9b", NULL },
		{ SHELL_POWERSHELL, "\xc3\xa9", NULL },
		{ SHELL_POWERSHELL, "\x91", NULL },
		{ SHELL_POWERSHELL, "\x92", NULL },
		{ SHELL_DOTENV, "", "''" },
		{ SHELL_DOTENV, "a b $X #c \"", "'a b $X #c \"'" },
		{ SHELL_DOTENV, "it's", NULL },
		{ SHELL_DOTENV, "a\\b", NULL },
		{ SHELL_DOTENV, "\xc3\xa9", "'\xc3\xa9'" },
		{ SHELL_JSON, "", "\"\"" },
		{ SHELL_JSON, "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ SHELL_JSON, "https://x/y", "\"https://x/y\"" },
		{ SHELL_JSON, "\n\r\t\x01\x1f\x7f",
		    "\"\\n\\r\\t\\u0001\\u001f\\u007f\"" },
		{ SHELL_JSON, "\xc3\xa9\xe2\x80\x99",
		    "\"\xc3\xa9\xe2\x80\x99\"" },
		{ SHELL_JSON, "\xff", NULL },
		{ SHELL_JSON, "\xc3", NULL },
		{ SHELL_JSON, "\xc0\x80", NULL },	/* overlong NUL */
		{ SHELL_JSON, "\xe0\x80\xaf", NULL },	/* overlong / */
		{ SHELL_JSON, "\xed\xa0\x80", NULL },	/* surrogate */
		{ SHELL_JSON, "\xf4\x90\x80\x80", NULL },	/* > U+10FFFF */
		{ SHELL_JSON, "\xe2\x80", NULL },	/* truncated */
		{ SHELL_JSON, "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
	};
	char	*q;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		q = output_quote(t[i].sh, t[i].in);
		if (t[i].want == NULL) {
			if (q != NULL)
				fail_differ("refused", "(NULL)", 6, q,
				    strlen(q));
			continue;
		}
		if (q == NULL)
			fail_differ("quoted", t[i].want, strlen(t[i].want),
			    "(NULL)", 6);
		else if (strcmp(q, t[i].want) != 0)
			fail_differ("quoted", t[i].want, strlen(t[i].want), q,
			    strlen(q));
		secret_free(q);
	}
	assert_null(output_quote(SHELL_SH, NULL));
	assert_null(output_quote((enum shell)42, "x"));
}

/* No shell but json can carry a control character safely. */
static void
test_quote_controls(void **state)
{
	char	*q;
	size_t	 i, s;

	(void)state;
	for (s = 0; s < NSHELLS; s++) {
		for (i = 0; i < NCONTROLS; i++) {
			q = output_quote(all_shells[s], controls[i]);
			if (all_shells[s] == SHELL_JSON)
				assert_non_null(q);
			else if (q != NULL)
				fail_differ("control refused", "(NULL)", 6, q,
				    strlen(q));
			secret_free(q);
		}
	}
}

/*
 * Read one single-quoted word the way the dialect's lexer does and
 * return the value, or NULL if the text is not exactly one such word.
 * csh_bq: tcsh with `set backslash_quote`.
 */
static char *
reader(enum shell sh, const char *q, int csh_bq)
{
	char	*v, *p;
	int	 inq = 0;

	p = v = xcalloc(strlen(q) + 1, 1);
	for (; *q != '\0'; q++) {
		if (!inq) {
			if (*q == '\'')
				inq = 1;
			else if (*q == '\\' && (sh == SHELL_SH ||
			    sh == SHELL_CSH) && q[1] != '\0')
				*p++ = *++q;
			else
				goto bad;
			continue;
		}
		switch (sh) {
		case SHELL_SH:
		case SHELL_DOTENV:
			if (*q == '\'')
				inq = 0;
			else
				*p++ = *q;
			break;
		case SHELL_FISH:
			if (*q == '\'')
				inq = 0;
			else if (*q == '\\' && (q[1] == '\\' || q[1] == '\''))
				*p++ = *++q;
			else
				*p++ = *q;
			break;
		case SHELL_CSH:
			if (*q == '\'')
				inq = 0;
			else if (*q == '!')
				goto bad;	/* would be history expansion */
			else if (*q == '\\' && q[1] == '!')
				*p++ = *++q;
			else if (csh_bq && *q == '\\' && (q[1] == '\\' ||
			    q[1] == '\'' || q[1] == '"'))
				*p++ = *++q;
			else
				*p++ = *q;
			break;
		case SHELL_POWERSHELL:
			/* Any of the five quote characters ends the string. */
			if (*q == '\'' ||
			    (memcmp(q, "\xe2\x80", 2) == 0 &&
			    (unsigned char)q[2] >= 0x98 &&
			    (unsigned char)q[2] <= 0x9b)) {
				if (*q != '\'')
					q += 2;
				if (q[1] == '\'')
					*p++ = *++q;
				else
					inq = 0;
			} else
				*p++ = *q;
			break;
		case SHELL_JSON:
			goto bad;
		}
		/* dotenv: one quoted word, nothing after it. */
		if (!inq && sh == SHELL_DOTENV && q[1] != '\0')
			goto bad;
	}
	if (inq)
		goto bad;
	return v;
bad:
	free(v);
	return NULL;
}

/* Every hostile value reads back exactly through each dialect's rules. */
static void
test_quote_roundtrip(void **state)
{
	static const enum shell	 shells[] = {
		SHELL_SH, SHELL_FISH, SHELL_CSH, SHELL_POWERSHELL, SHELL_DOTENV
	};
	char			*q, *v;
	size_t			 i, s;
	int			 bq, refuse;

	(void)state;
	for (s = 0; s < sizeof shells / sizeof shells[0]; s++) {
		for (i = 0; i < NHOSTILE; i++) {
			q = output_quote(shells[s], hostile[i]);
			refuse = (shells[s] == SHELL_POWERSHELL &&
			    has_non_ascii(hostile[i])) ||
			    (shells[s] == SHELL_DOTENV &&
			    strpbrk(hostile[i], "'\\") != NULL);
			if (refuse) {
				if (q != NULL)
					fail_differ("refused", "(NULL)", 6, q,
					    strlen(q));
				continue;
			}
			assert_non_null(q);
			for (bq = 0; bq <= (shells[s] == SHELL_CSH); bq++) {
				v = reader(shells[s], q, bq);
				if (v == NULL)
					fail_differ("unreadable", hostile[i],
					    strlen(hostile[i]), q, strlen(q));
				else if (strcmp(v, hostile[i]) != 0)
					fail_differ("read back", hostile[i],
					    strlen(hostile[i]), v, strlen(v));
				free(v);
			}
			secret_free(q);
		}
	}
}

/* json-c must parse our JSON strings back to the same bytes. */
static void
test_quote_json(void **state)
{
	struct json_object	*o;
	const char		*in;
	char			*q;
	size_t			 i;

	(void)state;
	for (i = 0; i < NHOSTILE + NCONTROLS; i++) {
		in = i < NHOSTILE ? hostile[i] : controls[i - NHOSTILE];
		q = output_quote(SHELL_JSON, in);
		assert_non_null(q);
		o = json_tokener_parse(q);
		if (o == NULL || !json_object_is_type(o, json_type_string))
			fail_differ("json parse", in, strlen(in), q, strlen(q));
		if ((size_t)json_object_get_string_len(o) != strlen(in) ||
		    memcmp(json_object_get_string(o), in, strlen(in)) != 0)
			fail_differ("json read back", in, strlen(in),
			    json_object_get_string(o),
			    (size_t)json_object_get_string_len(o));
		json_object_put(o);
		secret_free(q);
	}
}

/* A long value mixing every hostile character keeps its exact bytes. */
static void
test_quote_long(void **state)
{
	static const char	 mix[] =
	    "'\"$`\\!;&|*?~#%{} ()<>=^ab\xe2\x80\x99";
	char			*in, *q, *v;
	size_t			 len = 8192, i;
	enum shell		 sh;

	(void)state;
	in = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		in[i] = mix[i % (sizeof mix - 1)];
	in[len] = '\0';
	for (sh = SHELL_SH; sh <= SHELL_CSH; sh++) {
		q = output_quote(sh, in);
		assert_non_null(q);
		v = reader(sh, q, 0);
		assert_non_null(v);
		assert_string_equal(v, in);
		free(v);
		secret_free(q);
	}
	free(in);
}

/* nftw() callback: remove everything under tmpdir. */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* Write len bytes of data to path, or fail the test. */
static void
write_file(const char *path, const char *data)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
}

/*
 * Run argv (the script path last) in a clean environment whose HOME and
 * XDG directories are in tmpdir; return its stdout (malloc'd) and length.
 */
static char *
run_capture(char *const argv[], size_t *lenp)
{
	char	*env[8], *out = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 fd[2], status, i;

	env[0] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	env[1] = xasprintf("HOME=%s", tmpdir);
	env[2] = xasprintf("XDG_CONFIG_HOME=%s/config", tmpdir);
	env[3] = xasprintf("XDG_DATA_HOME=%s/data", tmpdir);
	env[4] = xasprintf("XDG_CACHE_HOME=%s/cache", tmpdir);
	env[5] = xstrdup("LC_ALL=C.UTF-8");
	env[6] = xstrdup("TERM=dumb");
	env[7] = NULL;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fd[0]);
		if (dup2(fd[1], STDOUT_FILENO) == -1)
			_exit(126);
		close(fd[1]);
		execve(argv[0], argv, env);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			out = xreallocarray(out, cap, 1);
		}
		n = read(fd[0], out + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) == -1)
		assert_int_equal(errno, EINTR);
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s exited with status %d", argv[0], status);
	*lenp = len;
	return out;
}

/*
 * Have a real shell read output_env()'s line for each hostile value and
 * print the variable back; it must print exactly the value.  Skips the
 * test when the shell is not installed.  via_eval: the sh user's
 * `eval "$(...)"`.
 */
static void
shell_eval(const char *path, const char *flag, enum shell sh, int via_eval)
{
	struct env_var	 var;
	char		*env, *script, *envpath, *scriptpath, *out;
	char		*argv[4];
	size_t		 i, len;
	int		 argc = 0;

	if (access(path, X_OK) != 0) {
		print_message("# %s is not installed\n", path);
		skip();
	}
	envpath = xasprintf("%s/env", tmpdir);
	scriptpath = xasprintf("%s/script", tmpdir);
	argv[argc++] = (char *)path;
	if (flag != NULL)
		argv[argc++] = (char *)flag;
	argv[argc++] = scriptpath;
	argv[argc] = NULL;
	for (i = 0; i < NHOSTILE; i++) {
		var.name = "X";
		var.value = hostile[i];
		env = output_env(sh, &var, 1, 0);
		assert_non_null(env);
		if (via_eval) {
			write_file(envpath, env);
			script = xasprintf("X=unset\neval \"$(cat '%s')\"\n"
			    "printf '%%s' \"$X\"\n", envpath);
		} else
			script = xasprintf("%sprintf '%%s' \"$X\"\n", env);
		write_file(scriptpath, script);
		out = run_capture(argv, &len);
		if (len != strlen(hostile[i]) ||
		    memcmp(out, hostile[i], len) != 0)
			fail_differ(path, hostile[i], strlen(hostile[i]), out,
			    len);
		free(out);
		free(script);
		secret_free(env);
	}
	unlink(envpath);
	unlink(scriptpath);
	free(envpath);
	free(scriptpath);
}

/* /bin/sh (dash on Debian) reads sh quoting back exactly. */
static void
test_eval_sh(void **state)
{
	(void)state;
	shell_eval("/bin/sh", NULL, SHELL_SH, 0);
	shell_eval("/bin/sh", NULL, SHELL_SH, 1);
}

/* bash reads sh quoting back exactly. */
static void
test_eval_bash(void **state)
{
	(void)state;
	shell_eval("/usr/bin/bash", NULL, SHELL_SH, 0);
	shell_eval("/usr/bin/bash", NULL, SHELL_SH, 1);
}

/* zsh reads sh quoting back exactly. */
static void
test_eval_zsh(void **state)
{
	(void)state;
	shell_eval("/usr/bin/zsh", "-f", SHELL_SH, 1);
}

/* ksh reads sh quoting back exactly. */
static void
test_eval_ksh(void **state)
{
	(void)state;
	shell_eval("/usr/bin/ksh", NULL, SHELL_SH, 1);
}

/* fish reads fish quoting back exactly. */
static void
test_eval_fish(void **state)
{
	(void)state;
	shell_eval("/usr/bin/fish", "--no-config", SHELL_FISH, 0);
}

/* tcsh reads csh quoting back exactly. */
static void
test_eval_tcsh(void **state)
{
	(void)state;
	shell_eval(access("/usr/bin/tcsh", X_OK) == 0 ? "/usr/bin/tcsh" :
	    "/bin/tcsh", "-f", SHELL_CSH, 0);
}

/* The variables `env` prints, in the order it prints them. */
static const struct env_var env_vars[] = {
	{ "OPENAI_API_KEY", "ya29.a0AfH6SM-x_y~z+/==" },
	{ "OPENAI_BASE_URL", "https://h/v1/projects/p/endpoints/openapi" },
	{ "VTOKEN_EXPIRES_AT", "2026-11-22T04:00:00Z" },
};

/* Each dialect's lines, byte for byte, setting and removing. */
static void
test_env_forms(void **state)
{
	static const struct {
		enum shell	 sh;
		int		 unset;
		const char	*want;
	} t[] = {
		{ SHELL_SH, 0,
		    "export OPENAI_API_KEY='ya29.a0AfH6SM-x_y~z+/=='\n"
		    "export OPENAI_BASE_URL="
		    "'https://h/v1/projects/p/endpoints/openapi'\n"
		    "export VTOKEN_EXPIRES_AT='2026-11-22T04:00:00Z'\n" },
		{ SHELL_SH, 1,
		    "unset OPENAI_API_KEY\n"
		    "unset OPENAI_BASE_URL\n"
		    "unset VTOKEN_EXPIRES_AT\n" },
		{ SHELL_FISH, 0,
		    "set -gx OPENAI_API_KEY 'ya29.a0AfH6SM-x_y~z+/==';\n"
		    "set -gx OPENAI_BASE_URL "
		    "'https://h/v1/projects/p/endpoints/openapi';\n"
		    "set -gx VTOKEN_EXPIRES_AT '2026-11-22T04:00:00Z';\n" },
		{ SHELL_FISH, 1,
		    "set -e OPENAI_API_KEY;\n"
		    "set -e OPENAI_BASE_URL;\n"
		    "set -e VTOKEN_EXPIRES_AT;\n" },
		{ SHELL_CSH, 0,
		    "setenv OPENAI_API_KEY 'ya29.a0AfH6SM-x_y~z+/==';\n"
		    "setenv OPENAI_BASE_URL "
		    "'https://h/v1/projects/p/endpoints/openapi';\n"
		    "setenv VTOKEN_EXPIRES_AT '2026-11-22T04:00:00Z';\n" },
		{ SHELL_CSH, 1,
		    "unsetenv OPENAI_API_KEY;\n"
		    "unsetenv OPENAI_BASE_URL;\n"
		    "unsetenv VTOKEN_EXPIRES_AT;\n" },
		{ SHELL_POWERSHELL, 0,
		    "$env:OPENAI_API_KEY = 'ya29.a0AfH6SM-x_y~z+/=='\n"
		    "$env:OPENAI_BASE_URL = "
		    "'https://h/v1/projects/p/endpoints/openapi'\n"
		    "$env:VTOKEN_EXPIRES_AT = '2026-11-22T04:00:00Z'\n" },
		{ SHELL_POWERSHELL, 1,
		    "Remove-Item Env:OPENAI_API_KEY "
		    "-ErrorAction SilentlyContinue\n"
		    "Remove-Item Env:OPENAI_BASE_URL "
		    "-ErrorAction SilentlyContinue\n"
		    "Remove-Item Env:VTOKEN_EXPIRES_AT "
		    "-ErrorAction SilentlyContinue\n" },
		{ SHELL_DOTENV, 0,
		    "OPENAI_API_KEY='ya29.a0AfH6SM-x_y~z+/=='\n"
		    "OPENAI_BASE_URL="
		    "'https://h/v1/projects/p/endpoints/openapi'\n"
		    "VTOKEN_EXPIRES_AT='2026-11-22T04:00:00Z'\n" },
		{ SHELL_DOTENV, 1,
		    "OPENAI_API_KEY=\n"
		    "OPENAI_BASE_URL=\n"
		    "VTOKEN_EXPIRES_AT=\n" },
		{ SHELL_JSON, 0,
		    "{\"OPENAI_API_KEY\": \"ya29.a0AfH6SM-x_y~z+/==\", "
		    "\"OPENAI_BASE_URL\": "
		    "\"https://h/v1/projects/p/endpoints/openapi\", "
		    "\"VTOKEN_EXPIRES_AT\": \"2026-11-22T04:00:00Z\"}\n" },
		{ SHELL_JSON, 1,
		    "{\"OPENAI_API_KEY\": null, \"OPENAI_BASE_URL\": null, "
		    "\"VTOKEN_EXPIRES_AT\": null}\n" },
	};
	char	*out;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		out = output_env(t[i].sh, env_vars, 3, t[i].unset);
		assert_non_null(out);
		if (strcmp(out, t[i].want) != 0)
			fail_differ("output_env", t[i].want, strlen(t[i].want),
			    out, strlen(out));
		secret_free(out);
	}
}

/* json output is one object json-c reads, keys in our order. */
static void
test_env_json(void **state)
{
	static const struct env_var	 vars[] = {
		{ "B", "x\"y\\z\n" },
		{ "A", NULL },
		{ "C", "\xc3\xa9" },
	};
	struct json_object		*o;
	size_t				 i = 0;
	char				*out;

	(void)state;
	out = output_env(SHELL_JSON, vars, 3, 0);
	assert_non_null(out);
	assert_string_equal(out,
	    "{\"B\": \"x\\\"y\\\\z\\n\", \"A\": null, \"C\": \"\xc3\xa9\"}\n");
	o = json_tokener_parse(out);
	assert_non_null(o);
	json_object_object_foreach(o, key, val) {
		assert_true(i < 3);
		assert_string_equal(key, vars[i].name);
		if (vars[i].value == NULL)
			assert_null(val);
		else
			assert_string_equal(json_object_get_string(val),
			    vars[i].value);
		i++;
	}
	assert_int_equal(i, 3);
	json_object_put(o);
	secret_free(out);
}

/* Bad names, repeats, unquotable values and NULL values. */
static void
test_env_edges(void **state)
{
	static const char *const bad_names[] = {
		"", "1X", "X-Y", "X Y", "X;rm", "X=", "$X", "X\n", "\xc3\xa9"
	};
	struct env_var	 v[2];
	char		*out;
	size_t		 i, s;

	(void)state;
	for (s = 0; s < NSHELLS; s++) {
		for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
			v[0].name = bad_names[i];
			v[0].value = "x";
			assert_null(output_env(all_shells[s], v, 1, 0));
			assert_null(output_env(all_shells[s], v, 1, 1));
		}
		v[0].name = NULL;
		v[0].value = "x";
		assert_null(output_env(all_shells[s], v, 1, 0));

		/* A repeated name. */
		v[0].name = v[1].name = "X";
		v[0].value = v[1].value = "x";
		assert_null(output_env(all_shells[s], v, 2, 0));
		assert_null(output_env(all_shells[s], v, 2, 1));

		/* An unquotable value fails the whole output... */
		v[0].name = "A";
		v[1].name = "B";
		v[0].value = "ok";
		v[1].value = all_shells[s] == SHELL_JSON ? "\xff" : "a\nb";
		assert_null(output_env(all_shells[s], v, 2, 0));
		/* ...but not a removal, whose value is not printed. */
		out = output_env(all_shells[s], v, 2, 1);
		assert_non_null(out);
		secret_free(out);

		/* Nothing to print. */
		out = output_env(all_shells[s], NULL, 0, 0);
		assert_non_null(out);
		assert_string_equal(out,
		    all_shells[s] == SHELL_JSON ? "{}\n" : "");
		secret_free(out);
	}

	/* A NULL value prints the removal line. */
	v[0].name = "A";
	v[0].value = "a";
	v[1].name = "B";
	v[1].value = NULL;
	out = output_env(SHELL_SH, v, 2, 0);
	assert_string_equal(out, "export A='a'\nunset B\n");
	secret_free(out);
	out = output_env(SHELL_FISH, v, 2, 0);
	assert_string_equal(out, "set -gx A 'a';\nset -e B;\n");
	secret_free(out);
	out = output_env(SHELL_DOTENV, v, 2, 0);
	assert_string_equal(out, "A='a'\nB=\n");
	secret_free(out);
	out = output_env(SHELL_JSON, v, 2, 0);
	assert_string_equal(out, "{\"A\": \"a\", \"B\": null}\n");
	secret_free(out);

	/* Names are not quoted, so a quote in one is refused. */
	v[0].name = "A'";
	assert_null(output_env(SHELL_SH, v, 1, 0));
	assert_null(output_env(SHELL_SH, NULL, 1, 0));
}

/* Formatting: UTC with Z, four-digit years, short buffers refused. */
static void
test_rfc3339_format(void **state)
{
	static const struct {
		time_t		 t;
		const char	*want;
	} t[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 1709208000, "2024-02-29T12:00:00Z" },
		{ 1795320000, "2026-11-22T04:00:00Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ (time_t)253402300799LL, "9999-12-31T23:59:59Z" },
	};
	char	buf[32];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_ptr_equal(output_rfc3339(t[i].t, buf, sizeof buf), buf);
		assert_string_equal(buf, t[i].want);
	}
	assert_non_null(output_rfc3339(0, buf, 21));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_null(output_rfc3339(0, buf, 20));
	assert_null(output_rfc3339(0, NULL, 32));
	assert_null(output_rfc3339((time_t)253402300800LL, buf, sizeof buf));
}

/* Parsing: the RFC's own examples, calendars, offsets and garbage. */
static void
test_rfc3339_parse(void **state)
{
	static const struct {
		const char	*s;
		int		 r;
		long long	 t;
	} t[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "1969-12-31T23:59:59Z", 0, -1 },
		{ "2026-11-22T04:00:00Z", 0, 1795320000 },
		{ "2026-11-22t04:00:00z", 0, 1795320000 },
		{ "2026-11-22T04:00:00+00:00", 0, 1795320000 },
		{ "2026-11-22T04:00:00-00:00", 0, 1795320000 },
		{ "2026-11-22T09:30:00+05:30", 0, 1795320000 },
		{ "2026-11-21T22:00:00-06:00", 0, 1795320000 },
		{ "2026-11-22T04:00:00.999999999Z", 0, 1795320000 },
		{ "2026-11-22T04:00:00.5+00:00", 0, 1795320000 },
		{ "1985-04-12T23:20:50.52Z", 0, 482196050 },
		{ "1996-12-19T16:39:57-08:00", 0, 851042397 },
		{ "1990-12-31T23:59:60Z", 0, 662688000 },
		{ "1990-12-31T15:59:60-08:00", 0, 662688000 },
		{ "1937-01-01T12:00:27.87+00:20", 0, -1041337173 },
		{ "2024-02-29T12:00:00Z", 0, 1709208000 },
		{ "2000-02-29T00:00:00Z", 0, 951782400 },
		{ "9999-12-31T23:59:59Z", 0, 253402300799LL },
		{ "2023-02-29T00:00:00Z", -1, 0 },
		{ "1900-02-29T00:00:00Z", -1, 0 },
		{ "2024-02-30T00:00:00Z", -1, 0 },
		{ "2024-04-31T00:00:00Z", -1, 0 },
		{ "2024-00-10T00:00:00Z", -1, 0 },
		{ "2024-13-10T00:00:00Z", -1, 0 },
		{ "2024-01-00T00:00:00Z", -1, 0 },
		{ "2024-01-32T00:00:00Z", -1, 0 },
		{ "2024-01-01T24:00:00Z", -1, 0 },
		{ "2024-01-01T00:60:00Z", -1, 0 },
		{ "2024-01-01T00:00:61Z", -1, 0 },
		{ "2024-01-01T00:00:00+24:00", -1, 0 },
		{ "2024-01-01T00:00:00+00:60", -1, 0 },
		{ "2024-01-01T00:00:00", -1, 0 },
		{ "2024-01-01 00:00:00Z", -1, 0 },
		{ "2024-01-01T00:00:00ZZ", -1, 0 },
		{ "2024-01-01T00:00:00Z ", -1, 0 },
		{ " 2024-01-01T00:00:00Z", -1, 0 },
		{ "2024-01-01T00:00:00.Z", -1, 0 },
		{ "2024-01-01T00:00:00.", -1, 0 },
		{ "2024-01-01T00:00:00+0000", -1, 0 },
		{ "2024-01-01T00:00:00+00", -1, 0 },
		{ "2024-01-01T00:00:00+00:0", -1, 0 },
		{ "2024-01-01T00:00Z", -1, 0 },
		{ "2024-1-01T00:00:00Z", -1, 0 },
		{ "+2024-01-01T00:00:00Z", -1, 0 },
		{ "2024-01-01T0a:00:00Z", -1, 0 },
		{ "2024-01-01T-1:00:00Z", -1, 0 },
		{ "2024-01-01T 1:00:00Z", -1, 0 },
		{ "2024/01/01T00:00:00Z", -1, 0 },
		{ "20240101T000000Z", -1, 0 },
		{ "", -1, 0 },
		{ "2024", -1, 0 },
		{ "garbage", -1, 0 },
		{ "1700000000", -1, 0 },
	};
	time_t	tt;
	size_t	i;
	char	buf[32];

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		tt = 12345;
		if (output_parse_rfc3339(t[i].s, &tt) != t[i].r)
			fail_differ("parse result", t[i].r == 0 ? "ok" : "fail",
			    t[i].r == 0 ? 2 : 4, t[i].s, strlen(t[i].s));
		assert_int_equal((long long)tt, t[i].t);
	}
	assert_int_equal(output_parse_rfc3339(NULL, &tt), -1);
	assert_int_equal(output_parse_rfc3339("2024-01-01T00:00:00Z", NULL),
	    -1);

	/* Round trip through the formatter. */
	for (tt = -86400 * 365; tt < 4102444800LL; tt += 86400 * 37 + 3607) {
		time_t	back;

		assert_non_null(output_rfc3339(tt, buf, sizeof buf));
		assert_int_equal(output_parse_rfc3339(buf, &back), 0);
		assert_int_equal((long long)back, (long long)tt);
	}
}

/* Make the directory the shell tests run in. */
static int
setup(void **state)
{
	const char	*base;

	(void)state;
	if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	tmpdir = xasprintf("%s/vtoken-test-output.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL) {
		free(tmpdir);
		tmpdir = NULL;
		return -1;
	}
	return 0;
}

/* Remove it, and anything the shells left in it. */
static int
teardown(void **state)
{
	(void)state;
	if (tmpdir != NULL)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_valid),
		cmocka_unit_test(test_shell_parse),
		cmocka_unit_test(test_varname),
		cmocka_unit_test(test_quote_expected),
		cmocka_unit_test(test_quote_controls),
		cmocka_unit_test(test_quote_roundtrip),
		cmocka_unit_test(test_quote_json),
		cmocka_unit_test(test_quote_long),
		cmocka_unit_test(test_eval_sh),
		cmocka_unit_test(test_eval_bash),
		cmocka_unit_test(test_eval_zsh),
		cmocka_unit_test(test_eval_ksh),
		cmocka_unit_test(test_eval_fish),
		cmocka_unit_test(test_eval_tcsh),
		cmocka_unit_test(test_env_forms),
		cmocka_unit_test(test_env_json),
		cmocka_unit_test(test_env_edges),
		cmocka_unit_test(test_rfc3339_format),
		cmocka_unit_test(test_rfc3339_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
