/*
 * gitcred.c: git's credential-helper protocol (git-credential(1)) and
 * the rule that decides which hosts may receive a token.
 *
 * Reading follows git's own credential_read(): lines split at the first
 * '=', a trailing CR dropped, url= clearing what came before and filling
 * the fields from the URL (credential_from_url()).  git writes its
 * strings with printf, so it never sends a NUL; one here means the input
 * is not git's, and the whole list is refused rather than cut short the
 * way a C string would cut it (a host "a.googleapis.com\0.evil" must not
 * become a Google host to one reader and another host to the next).
 *
 * The host rule is PRODUCT.md's: https only, Google's hosts on a dot
 * boundary, and the user's git_hosts entries, plain http only through a
 * loopback entry.  A host is checked as a whole before it is compared, so
 * nothing odd (userinfo, a path, a percent sign, a trailing dot) can make
 * one string mean two hosts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gitcred.h"
#include "output.h"
#include "url.h"
#include "secret.h"
#include "xmalloc.h"

/* Google's hosts: these names and every name under them. */
static const char *const gitcred_google[] = {
	"googleapis.com",
	"source.developers.google.com",
	"sourcemanager.dev",
	"pkg.dev",
	NULL
};

/* Replace *field with a copy of value, wiping the old one. */
static void
gitcred_set(char **field, const char *value)
{
	secret_free(*field);
	*field = xstrdup(value);
}

static void
gitcred_www_clear(struct gitcred *gc)
{
	size_t	i;

	for (i = 0; i < gc->nwwwauth; i++)
		free(gc->wwwauth[i]);
	free(gc->wwwauth);
	gc->wwwauth = NULL;
	gc->nwwwauth = 0;
}

void
gitcred_release(struct gitcred *gc)
{
	secret_free(gc->protocol);
	secret_free(gc->host);
	secret_free(gc->path);
	secret_free(gc->username);
	secret_free(gc->password);
	gitcred_www_clear(gc);
	memset(gc, 0, sizeof *gc);
}

static int
gitcred_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * %XX-decode len bytes of s, as git's url_decode_mem() does (a '%' not
 * followed by two hex digits stays as it is).  NULL if the result would
 * hold a NUL or a newline, which git refuses too (check_url_component).
 */
static char *
gitcred_decode(const char *s, size_t len)
{
	char	*out, *o;
	size_t	 i;
	int	 hi, lo;

	o = out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = gitcred_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = gitcred_hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	if ((size_t)(o - out) != strlen(out) || strchr(out, '\n') != NULL) {
		secret_freezero(out, len + 1);
		return NULL;
	}
	return out;
}

