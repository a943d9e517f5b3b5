/*
 * dockercred.c: the Docker credential-helper protocol and the
 * credHelpers entries of Docker's config.json (dockercred.h).
 *
 * The host rule is the git helper's (gitcred.c), with Docker's hosts:
 * a server name is checked as a whole, then split into a lower-case name
 * and a port, so nothing odd ("evil.example/gcr.io", a trailing dot,
 * userinfo) can make one string mean two hosts; Google's registries are
 * matched on a dot boundary, and the profile's docker_hosts entries are
 * matched as git_hosts entries are.  The protocol carries no scheme, so a
 * listed host gets the token over whatever the client chooses: listing it
 * is the user's statement that it may.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dockercred.h"
#include "gitcred.h"
#include "oauth.h"
#include "output.h"
#include "secret.h"
#include "xmalloc.h"

/* Domains whose subdomains are Google's registries; self: the name too. */
static const struct {
	const char	*domain;
	int		 self;
} dockercred_google[] = {
	{ "gcr.io", 1 },	/* gcr.io, us.gcr.io, ... (Container Registry) */
	{ "pkg.dev", 0 },	/* LOC-docker.pkg.dev, docker.LOC.rep.pkg.dev */
};

char *
dockercred_read_server(FILE *f)
{
	char	 buf[DOCKERCRED_SERVER_MAX + 2];
	size_t	 len, i;
	char	*s, *e;

	len = fread(buf, 1, sizeof buf - 1, f);
	if (len > DOCKERCRED_SERVER_MAX || ferror(f) ||
	    memchr(buf, '\0', len) != NULL)
		return NULL;
	buf[len] = '\0';
	for (s = buf; isspace((unsigned char)*s); s++)
		;
	for (e = buf + len; e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			return NULL;
	}
	return *s != '\0' ? xstrdup(s) : NULL;
}

/*
 * The host part of server: after an optional "https://" or "http://",
 * without one trailing "/", split by gitcred_host_split().  -1 if server
 * is not that form.
 */
static int
dockercred_split(const char *server, char **name, long *port)
{
	char	*host;
	size_t	 n;
	int	 r;

	if (strncmp(server, "https://", 8) == 0)
		server += 8;
	else if (strncmp(server, "http://", 7) == 0)
		server += 7;
	n = strlen(server);
	if (n > 0 && server[n - 1] == '/')
		n--;
	host = xstrndup(server, n);
	r = gitcred_host_split(host, name, port);
	free(host);
	return r;
}

int
dockercred_host_allowed(const char *server, const char *const *docker_hosts)
{
	char	*name = NULL;
	long	 port;
	size_t	 i;
	int	 r = 0;

	if (server == NULL || dockercred_split(server, &name, &port) != 0)
		return 0;
	for (i = 0; i < sizeof dockercred_google / sizeof dockercred_google[0];
	    i++) {
		if (gitcred_host_under(name, dockercred_google[i].domain,
		    dockercred_google[i].self)) {
			r = DOCKERCRED_HOST_GOOGLE;
			goto out;
		}
	}
	if (gitcred_host_listed(name, port, docker_hosts, 0))
		r = DOCKERCRED_HOST_LISTED;
out:
	free(name);
	return r;
}

char *
dockercred_answer(const char *server, const char *token)
{
	char	*name = NULL;
	long	 port;

	/*
	 * A server of that form holds only letters, digits and ".:-[]/",
	 * and a valid token only RFC 6750 characters: neither needs JSON
	 * escaping, so the answer is written here and no library keeps an
	 * unwiped copy of the token.
	 */
	if (dockercred_split(server, &name, &port) != 0)
		return NULL;
	free(name);
	if (*token == '\0' || !output_token_valid(token))
		return NULL;
	return xasprintf("{\"ServerURL\":\"%s\",\"Username\":\"%s\","
	    "\"Secret\":\"%s\"}\n", server, DOCKERCRED_USERNAME, token);
}

void
dockercred_changes_free(struct dockercred_change *changes, size_t n)
{
	size_t	i;

	if (changes == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(changes[i].host);
		free(changes[i].old_helper);
	}
	free(changes);
}

int
dockercred_config_merge(const char *old, size_t len,
    const char *const *hosts, char **out,
    struct dockercred_change **changes, size_t *nchanges, const char **why)
{
	struct json_object	 *root = NULL, *helpers, *v;
	struct dockercred_change *ch = NULL;
	const char		 *cur, *text;
	size_t			  i, n = 0, k;
	int			  r = -1, present;

	*out = NULL;
	*changes = NULL;
	*nchanges = 0;
	*why = NULL;
	for (k = 0; old != NULL && k < len &&
	    isspace((unsigned char)old[k]); k++)
		;
	if (old == NULL || k == len)
		root = json_object_new_object();
	else if ((root = oauth_json_parse(old, len, why)) == NULL)
		goto out;
	if (!json_object_object_get_ex(root, "credHelpers", &helpers)) {
		helpers = json_object_new_object();
		json_object_object_add(root, "credHelpers", helpers);
	} else if (!json_object_is_type(helpers, json_type_object)) {
		*why = "its credHelpers is not a JSON object";
		goto out;
	}
	for (i = 0; hosts[i] != NULL; i++) {
		cur = NULL;
		present = json_object_object_get_ex(helpers, hosts[i], &v);
		if (present && json_object_is_type(v, json_type_string))
			cur = json_object_get_string(v);
		if (cur != NULL && strcmp(cur, DOCKERCRED_HELPER) == 0)
			continue;
		ch = xreallocarray(ch, n + 1, sizeof *ch);
		ch[n].host = xstrdup(hosts[i]);
		ch[n].old_helper = cur != NULL ? xstrdup(cur) : present ?
		    xstrdup(json_object_to_json_string(v)) : NULL;
		n++;
		/* A host named twice: the second finds "vtoken" and goes on. */
		json_object_object_add(helpers, hosts[i],
		    json_object_new_string(DOCKERCRED_HELPER));
	}
	if (n > 0) {
		text = json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
		    JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		*out = xasprintf("%s\n", text);
		/* json-c keeps the text in root: wiped with it below. */
		secret_wipe((void *)(uintptr_t)text, strlen(text));
	}
	*changes = ch;
	*nchanges = n;
	ch = NULL;
	r = 0;
out:
	dockercred_changes_free(ch, n);
	secret_json_put(root);
	return r;
}
