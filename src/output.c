/*
 * output.c: everything that reaches stdout in a form another program
 * parses: token validation, shell quoting for each --shell, RFC 3339 times.
 *
 * `eval "$(vtoken env)"` runs our output as code, so every value is
 * single-quoted for its shell and anything a shell would still interpret
 * there (control characters, csh's '!', PowerShell's other quote
 * characters) is escaped or refused.  Quoted values are secrets: they are
 * sized first and written once, never grown by realloc(), and wiped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

/* Longest environment variable name we print. */
#define OUTPUT_VARNAME_MAX	128

/* How one shell spells setting and removing a variable. */
struct env_form {
	const char	*set_pre;	/* before NAME */
	const char	*set_mid;	/* between NAME and the quoted value */
	const char	*set_post;	/* after the value */
	const char	*unset_pre;
	const char	*unset_post;
};

/* Indexed by enum shell; SHELL_JSON is built separately. */
static const struct env_form env_forms[] = {
	[SHELL_SH] = { "export ", "=", "\n", "unset ", "\n" },
	[SHELL_FISH] = { "set -gx ", " ", ";\n", "set -e ", ";\n" },
	[SHELL_CSH] = { "setenv ", " ", ";\n", "unsetenv ", ";\n" },
	[SHELL_POWERSHELL] = { "$env:", " = ", "\n", "Remove-Item Env:",
	    " -ErrorAction SilentlyContinue\n" },
	[SHELL_DOTENV] = { "", "=", "\n", "", "=\n" },
	[SHELL_JSON] = { NULL, NULL, NULL, NULL, NULL },
};

static const struct {
	const char	*name;
	enum shell	 shell;
} shell_names[] = {
	{ "sh", SHELL_SH },
	{ "bash", SHELL_SH },
	{ "zsh", SHELL_SH },
	{ "ksh", SHELL_SH },
	{ "dash", SHELL_SH },
	{ "fish", SHELL_FISH },
	{ "csh", SHELL_CSH },
	{ "tcsh", SHELL_CSH },
	{ "powershell", SHELL_POWERSHELL },
	{ "pwsh", SHELL_POWERSHELL },
	{ "dotenv", SHELL_DOTENV },
	{ "json", SHELL_JSON },
};

/* RFC 6750 b64token characters other than '=', without the C locale's help. */
static int
output_b64token_char(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
	    c == '/';
}

/* Only RFC 6750 characters may reach an eval'd line or an HTTP header. */
int
output_token_valid(const char *tok)
{
	size_t	len, i;

	if (tok == NULL)
		return 0;
	len = strnlen(tok, VT_TOKEN_MAX + 1);
	if (len == 0 || len > VT_TOKEN_MAX)
		return 0;
	for (i = 0; i < len && output_b64token_char((unsigned char)tok[i]); i++)
		;
	/* At least one token character, then only a run of '='. */
	if (i == 0)
		return 0;
	while (i < len && tok[i] == '=')
		i++;
	return i == len;
}

/* Map a --shell name to the quoting rules it needs; exact names only. */
int
output_shell_parse(const char *name, enum shell *out)
{
	size_t	i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof shell_names / sizeof shell_names[0]; i++) {
		if (strcmp(name, shell_names[i].name) == 0) {
			if (out != NULL)
				*out = shell_names[i].shell;
			return 0;
		}
	}
	return -1;
}

