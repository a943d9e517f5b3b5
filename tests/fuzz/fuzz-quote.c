/*
 * fuzz-quote: `env`'s quoting (output_quote, output_env) for every
 * --shell.  Property (a round trip): whatever the value, its quoted form,
 * read back by that shell's own rules, is the value; or the value is
 * refused.  The readers below are written from each shell's manual, not
 * from output.c, and refuse anything the shell would expand.  The first
 * byte picks the shell; the rest, up to a NUL, is the value.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "fuzz.h"
#include "log.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

/*
 * POSIX sh: '...' is literal; outside quotes, \c is c.  Also csh, where
 * '!' is expanded even inside single quotes unless escaped (\! inside
 * them reads as !), and where tcsh's backslash_quote would make any other
 * backslash inside quotes an escape: we refuse those, as ambiguous.
 * Any other unquoted character might be special: refused.
 */
static char *
read_sh(const char *q, int csh)
{
	char	*v, *o;
	int	 in = 0;

	o = v = xmalloc(strlen(q) + 1);
	for (; *q != '\0'; q++) {
		if (in) {
			if (*q == '\'')
				in = 0;
			else if (csh && *q == '!')
				goto bad;
			else if (csh && *q == '\\') {
				if (q[1] != '!')
					goto bad;
				*o++ = *++q;
			} else
				*o++ = *q;
		} else if (*q == '\'')
			in = 1;
		else if (*q == '\\' && q[1] != '\0')
			*o++ = *++q;
		else
			goto bad;
	}
	if (in)
		goto bad;
	*o = '\0';
	return v;
bad:
	free(v);
	return NULL;
}

/*
 * fish, and dotenv (python-dotenv, docker compose): one '...' word in
 * which \' and \\ are escapes and any other backslash is literal.
 */
static char *
read_quoted_escapes(const char *q)
{
	size_t	 n = strlen(q);
	char	*v, *o;

	if (n < 2 || q[0] != '\'' || q[n - 1] != '\'')
		return NULL;
	o = v = xmalloc(n);
	for (q++, n -= 2; n > 0; q++, n--) {
		if (*q == '\\' && n > 1 && (q[1] == '\'' || q[1] == '\\')) {
			*o++ = *++q;
			n--;
		} else if (*q == '\'') {
			free(v);
			return NULL;
		} else
			*o++ = *q;
	}
	*o = '\0';
	return v;
}

/* PowerShell: one '...' word, '' is a quote; ASCII only (see output.h). */
static char *
read_powershell(const char *q)
{
	size_t	 n = strlen(q);
	char	*v, *o;

	if (n < 2 || q[0] != '\'' || q[n - 1] != '\'')
		return NULL;
	o = v = xmalloc(n);
	for (q++, n -= 2; n > 0; q++, n--) {
		if ((unsigned char)*q >= 0x80)
			goto bad;
		if (*q == '\'') {
			if (n < 2 || q[1] != '\'')
				goto bad;
			q++;
			n--;
		}
		*o++ = *q;
	}
	*o = '\0';
	return v;
bad:
	free(v);
	return NULL;
}

/* JSON: json-c reads the string. */
static char *
read_json(const char *q)
{
	struct json_object	*o;
	char			*v = NULL;

	if ((o = json_tokener_parse(q)) == NULL)
		return NULL;
	if (json_object_is_type(o, json_type_string) &&
	    strlen(json_object_get_string(o)) ==
	    (size_t)json_object_get_string_len(o))
		v = xstrdup(json_object_get_string(o));
	json_object_put(o);
	return v;
}

static char *
read_back(enum shell sh, const char *q)
{
	switch (sh) {
	case SHELL_SH:
		return read_sh(q, 0);
	case SHELL_CSH:
		return read_sh(q, 1);
	case SHELL_FISH:
		return read_quoted_escapes(q);
	case SHELL_POWERSHELL:
		return read_powershell(q);
	case SHELL_DOTENV:
		return read_quoted_escapes(q);
	case SHELL_JSON:
		return read_json(q);
	}
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct env_var	 vars[2];
	enum shell	 sh;
	const char	*p;
	char		*value, *q, *back, *lines;

	if (size == 0)
		return 0;
	log_init(-1);
	sh = (enum shell)(data[0] % (SHELL_JSON + 1));
	value = fuzz_cstr(data + 1, size - 1);
	if ((q = output_quote(sh, value)) != NULL) {
		back = read_back(sh, q);
		fuzz_assert(back != NULL, "the quoted form reads back");
		fuzz_assert(strcmp(back, value) == 0,
		    "the quoted form reads back as the value");
		free(back);
		if (sh != SHELL_JSON)
			for (p = q; *p != '\0'; p++)
				fuzz_assert((unsigned char)*p >= 0x20 &&
				    *p != 0x7f, "no control character");
	}
	vars[0].name = "OPENAI_API_KEY";
	vars[0].value = value;
	vars[1].name = "VTOKEN_EXPIRES_AT";
	vars[1].value = NULL;
	lines = output_env(sh, vars, 2, 0);
	fuzz_assert((lines == NULL) == (q == NULL),
	    "env renders exactly the values quote accepts");
	secret_free(lines);
	lines = output_env(sh, vars, 2, 1);
	fuzz_assert(lines != NULL, "removals always render");
	secret_free(lines);
	secret_free(q);
	secret_free(value);
	return 0;
}
