/*
 * source.h: one interface for every kind of credential.
 *
 * A source is found by resolve.c (explicit file, ADC, later the metadata
 * server and API keys) and knows how to mint an access token.  Each kind
 * lives in its own source-<kind>.c and provides a struct source_ops.
 * Everything in struct source outside priv is public and printable by
 * `status`; secrets live only in priv, which ops->free_priv wipes.
 */
#ifndef VTOKEN_SOURCE_H
#define VTOKEN_SOURCE_H

#include <json-c/json.h>

struct vt_ctx;
struct token;
struct source;

struct source_ops {
	const char	*type;		/* "service_account", ... */
	/* Mint a token for ctx->scope_list.  0 or VT_ERR_*. */
	int		(*fetch)(struct source *src, struct vt_ctx *ctx,
			    struct token *tok);
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
	 * Impersonation (source-impersonated.c, external accounts): the
	 * target service account e-mail and the delegates (comma-separated,
	 * in chain order), or NULL.  The cache key includes both.
	 */
	char	*impersonate;
	char	*delegates;
	struct source_info *info;	/* more for `status` */
	/*
	 * Optional: checks that need the run's settings (the universe the
	 * user named), run by resolve (source_check) before the source is
	 * chosen.  0 or VT_ERR_* with the message recorded.  (Here rather
	 * than in source_ops, whose initialisers are positional.)
	 */
	int	(*check)(struct source *src, struct vt_ctx *ctx);
	size_t	 ninfo;
	void	*priv;
};

/* Allocate a source with the given ops; fields are filled by the caller. */
struct source *source_new(const struct source_ops *ops, const char *origin,
	    const char *path);
/* Mint a token: src->ops->fetch plus the checks every token gets. */
int	 source_fetch(struct source *src, struct vt_ctx *ctx,
	    struct token *tok);
/* Run src->check if the source has one. */
int	 source_check(struct source *src, struct vt_ctx *ctx);
/* Add a `status` line; value is formatted, never a secret. */
void	 source_info_add(struct source *src, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Free a source and wipe its secrets.  Accepts NULL. */
void	 source_free(struct source *src);

/*
 * Load a JSON credential file (ADC format) and dispatch on "type".
 * origin says how the path was chosen.  Errors: VT_ERR_CONFIG if the file
 * does not exist; VT_ERR_CRED if it is unreadable, too large, not JSON,
 * of an unsupported type, missing a field or breaking a URL rule.  The
 * message names the file, and for a field its name; never its value.
 */
int	 credfile_load(const char *path, const char *origin,
	    struct source **out);
/* The same for a file already read into memory (len bytes). */
int	 credfile_parse(const char *data, size_t len, const char *path,
	    const char *origin, struct source **out);
/* The same for a parsed object (a nested source_credentials). */
int	 credfile_dispatch(json_object *obj, const char *path,
	    const char *origin, struct source **out);

/*
 * Field helpers for source-*.c: a required string field (VT_ERR_CRED
 * "'<path>': field 'x' is missing" / "is not a string" / "is empty"), and
 * an optional one (NULL when absent; VT_ERR_CRED if not a string).
 * *out points into obj: copy it.
 */
int	 credfile_string(json_object *obj, const char *key, const char *path,
	    const char **out);
int	 credfile_opt_string(json_object *obj, const char *key,
	    const char *path, const char **out);

/* source-service-account.c */
int	 source_service_account_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);
/* source-authorized-user.c */
int	 source_authorized_user_new(json_object *obj, const char *path,
	    const char *origin, struct source **out);

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