/* A name every shell accepts unquoted, so it never needs quoting. */
int
output_valid_varname(const char *name)
{
	size_t	i;
	char	c;

	if (name == NULL || name[0] == '\0' ||
	    (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= OUTPUT_VARNAME_MAX)
			return 0;
		c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* JSON must be UTF-8 (RFC 8259): 1 if s is well-formed, shortest-form UTF-8. */
static int
output_utf8_valid(const unsigned char *s)
{
	unsigned int	cp, min;
	size_t		n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
			min = 0x80;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
			min = 0x800;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
			min = 0x10000;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			/* A NUL fails this test, so we never read past it. */
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

/* Whether value can be quoted for sh at all: 0 if so, -1 to refuse it. */
static int
output_quote_check(enum shell sh, const char *value)
{
	const unsigned char	*p;

	if (sh == SHELL_JSON)
		return output_utf8_valid((const unsigned char *)value) ? 0 : -1;
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		/* A newline ends a dotenv or csh line; no shell needs them. */
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		/*
		 * python-dotenv reads \\ and \' in single quotes as escapes,
		 * and a dotenv single-quoted value cannot hold a quote.
		 */
		if (sh == SHELL_DOTENV && (*p == '\'' || *p == '\\'))
			return -1;
		/*
		 * PowerShell also ends a single-quoted string at U+2018..201B,
		 * and Windows PowerShell may decode our bytes in a legacy code
		 * page where 0x91 and 0x92 are those quotes.  Values we print
		 * are ASCII, so refuse every non-ASCII byte.
		 */
		if (sh == SHELL_POWERSHELL && *p >= 0x80)
			return -1;
	}
	return 0;
}

/* Copy n bytes to out + *pos (when out is not NULL) and advance *pos. */
static void
output_emit(char *out, size_t *pos, const char *s, size_t n)
{
	if (out != NULL)
		memcpy(out + *pos, s, n);
	*pos += n;
}

/* output_emit() of a C string. */
static void
output_emits(char *out, size_t *pos, const char *s)
{
	output_emit(out, pos, s, strlen(s));
}

/*
 * Write value quoted for sh at out (or only count, when out is NULL) and
 * return the length; sized and written by the same code so they agree.
 * The value has passed output_quote_check().
 */
static size_t
output_quote_render(enum shell sh, const char *value, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	char			 esc[6];
	size_t			 pos = 0;

	output_emits(out, &pos, sh == SHELL_JSON ? "\"" : "'");
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		switch (sh) {
		case SHELL_SH:
		case SHELL_CSH:
			if (*p == '\'')
				output_emits(out, &pos, "'\\''");
			else if (sh == SHELL_CSH && *p == '!')
				/* History expansion happens even in quotes. */
				output_emits(out, &pos, "\\!");
			else if (sh == SHELL_CSH && *p == '\\')
				/*
				 * With tcsh's backslash_quote set, \' and \\
				 * are escapes inside quotes too: a backslash
				 * goes outside them, where it always is one.
				 */
				output_emits(out, &pos, "'\\\\'");
			else
				output_emit(out, &pos, (const char *)p, 1);
			break;
		case SHELL_FISH:
			if (*p == '\'' || *p == '\\')
				output_emits(out, &pos, "\\");
			output_emit(out, &pos, (const char *)p, 1);
			break;
		case SHELL_POWERSHELL:
			if (*p == '\'')
				output_emits(out, &pos, "'");
			output_emit(out, &pos, (const char *)p, 1);
			break;
		case SHELL_DOTENV:
			output_emit(out, &pos, (const char *)p, 1);
			break;
		case SHELL_JSON:
			if (*p == '"' || *p == '\\') {
				output_emits(out, &pos, "\\");
				output_emit(out, &pos, (const char *)p, 1);
			} else if (*p == '\n')
				output_emits(out, &pos, "\\n");
			else if (*p == '\r')
				output_emits(out, &pos, "\\r");
			else if (*p == '\t')
				output_emits(out, &pos, "\\t");
			else if (*p < 0x20 || *p == 0x7f) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 0xf];
				output_emit(out, &pos, esc, sizeof esc);
			} else
				output_emit(out, &pos, (const char *)p, 1);
			break;
		}
	}
	output_emits(out, &pos, sh == SHELL_JSON ? "\"" : "'");
	return pos;
}

/* Quote one value, sized first so the secret is never reallocated. */
char *
output_quote(enum shell sh, const char *value)
{
	char	*out;
	size_t	 len;

	if (value == NULL || (unsigned int)sh > SHELL_JSON)
		return NULL;
	if (output_quote_check(sh, value) != 0)
		return NULL;
	len = output_quote_render(sh, value, NULL);
	out = xmalloc(len + 1);
	if (output_quote_render(sh, value, out) != len)
		abort();
	out[len] = '\0';
	return out;
}

/*
 * Write the lines for vars at out (or only count, when out is NULL) and
 * return the length.  quoted[i] is vars[i]'s quoted value, or NULL for a
 * removal.
 */
static size_t
output_env_render(enum shell sh, const struct env_var *vars,
    char *const *quoted, size_t n, char *out)
{
	const struct env_form	*f = &env_forms[sh];
	size_t			 pos = 0, i;

	if (sh == SHELL_JSON) {
		output_emits(out, &pos, "{");
		for (i = 0; i < n; i++) {
			if (i > 0)
				output_emits(out, &pos, ", ");
			/* Valid variable names need no JSON escaping. */
			output_emits(out, &pos, "\"");
			output_emits(out, &pos, vars[i].name);
			output_emits(out, &pos, "\": ");
			output_emits(out, &pos,
			    quoted[i] != NULL ? quoted[i] : "null");
		}
		output_emits(out, &pos, "}\n");
		return pos;
	}
	for (i = 0; i < n; i++) {
		if (quoted[i] == NULL) {
			output_emits(out, &pos, f->unset_pre);
			output_emits(out, &pos, vars[i].name);
			output_emits(out, &pos, f->unset_post);
		} else {
			output_emits(out, &pos, f->set_pre);
			output_emits(out, &pos, vars[i].name);
			output_emits(out, &pos, f->set_mid);
			output_emits(out, &pos, quoted[i]);
			output_emits(out, &pos, f->set_post);
		}
	}
	return pos;
}

