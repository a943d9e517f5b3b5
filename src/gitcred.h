/*
 * gitcred.h: git's credential-helper protocol, without I/O policy: reading
 * the attribute list git writes to a helper, expanding url=, deciding
 * whether a host may receive a token, and writing the answer.  Pure
 * functions, unit-tested in tests/unit/test-gitcred.c; the command is
 * cmd-git-credential.c.
 *
 * Wire format (git-credential(1)): "key=value" lines, no quoting, ended
 * by a blank line or EOF.  Keys ending in [] are multi-valued.  Unknown
 * keys are ignored.
 */
#ifndef VTOKEN_GITCRED_H
#define VTOKEN_GITCRED_H

#include <stdio.h>
#include <time.h>

/* git documents 65535 bytes per line, newline included (git 2.46). */
#define GITCRED_LINE_MAX	65535
/* More lines than any git sends (a few wwwauth[] and capability[]). */
#define GITCRED_LINES_MAX	1024

#define GITCRED_DEFAULT_USERNAME	"oauth2accesstoken"

/* What git told the helper.  password is a secret: gitcred_release(). */
struct gitcred {
	char	 *protocol;
	char	 *host;		/* as git sends it: "name" or "name:port" */
	char	 *path;
	char	 *username;
	char	 *password;
	int	  cap_authtype;	/* capability[]=authtype was announced */
	char	**wwwauth;	/* wwwauth[] lines, NULL-terminated, or NULL */
	size_t	  nwwwauth;
};

/*
 * Read an attribute list from f into gc (cleared first) up to a blank
 * line or EOF.  A trailing CR before the newline is dropped, as git's
 * strbuf_getline does.  Returns 0, or -1 with a reason in *why (static
 * text, never input) for input git would not send or would refuse: a
 * line without '=', a NUL byte, a line longer than GITCRED_LINE_MAX, more
 * than GITCRED_LINES_MAX lines, a url= that does not parse.  Lines are
 * wiped after use: they may carry a password.
 */
int	 gitcred_read(FILE *f, struct gitcred *gc, const char **why);

/*
 * Apply one line (without its newline) to gc, as git's credential_read()
 * does: url= clears gc and fills protocol, username, password, host and
 * path from the URL; "key[]=" with an empty value clears that list.
 * Returns 0 or -1 with *why set.
 */
int	 gitcred_line(struct gitcred *gc, const char *line, const char **why);

/*
 * Expand url into gc's fields as git's credential_from_url() does:
 * "proto://[user[:pass]@]host[:port][/path]", with %XX decoded in each
 * part, leading and trailing slashes of the path dropped, and the host
 * ending at the first '/', '?' or '#'.  -1 for a URL without "://", an
 * empty scheme, or a decoded part holding a newline or a NUL.
 */
int	 gitcred_from_url(struct gitcred *gc, const char *url);

/* Free and wipe everything; gc may be reused. */
void	 gitcred_release(struct gitcred *gc);

/*
 * Whether gc may receive a token.  The protocol must be https, the host
 * a plain DNS name or IP address (an optional :port of 1-65535, IPv6 in
 * brackets), and one of: a Google host (googleapis.com,
 * source.developers.google.com, sourcemanager.dev, pkg.dev, or a
 * subdomain of one, matched on a dot boundary), or an entry of
 * git_hosts (NULL-terminated, may be NULL).  An entry "name" matches that
 * host on any port, "name:port" only that port, "*.name" any subdomain of
 * name.  Plain http is allowed only through an entry that is loopback
 * (localhost, 127.0.0.0/8, [::1]).  Names compare case-insensitively.
 * Returns 1 (Google host), 2 (a git_hosts entry) or 0 (not ours).
 */
int	 gitcred_host_allowed(const char *protocol, const char *host,
	    const char *const *git_hosts);
#define GITCRED_HOST_GOOGLE	1
#define GITCRED_HOST_LISTED	2

/*
 * Whether entry is a well-formed git_hosts entry: "name", "name:port",
 * "*.name", "[v6]" or "[v6]:port".
 */
int	 gitcred_valid_entry(const char *entry);

/*
 * The host rules, shared with the Docker helper (dockercred.c).  Split
 * "name", "name:port", "[v6]" or "[v6]:port" into a lower-case name
 * (brackets kept; the caller frees it) and a port (0 if none): 0, or -1
 * (and *name NULL) if hostport is none of those.  A name is DNS labels
 * of letters, digits and '-', without a trailing dot.
 */
int	 gitcred_host_split(const char *hostport, char **name, long *port);
/*
 * Whether the lower-case name is under domain on a dot boundary, or
 * (self) is domain itself.
 */
int	 gitcred_host_under(const char *name, const char *domain, int self);
/*
 * Whether an entry of list (git_hosts or docker_hosts entries as
 * gitcred_valid_entry() accepts them, NULL-terminated; list may be NULL)
 * admits name (from gitcred_host_split) and port; with need_loopback,
 * only a loopback entry counts (localhost, 127.0.0.0/8, [::1]).
 */
int	 gitcred_host_listed(const char *name, long port,
	    const char *const *list, int need_loopback);


/*
 * Whether to answer with authtype=Bearer: git announced the authtype
 * capability, and the server did not say it wants something else.  For a
 * listed (non-Google) host whose WWW-Authenticate lines (wwwauth[]) name
 * schemes but not Bearer, git gets the Basic form, which such a server
 * can use; Google hosts always get Bearer.
 */
int	 gitcred_use_bearer(const struct gitcred *gc, int kind);

/*
 * The answer to "get": with bearer, "capability[]=authtype",
 * "authtype=Bearer", "credential=TOKEN", "ephemeral=1"; otherwise
 * "username=USERNAME", "password=TOKEN"; then "password_expiry_utc=N"
 * when expires_at is set: the expiry less a minute (less half the life
 * left when that is shorter), so git stops using a token before the
 * server does.  NULL if username or token holds a newline,
 * CR or NUL.  The result holds the token: secret_free().
 */
char	*gitcred_answer(int bearer, const char *username, const char *token,
	    time_t expires_at, time_t now);

#endif /* VTOKEN_GITCRED_H */
