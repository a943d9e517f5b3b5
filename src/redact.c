/*
 * redact.c: the -vvv trace's masking of secrets (redact.h), by the names
 * they stand under and by value.  Pure: used by http.c in the net module
 * and by the unit tests and fuzz-redact directly.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vtoken.h"
#include "redact.h"
#include "secret.h"
#include "xmalloc.h"

/* Headers whose values the -vvv trace masks. */
static const char *const redact_headers[] = {
	"Authorization",
	"Proxy-Authorization",
	"Cookie",
	"Set-Cookie",
	"X-Goog-Api-Key",
	"X-Goog-IAM-Authorization-Token",
	NULL
};

/* Form fields and JSON members whose values the -vvv trace masks. */
static const char *const redact_fields[] = {
	"access_token", "refresh_token", "id_token", "client_secret",
	"password", "code", "code_verifier", "device_code", "assertion",
	"subject_token", "actor_token", "private_key", "token", "accessToken",
	"saml_response", "key", "api_key",
	NULL
};

/* Case-insensitive match of a name in a NULL-terminated list. */
static int
redact_name_in(const char *const *list, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++) {
		if (strlen(list[i]) == len &&
		    strncasecmp(list[i], name, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * Redaction.  The scan runs twice: once with o->buf NULL to measure the
 * output, once to write it, so the result is allocated exactly.
 */
struct redact_out {
	char		*buf;
	size_t		 len;
};

/* A name whose value is masked. */
static int
redact_name(const char *name, size_t len)
{
	return redact_name_in(redact_fields, name, len);
}

/* Emit n bytes (or only count them). */
static void
redact_put(struct redact_out *o, const char *p, size_t n)
{
	if (o->buf != NULL && n != 0)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* Emit the mask that stands for n bytes of secret. */
static void
redact_mask(struct redact_out *o, size_t n)
{
	char	m[48];

	snprintf(m, sizeof m, "[redacted, %zu bytes]", n);
	redact_put(o, m, strlen(m));
}

/* 1 if c separates a form field from what precedes it. */
static int
redact_form_sep(char c)
{
	return c == '&' || c == '?' || c == ';' || c == ',' || c == ' ' ||
	    c == '\t';
}

/*
 * At line[i] == '"': a JSON member with a secret name and a string value?
 * Sets [*vs, *ve) to the value's bytes (an unterminated string runs to
 * the end of the data).
 */
static int
redact_json_at(const struct redact_out *o, const char *line, size_t n,
    size_t i, size_t *vs, size_t *ve)
{
	size_t	j, k;

	for (j = i + 1; j < n && line[j] != '"' && j - i <= 40; j++)
		;
	if (j >= n || line[j] != '"' || !redact_name(line + i + 1, j - i - 1))
		return 0;
	/* JSON's white space: a value may stand on the next line. */
	for (j++; j < n && strchr(" \t\r\n", line[j]) != NULL; j++)
		;
	if (j >= n || line[j] != ':')
		return 0;
	for (j++; j < n && strchr(" \t\r\n", line[j]) != NULL; j++)
		;
	if (j >= n || line[j] != '"')
		return 0;
	*vs = j + 1;
	for (k = *vs; k < n && line[k] != '"'; k++) {
		if (line[k] == '\\')
			k++;
	}
	*ve = k < n ? k : n;
	return *ve > *vs;
}

/*
 * At line[i]: a form field NAME=VALUE with a secret name?  The value runs
 * to the next '&' or whitespace.
 */
static int
redact_form_at(const struct redact_out *o, const char *line, size_t n,
    size_t i, size_t *vs, size_t *ve)
{
	size_t	j, k;
	char	c;

	for (j = i; j < n && j - i <= 40; j++) {
		c = line[j];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			break;
	}
	if (j == i || j >= n || line[j] != '=' || !redact_name(line + i, j - i))
		return 0;
	*vs = j + 1;
	for (k = *vs; k < n; k++) {
		c = line[k];
		if (c == '&' || c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n')
			break;
	}
	*ve = k;
	return *ve > *vs;
}

/* A header line with a secret value?  Masks all but the auth scheme. */
static int
redact_header(struct redact_out *o, const char *line, size_t n)
{
	size_t	i, hl, v, end, w;

	for (i = 0; redact_headers[i] != NULL; i++) {
		hl = strlen(redact_headers[i]);
		if (n > hl && line[hl] == ':' &&
		    strncasecmp(line, redact_headers[i], hl) == 0)
			break;
	}
	if (redact_headers[i] == NULL)
		return 0;
	for (v = hl + 1; v < n && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	end = n;
	if (end > v && line[end - 1] == '\r')
		end--;
	/*
	 * Keep "Bearer " or "Basic ": the scheme is not the secret.  Only
	 * those: any other first word might be the credential itself
	 * (found by fuzz-redact).
	 */
	if (strncasecmp(redact_headers[i], "Authorization", 13) == 0 ||
	    strncasecmp(redact_headers[i], "Proxy-Authorization",
	    19) == 0) {
		for (w = v; w < end && line[w] != ' '; w++)
			;
		if (w < end && ((w - v == 6 &&
		    strncasecmp(line + v, "Bearer", 6) == 0) ||
		    (w - v == 5 && strncasecmp(line + v, "Basic", 5) == 0))) {
			while (w < end && line[w] == ' ')
				w++;
			v = w;
		}
	}
	redact_put(o, line, v);
	redact_mask(o, end - v);
	redact_put(o, line + end, n - end);
	return 1;
}

/* At data[i]: a secret vtoken has read or received (secret_note)? */
static int
redact_noted_at(const char *data, size_t n, size_t i, size_t *vs,
    size_t *ve)
{
	const char *const	*v;
	const size_t		*len;
	size_t			 k, cnt;

	cnt = secret_notes(&v, &len);
	for (k = 0; k < cnt; k++) {
		if (len[k] <= n - i && data[i] == v[k][0] &&
		    memcmp(data + i, v[k], len[k]) == 0) {
			*vs = i;
			*ve = i + len[k];
			return 1;
		}
	}
	return 0;
}

/*
 * Mask every secret in data: header lines by name, JSON members and form
 * fields by name (a JSON value may stand on a later line), and every
 * secret vtoken knows by its value, wherever it stands.
 */
static void
redact_scan(struct redact_out *o, const char *data, size_t n)
{
	const char	*nl;
	size_t		 i = 0, vs, ve, eol;

	while (i < n) {
		if (i == 0 || data[i - 1] == '\n') {
			nl = memchr(data + i, '\n', n - i);
			eol = nl != NULL ? (size_t)(nl - data) : n;
			if (redact_header(o, data + i, eol - i)) {
				i = eol;
				continue;
			}
		}
		if ((data[i] == '"' &&
		    redact_json_at(o, data, n, i, &vs, &ve)) ||
		    ((i == 0 || redact_form_sep(data[i - 1]) ||
		    data[i - 1] == '\n') &&
		    redact_form_at(o, data, n, i, &vs, &ve))) {
			redact_put(o, data + i, vs - i);
			redact_mask(o, ve - vs);
			i = ve;
			continue;
		}
		if (redact_noted_at(data, n, i, &vs, &ve)) {
			redact_mask(o, ve - vs);
			i = ve;
			continue;
		}
		redact_put(o, data + i, 1);
		i++;
	}
}

/* Copy data with credentials masked (redact.h). */
char *
redact_trace(const char *data, size_t len)
{
	struct redact_out	o;

	memset(&o, 0, sizeof o);
	if (data == NULL)
		len = 0;
	redact_scan(&o, data, len);
	o.buf = xmalloc(o.len + 1);
	o.len = 0;
	redact_scan(&o, data, len);
	o.buf[o.len] = '\0';
	return o.buf;
}