/* All the lines of `env`, in one allocation whose pieces are wiped. */
char *
output_env(enum shell sh, const struct env_var *vars, size_t n, int unset)
{
	char	**quoted = NULL, *out = NULL;
	size_t	  i, j, len;

	if ((unsigned int)sh > SHELL_JSON || (vars == NULL && n != 0))
		return NULL;
	quoted = xcalloc(n == 0 ? 1 : n, sizeof *quoted);
	for (i = 0; i < n; i++) {
		if (!output_valid_varname(vars[i].name))
			goto out;
		/* A repeated name makes the JSON ambiguous, and is a bug. */
		for (j = 0; j < i; j++) {
			if (strcmp(vars[i].name, vars[j].name) == 0)
				goto out;
		}
		if (unset || vars[i].value == NULL)
			continue;
		if ((quoted[i] = output_quote(sh, vars[i].value)) == NULL)
			goto out;
	}
	len = output_env_render(sh, vars, quoted, n, NULL);
	out = xmalloc(len + 1);
	if (output_env_render(sh, vars, quoted, n, out) != len)
		abort();
	out[len] = '\0';
out:
	for (i = 0; i < n; i++)
		secret_free(quoted[i]);
	free(quoted);
	return out;
}

/* UTC with a Z, as VTOKEN_EXPIRES_AT and --json print it. */
const char *
output_rfc3339(time_t t, char *buf, size_t bufsz)
{
	struct tm	tm;
	int		r;

	if (buf == NULL || bufsz < 21)
		return NULL;
	buf[0] = '\0';
	/* RFC 3339 years have four digits. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return NULL;
	r = snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (r < 0 || (size_t)r >= bufsz) {
		buf[0] = '\0';
		return NULL;
	}
	return buf;
}

/* Read exactly n decimal digits: strict, no sign, no spaces. */
static int
output_digits(const char *s, size_t n, int *out)
{
	size_t	i;
	int	v = 0;

	for (i = 0; i < n; i++) {
		/* A NUL is not a digit, so we never read past it. */
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days in month mon (1-12) of year, Gregorian leap years included. */
static int
output_mdays(int year, int mon)
{
	static const int	days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mon == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return 29;
	return days[mon - 1];
}

/* Strict RFC 3339, for expiry times read back from caches and replies. */
int
output_parse_rfc3339(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*p;
	time_t		 t;
	int		 year, mon, day, hour, min, sec;
	int		 oh = 0, om = 0, sign = 0;

	if (out != NULL)
		*out = 0;
	if (s == NULL || out == NULL)
		return -1;
	/* Each test fails on the NUL, so a short string stops in time. */
	if (output_digits(s, 4, &year) != 0 || s[4] != '-' ||
	    output_digits(s + 5, 2, &mon) != 0 || s[7] != '-' ||
	    output_digits(s + 8, 2, &day) != 0 ||
	    (s[10] != 'T' && s[10] != 't') ||
	    output_digits(s + 11, 2, &hour) != 0 || s[13] != ':' ||
	    output_digits(s + 14, 2, &min) != 0 || s[16] != ':' ||
	    output_digits(s + 17, 2, &sec) != 0)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (output_digits(p + 1, 2, &oh) != 0 || p[3] != ':' ||
		    output_digits(p + 4, 2, &om) != 0)
			return -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > output_mdays(year, mon) ||
	    hour > 23 || min > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;	/* a leap second's 60 becomes the next minute */
	errno = 0;
	t = timegm(&tm);
	if (t == (time_t)-1 && errno != 0)
		return -1;
	/* Local time is UTC plus the offset. */
	*out = t - (time_t)sign * ((time_t)oh * 3600 + (time_t)om * 60);
	return 0;
}

time_t
output_client_expiry(time_t expires_at, time_t now)
{
	time_t	skew;

	skew = expires_at > now ? (expires_at - now) / 2 : 0;
	if (skew > 60)
		skew = 60;
	return expires_at - skew;
}