int
gitcred_from_url(struct gitcred *gc, const char *url)
{
	const char	*proto_end, *cp, *at, *colon, *slash, *host, *p;
	char		*user = NULL, *pass = NULL, *h = NULL, *path = NULL;
	size_t		 n;

	if ((proto_end = strstr(url, "://")) == NULL || proto_end == url)
		return -1;
	cp = proto_end + 3;
	slash = cp + strcspn(cp, "/?#");
	at = strchr(cp, '@');
	colon = strchr(cp, ':');
	if (at == NULL || slash <= at)
		host = cp;
	else if (colon == NULL || at <= colon) {
		if ((user = gitcred_decode(cp, (size_t)(at - cp))) == NULL)
			goto fail;
		host = at + 1;
	} else {
		if ((user = gitcred_decode(cp, (size_t)(colon - cp))) == NULL ||
		    (pass = gitcred_decode(colon + 1,
		    (size_t)(at - colon - 1))) == NULL)
			goto fail;
		host = at + 1;
	}
	if ((h = gitcred_decode(host, (size_t)(slash - host))) == NULL)
		goto fail;
	for (p = slash; *p == '/'; p++)
		;
	if (*p != '\0') {
		if ((path = gitcred_decode(p, strlen(p))) == NULL)
			goto fail;
		for (n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
			path[n - 1] = '\0';
	}
	if (memchr(url, '\n', (size_t)(proto_end - url)) != NULL)
		goto fail;

	secret_free(gc->protocol);
	gc->protocol = xstrndup(url, (size_t)(proto_end - url));
	secret_free(gc->username);
	gc->username = user;
	secret_free(gc->password);
	gc->password = pass;
	secret_free(gc->host);
	gc->host = h;
	secret_free(gc->path);
	gc->path = path;
	return 0;
fail:
	secret_free(user);
	secret_free(pass);
	secret_free(h);
	secret_free(path);
	return -1;
}

int
gitcred_line(struct gitcred *gc, const char *line, const char **why)
{
	const char	*eq, *value;
	size_t		 klen;

	if ((eq = strchr(line, '=')) == NULL) {
		*why = "a line without '='";
		return -1;
	}
	klen = (size_t)(eq - line);
	value = eq + 1;
#define KEY(k)	(klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
	if (KEY("protocol"))
		gitcred_set(&gc->protocol, value);
	else if (KEY("host"))
		gitcred_set(&gc->host, value);
	else if (KEY("path"))
		gitcred_set(&gc->path, value);
	else if (KEY("username"))
		gitcred_set(&gc->username, value);
	else if (KEY("password"))
		gitcred_set(&gc->password, value);
	else if (KEY("url")) {
		/* git clears the credential before reading a URL into it. */
		gitcred_release(gc);
		if (gitcred_from_url(gc, value) != 0) {
			*why = "a url= that cannot be parsed";
			return -1;
		}
	} else if (KEY("capability[]")) {
		if (*value == '\0')
			gc->cap_authtype = 0;
		else if (strcmp(value, "authtype") == 0)
			gc->cap_authtype = 1;
	} else if (KEY("wwwauth[]")) {
		if (*value == '\0')
			gitcred_www_clear(gc);
		else {
			gc->wwwauth = xreallocarray(gc->wwwauth,
			    gc->nwwwauth + 2, sizeof *gc->wwwauth);
			gc->wwwauth[gc->nwwwauth++] = xstrdup(value);
			gc->wwwauth[gc->nwwwauth] = NULL;
		}
	}
	/* Anything else is a newer git's attribute: ignored. */
#undef KEY
	return 0;
}

int
gitcred_read(FILE *f, struct gitcred *gc, const char **why)
{
	char	*buf;
	size_t	 len = 0, nlines = 0;
	int	 c, r = -1, eof = 0;

	gitcred_release(gc);
	*why = NULL;
	buf = xmalloc(GITCRED_LINE_MAX + 1);
	while (!eof) {
		len = 0;
		while ((c = getc(f)) != EOF && c != '\n') {
			if (c == '\0') {
				*why = "a NUL byte";
				goto out;
			}
			/* The newline counts towards git's limit. */
			if (len + 1 >= GITCRED_LINE_MAX) {
				*why = "a line longer than 65535 bytes";
				goto out;
			}
			buf[len++] = (char)c;
		}
		if (c == EOF) {
			if (ferror(f)) {
				*why = "a read error";
				goto out;
			}
			eof = 1;
			if (len == 0)
				break;
		}
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		buf[len] = '\0';
		if (len == 0)
			break;		/* a blank line ends the list */
		if (++nlines > GITCRED_LINES_MAX) {
			*why = "too many lines";
			goto out;
		}
		if (gitcred_line(gc, buf, why) != 0)
			goto out;
		secret_wipe(buf, len);
	}
	r = 0;
out:
	secret_freezero(buf, GITCRED_LINE_MAX + 1);
	if (r != 0)
		gitcred_release(gc);
	return r;
}

/* 1 if s[0..len) is a DNS name: labels of letters, digits and '-'. */
static int
gitcred_valid_name(const char *s, size_t len)
{
	size_t	i, label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;	/* empty label, leading dot */
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;		/* no trailing dot */
}

/* Parse a decimal port of 1-65535.  -1 if it is not one. */
static long
gitcred_port(const char *s)
{
	long	v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

int
gitcred_host_split(const char *hostport, char **name, long *port)
{
	struct in6_addr	 a6;
	const char	*end, *colon;
	char		 v6[INET6_ADDRSTRLEN + 1];
	size_t		 n, i;

	*name = NULL;
	*port = 0;
	if (hostport[0] == '[') {
		if ((end = strchr(hostport, ']')) == NULL)
			return -1;
		n = (size_t)(end - hostport - 1);
		if (n == 0 || n >= sizeof v6)
			return -1;
		memcpy(v6, hostport + 1, n);
		v6[n] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) != 1)
			return -1;
		if (end[1] == ':') {
			if ((*port = gitcred_port(end + 2)) < 0)
				return -1;
		} else if (end[1] != '\0')
			return -1;
		n = (size_t)(end - hostport + 1);
	} else {
		colon = strchr(hostport, ':');
		n = colon != NULL ? (size_t)(colon - hostport) :
		    strlen(hostport);
		if (!gitcred_valid_name(hostport, n))
			return -1;
		if (colon != NULL && (*port = gitcred_port(colon + 1)) < 0)
			return -1;
	}
	*name = xstrndup(hostport, n);
	for (i = 0; i < n; i++)
		(*name)[i] = (char)tolower((unsigned char)(*name)[i]);
	return 0;
}

