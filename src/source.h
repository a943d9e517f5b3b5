/*
 * source.h: one interface for every kind of credential.
 *
 * A source is found by resolve.c, which owns the order and traces every
 * step (explicit file, API keys, ADC, the metadata server), and knows how
 * to mint an access token.  Each kind lives in its own source-<kind>.c
 * and provides a struct source_ops; credential files are read by
 * credfile.c (credfile.h).
 * Everything in struct source outside priv is public and printable by
 * `status`; secrets live only in priv, which ops->free_priv wipes.
 */
#ifndef VTOKEN_SOURCE_H
#define VTOKEN_SOURCE_H

#include <json-c/json.h>

struct vt_ctx;
struct token;
struct source;

/*
 * The scopes a token is asked for: the list (never NULL for a fetch
 * through source_fetch), and whether the user chose it; if not, it is
 * the default (cloud-platform), and a credential that has scopes of its
 * own (user credentials, the metadata server, an impersonation file's)
 * keeps those.
 */
struct scope_req {
	char *const	*list;
	int		 chosen;
};

struct source_ops {
	const char	*type;		/* "service_account", ... */
	/* Mint a token for the scopes sc.  0 or VT_ERR_*. */
	int		(*fetch)(struct source *src, struct vt_ctx *ctx,
			    const struct scope_req *sc, struct token *tok);
	/*
	 * Optional: checks that need the run's settings (the universe the
	 * user named), run by resolve (source_check) before the source is
	 * chosen.  0 or VT_ERR_* with the message recorded.
	 */
	int		(*check)(struct source *src, struct vt_ctx *ctx);
	/*
	 * Optional: mint an ID token for audience (already checked) into
	 * tok->access_token, checked by idtoken_accept (idtoken.h); full
	 * asks for the flow's "full" format.  0 or VT_ERR_*.  NULL: this
	 * type cannot mint ID tokens.
	 */
	int		(*id_token)(struct source *src, struct vt_ctx *ctx,
			    const char *audience, int full, struct token *tok);
	/* Wipe and free priv. */
	void		(*free_priv)(void *priv);
};

/* A line of `status` about a source: "name: value".  Never a secret. */
struct source_info {
	char	*name;
	char	*value;
};

struct source {
	const struct source_ops *ops;
	char	*origin;	/* how it was found: "--credentials", ... */
	char	*path;		/* the credential file, or NULL */
	char	*identity;	/* who: client e-mail, account, client id */
	char	*token_uri;	/* where it mints, or NULL */
	char	*project_id;	/* project the credential names, or NULL */
	char	*quota_project_id; /* billing project, or NULL */
	/*
	 * What tells this credential's tokens apart, for the cache key:
	 * type and principal, with any secret in it hashed (see
	 * source_fingerprint).  NULL: its tokens are never cached.
	 */
	char	*cache_id;
	/*
	 * Impersonation (source-impersonated.c, external accounts): the
	 * target service account e-mail and the delegates (comma-separated,
	 * in chain order), or NULL.  The cache key includes both.
	 */
	char	*impersonate;
	char	*delegates;
	struct source_info *info;	/* more for `status` */
	size_t	 ninfo;
	void	*priv;
};

/* Allocate a source with the given ops; fields are filled by the caller. */
struct source *source_new(const struct source_ops *ops, const char *origin,
	    const char *path);
/*
 * Mint a token: src->ops->fetch plus the checks every token gets.
 * source_fetch asks for ctx's scopes; source_fetch_scopes for sc (an
 * impersonation's source credential mints for cloud-platform).
 */
int	 source_fetch(struct source *src, struct vt_ctx *ctx,
	    struct token *tok);
int	 source_fetch_scopes(struct source *src, struct vt_ctx *ctx,
	    const struct scope_req *sc, struct token *tok);
/*
 * An ID token (a JWT, in tok->access_token, a secret: token_release;
 * tok->expires_at from its "exp" claim, tok->issued_at from "iat" or the
 * time it was minted) for audience, from src.  full: ask for the "full"
 * format where the flow has one (the metadata server's format=full,
 * IAM's includeEmail=true; a service account key's token always names
 * the account).  Never cached.  0, or VT_ERR_USAGE for an audience that
 * is empty, longer than IDTOKEN_AUDIENCE_MAX or not printable ASCII
 * without spaces; VT_ERR_CONFIG "credentials of type X cannot mint ID
 * tokens" when src's type has no way to; or the VT_ERR_* of a failed
 * request or of a reply that is not an ID token for audience
 * (idtoken_accept).
 */
