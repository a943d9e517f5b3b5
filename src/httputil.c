/*
 * httputil.c: the parts of http.h that need no libcurl, for the program's
 * callers: form encoding and releasing a response.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vtoken.h"
#include "http.h"
#include "secret.h"
#include "xmalloc.h"

/* Escape everything but RFC 3986 unreserved characters, as curl does. */
static char *
form_escape(const char *s)
{
	char	*g, *out;

	g = g_uri_escape_string(s, NULL, FALSE);
	out = xstrdup(g);
	secret_wipe(g, strlen(g));
	g_free(g);
	return out;
}

/* Build an x-www-form-urlencoded body, sized exactly. */
char *
http_form_encode(const char *const *kv)
{
	char	**esc, *out, *p;
	size_t	  n, i, total, l;

	/* kv ends with a NULL name; a NULL value only drops its pair. */
	for (n = 0; kv[n] != NULL; n += 2)
		;
	esc = xcalloc(n + 1, sizeof *esc);
	total = 0;
	for (i = 0; i < n; i += 2) {
		if (kv[i + 1] == NULL || *kv[i + 1] == '\0')
			continue;
		esc[i] = form_escape(kv[i]);
		esc[i + 1] = form_escape(kv[i + 1]);
		total += strlen(esc[i]) + 1 + strlen(esc[i + 1]) + 1;
	}
	/* Sized exactly: the body may hold secrets and is never grown. */
	p = out = xmalloc(total + 1);
	for (i = 0; i < n; i += 2) {
		if (esc[i] == NULL)
			continue;
		if (p != out)
			*p++ = '&';
		l = strlen(esc[i]);
		memcpy(p, esc[i], l);
		p += l;
		*p++ = '=';
		l = strlen(esc[i + 1]);
		memcpy(p, esc[i + 1], l);
		p += l;
		free(esc[i]);
		secret_free(esc[i + 1]);
	}
	*p = '\0';
	free(esc);
	return out;
}

void
http_response_release(struct http_response *resp)
{
	if (resp == NULL)
		return;
	if (resp->body != NULL)
		secret_freezero(resp->body, resp->len + 1);
	free(resp->content_type);
	memset(resp, 0, sizeof *resp);
}
