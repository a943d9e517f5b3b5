/*
 * dockercred.h: the Docker credential-helper protocol and Docker's
 * config.json, without I/O policy: which registry hosts may receive a
 * token, the answer to "get", and the credHelpers entries that
 * configure-docker adds.  Pure functions, unit-tested in
 * tests/unit/test-dockercred.c; the commands are cmd-docker-credential.c
 * and cmd-configure-docker.c.
 *
 * Wire format (docker/docker-credential-helpers): the verb is the
 * helper's argument; "get" reads the server name on stdin (a host with
 * an optional port, no scheme) and answers one JSON object on stdout;
 * "not found" is the exact text DOCKERCRED_NOT_FOUND on stdout and exit
 * status 1, which Docker and containers/image take as "carry on without
 * credentials".
 */
#ifndef VTOKEN_DOCKERCRED_H
#define VTOKEN_DOCKERCRED_H

#include <stddef.h>
#include <stdio.h>

#define DOCKERCRED_NOT_FOUND	"credentials not found in native keychain"
/*
 * The user name Google's registries take with an access token as the
 * password.  Never "<token>": clients would treat the secret as an OAuth
 * refresh token.
 */
#define DOCKERCRED_USERNAME	"oauth2accesstoken"
/* The helper name in credHelpers: Docker runs docker-credential-vtoken. */
#define DOCKERCRED_HELPER	"vtoken"
/* A server name longer than this is not a registry host. */
#define DOCKERCRED_SERVER_MAX	1024

#define DOCKERCRED_HOST_GOOGLE	1
#define DOCKERCRED_HOST_LISTED	2

/*
 * Read the server name of "get" or "erase" from f: at most
 * DOCKERCRED_SERVER_MAX bytes, white space around it trimmed (Docker
 * trims it too).  Returns a new string, or NULL for input that is too
 * long, holds a NUL or a line break inside, or is empty.  Caller frees.
 */
char	*dockercred_read_server(FILE *f);

/*
 * Whether the registry server may receive a token.  server is a host as
 * the helper protocol sends it: "name", "name:port", "[v6]:port", with
 * an optional "https://" or "http://" in front and one optional "/"
 * behind (some clients send a URL); anything else (a path, userinfo, a
 * trailing dot, odd characters) is no host of ours.  Google's registry
 * hosts: gcr.io and its subdomains, and subdomains of pkg.dev (which
 * covers LOCATION-docker.pkg.dev and docker.LOCATION.rep.pkg.dev).
 * docker_hosts (NULL-terminated, may be NULL) are the profile's entries,
 * matched as git_hosts are (gitcred.h), on any scheme.  Names compare
 * case-insensitively.  Returns DOCKERCRED_HOST_GOOGLE,
 * DOCKERCRED_HOST_LISTED or 0.
 */
int	 dockercred_host_allowed(const char *server,
	    const char *const *docker_hosts);

/*
 * The answer to "get": {"ServerURL": server, "Username":
 * "oauth2accesstoken", "Secret": token} and a newline.  NULL if server
 * is not one dockercred_host_allowed() admits the form of, or token is
 * empty or not made of RFC 6750 token characters.  The result holds the
 * token: secret_free() it.
 */
char	*dockercred_answer(const char *server, const char *token);

/* One credHelpers entry configure-docker adds or changes. */
struct dockercred_change {
	char	*host;
	char	*old_helper;	/* NULL: added */
};

/*
 * Add "HOST": "vtoken" to the credHelpers object of the Docker config
 * text old (len bytes; empty or NULL: no file yet), keeping every other
 * key and entry as it is.  On success *out is the new text (tab-indented,
 * as Docker writes it, ending in a newline; NULL when nothing changes),
 * and *changes (*nchanges entries) says what changed, in the order of hosts.  Returns 0, or -1 with a reason
 * in *why (static text): not JSON, not an object, credHelpers not an
 * object.  Release the changes with dockercred_changes_free().
 * The config may hold credentials (auths): XXX json-c's copies of them
 * are freed unwiped.
 */
int	 dockercred_config_merge(const char *old, size_t len,
	    const char *const *hosts, char **out,
	    struct dockercred_change **changes, size_t *nchanges,
	    const char **why);
void	 dockercred_changes_free(struct dockercred_change *changes, size_t n);

#endif /* VTOKEN_DOCKERCRED_H */