int	 source_id_token(struct source *src, struct vt_ctx *ctx,
	    const char *audience, int full, struct token *tok);
/*
 * A fingerprint of a secret (SHA-256, hex), for cache_id: it tells two
 * refresh tokens apart without revealing either.
 */
char	*source_fingerprint(const char *secret);
/* Run src->ops->check if the source has one. */
int	 source_check(struct source *src, struct vt_ctx *ctx);
/* Add a `status` line; value is formatted, never a secret. */
void	 source_info_add(struct source *src, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Free a source and wipe its secrets.  Accepts NULL. */
void	 source_free(struct source *src);

/* source-service-account.c */
int	 source_service_account_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);
/* source-authorized-user.c */
int	 source_authorized_user_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);

/*
 * source-api-key.c: Gemini API keys.  A plausible key is APIKEY_MIN_LEN
 * to APIKEY_MAX_LEN characters of [A-Za-z0-9_-] (Google's are 39, "AIza"
 * and 35 more); apikey_plausible() returns 1, or 0 with *why a phrase
 * ("it is too short ...") that never quotes the key.
 */
#define APIKEY_MIN_LEN	30
#define APIKEY_MAX_LEN	128
int	 apikey_plausible(const char *key, const char **why);
/*
 * Read the one-line key of an API key file into *key (a secret:
 * secret_free()); whitespace around it is dropped.  VT_ERR_CONFIG if the
 * file does not exist; VT_ERR_CRED if it is not a regular file, is
 * writable by group or others, larger than 4 KiB or not text.  Readable
 * by others is a warning.  origin goes into the messages.
 */
int	 source_api_key_read(const char *path, const char *origin, char **key);
/*
 * A source for the key *key (taken and wiped on every path), found by
 * origin ("$GOOGLE_API_KEY", "--api-key-file"); path is the key file or
 * NULL.  VT_ERR_CRED, naming origin, if the key is not plausible.
 */
int	 source_api_key_new(char **key, const char *origin, const char *path,
	    struct source **out);
/* 1 if src is an API key (no expiry; the Gemini API). */
int	 source_is_api_key(const struct source *src);
/*
 * source-metadata.c: the GCE metadata server (attached service account),
 * tier 3 of resolution (resolve.c).  source_metadata_detect: whether one
 * is there, *why saying how it was found or why not.  Detection is cheap
 * first (NO_GCE_CHECK, GCE_METADATA_HOST, DMI,
 * serverless variables), then one bounded probe whose negative answer is
 * remembered for an hour under $XDG_CACHE_HOME/vtoken/.
 */
int	 source_metadata_detect(struct vt_ctx *ctx, const char **why);
const char *source_metadata_host(void);
/*
 * A source for the default service account of the metadata server (its
 * e-mail asked for only when ctx->describe).  0, or VT_ERR_*.
 */
int	 source_metadata_new(struct vt_ctx *ctx, struct source **out);
/*
 * The project ID from the metadata server into *project (caller frees),
 * only if the server is detected.  0 with *project, 1 if there is no
 * metadata server or it names no project, or VT_ERR_*.
 */
int	 source_metadata_project(struct vt_ctx *ctx, char **project);
/* source-impersonated.c */
int	 source_impersonated_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);
/*
 * Wrap *src (any OAuth source) in impersonation of ctx->impersonate:
 * "[DELEGATE,...]TARGET", gcloud's order.  The endpoint is
 * VTOKEN_IAM_ENDPOINT if set, else iamcredentials.<universe>; it obeys
 * iam_url_check.  On success *src is the wrapper, which owns the inner
 * source; on failure *src is unchanged.
 */
int	 source_impersonate_wrap(struct vt_ctx *ctx, struct source **src);
/* source-external.c */
int	 source_external_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);
/* source-external-user.c */
int	 source_external_user_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);

#endif /* VTOKEN_SOURCE_H */