int
gitcred_host_under(const char *name, const char *domain, int self)
{
	size_t	nl = strlen(name), dl = strlen(domain);

	if (nl == dl)
		return self && strcmp(name, domain) == 0;
	return nl > dl && name[nl - dl - 1] == '.' &&
	    strcmp(name + nl - dl, domain) == 0;
}

int
gitcred_valid_entry(const char *entry)
{
	char	*name = NULL;
	long	 port;
	int	 ok;

	if (strncmp(entry, "*.", 2) == 0) {
		if (entry[2] == '[')
			return 0;
		entry += 2;
	}
	ok = gitcred_host_split(entry, &name, &port) == 0;
	free(name);
	return ok;
}

/* Whether git_hosts entry e admits name:port; *loopback says if e is. */
static int
gitcred_entry_matches(const char *e, const char *name, long port,
    int *loopback)
{
	char	*ename = NULL;
	long	 eport;
	int	 wild = 0, m;

	*loopback = 0;
	if (strncmp(e, "*.", 2) == 0) {
		if (e[2] == '[')
			return 0;
		wild = 1;
		e += 2;
	}
	if (gitcred_host_split(e, &ename, &eport) != 0)
		return 0;
	m = wild ? gitcred_host_under(name, ename, 0) :
	    strcmp(name, ename) == 0;
	if (eport != 0 && eport != port)
		m = 0;
	*loopback = !wild && http_host_is_loopback(ename);
	free(ename);
	return m;
}

int
gitcred_host_listed(const char *name, long port, const char *const *list,
    int need_loopback)
{
	size_t	i;
	int	loopback;

	for (i = 0; list != NULL && list[i] != NULL; i++) {
		if (gitcred_entry_matches(list[i], name, port, &loopback) &&
		    (!need_loopback || loopback))
			return 1;
	}
	return 0;
}

int
gitcred_host_allowed(const char *protocol, const char *host,
    const char *const *git_hosts)
{
	char	*name = NULL;
	long	 port;
	size_t	 i;
	int	 https, r = 0;

	if (protocol == NULL || host == NULL)
		return 0;
	https = strcmp(protocol, "https") == 0;
	if (!https && strcmp(protocol, "http") != 0)
		return 0;
	if (gitcred_host_split(host, &name, &port) != 0)
		return 0;
	for (i = 0; https && gitcred_google[i] != NULL; i++) {
		if (gitcred_host_under(name, gitcred_google[i], 1)) {
			r = GITCRED_HOST_GOOGLE;
			goto out;
		}
	}
	if (gitcred_host_listed(name, port, git_hosts, !https))
		r = GITCRED_HOST_LISTED;
out:
	free(name);
	return r;
}

int
gitcred_use_bearer(const struct gitcred *gc, int kind)
{
	size_t	i, n;

	if (!gc->cap_authtype)
		return 0;
	if (kind == GITCRED_HOST_GOOGLE || gc->nwwwauth == 0)
		return 1;
	for (i = 0; i < gc->nwwwauth; i++) {
		n = strcspn(gc->wwwauth[i], " \t,");
		if (n == 6 && strncasecmp(gc->wwwauth[i], "bearer", 6) == 0)
			return 1;
	}
	return 0;
}

char *
gitcred_answer(int bearer, const char *username, const char *token,
    time_t expires_at, time_t now)
{
	char	 expiry[64] = "";

	if (strpbrk(token, "\r\n") != NULL || *token == '\0' ||
	    (!bearer && (strpbrk(username, "\r\n") != NULL ||
	    *username == '\0')))
		return NULL;
	if (expires_at > 0)
		snprintf(expiry, sizeof expiry, "password_expiry_utc=%lld\n",
		    (long long)output_client_expiry(expires_at, now));
	if (bearer)
		return xasprintf("capability[]=authtype\nauthtype=Bearer\n"
		    "credential=%s\nephemeral=1\n%s", token, expiry);
	return xasprintf("username=%s\npassword=%s\n%s", username, token,
	    expiry);
}
