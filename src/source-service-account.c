/*
 * source-service-account.c: a service account key file.
 *
 * The token comes from the jwt-bearer grant (RFC 7523): we sign a one-hour
 * RS256 assertion naming the account and the scopes with the file's
 * private key and trade it at the file's token_uri for an access token.
 * The key is parsed only when a token is minted, not when the file is
 * loaded: a cache hit must not pay for OpenSSL's PEM decoders.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "credfile.h"
#include "http.h"
#include "idtoken.h"
#include "jwt.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

/* Google refuses assertions that live longer than an hour. */
#define SA_JWT_LIFETIME		3600

#define SA_GRANT_TYPE		"urn:ietf:params:oauth:grant-type:jwt-bearer"
#define SA_UNIVERSE		"googleapis.com"
/* Longest piece of a file's value quoted in a message. */
#define SA_QUOTE_MAX		64

struct sa_priv {
	char	*email;
	char	*key;		/* PEM private key: secret */
	char	*kid;		/* private_key_id, or NULL */
	char	*token_uri;
};

static int	sa_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static int	sa_id_token(struct source *, struct vt_ctx *, const char *,
	    int, struct token *);
static void	sa_free_priv(void *);

static const struct source_ops sa_ops = {
	.type = "service_account",
	.fetch = sa_fetch,
	.id_token = sa_id_token,
	.free_priv = sa_free_priv,
};

/*
 * Put the file's name in front of the message jwt_sign_rs256() recorded.
 * That message is fixed ASCII text without backslashes, so recording it
 * again does not escape anything twice.
 */
static int
sa_err_in_file(int code, const char *path)
{
	char	*msg;

	msg = xstrdup(vt_errmsg() != NULL ? vt_errmsg() : "invalid");
	code = vt_err(code, "'%s': %s", path, msg);
	free(msg);
	return code;
}

/*
 * Sign a one-hour assertion for scope or, if scope is NULL, for an ID
 * token for target_audience.  0 and *jwt (a secret), or VT_ERR_*.
 */
static int
sa_assertion(struct source *src, const char *scope,
    const char *target_audience, char **jwt)
{
	struct sa_priv		*sa = src->priv;
	struct jwt_claims	 claims;
	int			 r;

	memset(&claims, 0, sizeof claims);
	claims.iss = sa->email;
	claims.scope = scope;
	claims.target_audience = target_audience;
	/*
	 * aud is the token_uri the assertion goes to, as Go's library does;
	 * Python always names https://oauth2.googleapis.com/token, which is
	 * the same for every real key file and wrong for a test endpoint.
	 */
	claims.aud = sa->token_uri;
	claims.iat = time(NULL);
	claims.exp = claims.iat + SA_JWT_LIFETIME;
	if ((r = jwt_sign_rs256(sa->key, sa->kid, &claims, jwt)) != 0 &&
	    r == VT_ERR_CRED)
		r = sa_err_in_file(r, src->path);
	return r;
}

/* The jwt-bearer grant's form for the assertion jwt; a secret. */
static char *
sa_form(const char *jwt)
{
	const char	*kv[5];

	kv[0] = "grant_type";
	kv[1] = SA_GRANT_TYPE;
	kv[2] = "assertion";
	kv[3] = jwt;
	kv[4] = NULL;
	return http_form_encode(kv);
}

/* Sign an assertion and trade it for an access token. */
static int
sa_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct sa_priv		*sa = src->priv;
	char			*scope = NULL, *jwt = NULL, *form = NULL;
	int			 r;

	/* Always send at least one scope; Google refuses an empty one. */
	scope = sc->list != NULL && sc->list[0] != NULL ?
	    settings_scopes_join(sc->list, ' ') :
	    xstrdup(VT_SCOPE_CLOUD_PLATFORM);
	if ((r = sa_assertion(src, scope, NULL, &jwt)) != 0)
		goto out;
	form = sa_form(jwt);
	r = oauth_token_request(ctx, sa->token_uri, form, NULL, tok,
	    NULL);
out:
	secret_free(form);
	secret_free(jwt);
	free(scope);
	return r;
}

/*
 * Sign an assertion naming target_audience (and no scope) and trade it
 * for an ID token.  The token always names the account: there is no
 * "full" format to ask for.
 */
static int
sa_id_token(struct source *src, struct vt_ctx *ctx, const char *audience,
    int full, struct token *tok)
{
	struct sa_priv	*sa = src->priv;
	char		*jwt = NULL, *form;
	int		 r;

	(void)full;
	if ((r = sa_assertion(src, NULL, audience, &jwt)) != 0)
		return r;
	form = sa_form(jwt);
	r = idtoken_token_request(ctx, sa->token_uri, form, audience, tok);
	secret_free(form);
	secret_free(jwt);
	return r;
}

/* Wipe the key; the rest is public but freed here too. */
static void
sa_free_priv(void *priv)
{
	struct sa_priv	*sa = priv;

	if (sa == NULL)
		return;
	secret_free(sa->key);
	free(sa->email);
	free(sa->kid);
	free(sa->token_uri);
	free(sa);
}

/* Check and copy the fields of a service account key file. */
int
source_service_account_new(json_object *obj, const char *path,
    const char *origin, struct source **out)
{
	struct sa_priv	*sa = NULL;
	struct source	*src = NULL;
	const char	*email, *key, *uri, *kid, *project, *quota, *universe;
	char		*what = NULL;
	int		 r;

	*out = NULL;
	if ((r = credfile_string(obj, "client_email", path, &email)) != 0 ||
	    (r = credfile_string(obj, "private_key", path, &key)) != 0 ||
	    (r = credfile_string(obj, "token_uri", path, &uri)) != 0 ||
	    (r = credfile_opt_string(obj, "private_key_id", path,
	    &kid)) != 0 ||
	    (r = credfile_opt_string(obj, "project_id", path,
	    &project)) != 0 ||
	    (r = credfile_opt_string(obj, "quota_project_id", path,
	    &quota)) != 0 ||
	    (r = credfile_opt_string(obj, "universe_domain", path,
	    &universe)) != 0)
		goto out;
	/*
	 * Outside googleapis.com, Google's libraries switch to self-signed
	 * JWTs and other endpoints; until we do the same, say so.
	 */
	if (universe != NULL && strcmp(universe, SA_UNIVERSE) != 0) {
		r = vt_err(VT_ERR_CRED, "'%s': service account in universe "
		    "'%.*s%s' is not supported yet", path, SA_QUOTE_MAX,
		    universe, strlen(universe) > SA_QUOTE_MAX ? "..." : "");
		goto out;
	}
	/* The assertion is a credential: it goes only where it is safe. */
	what = xasprintf("'%s': token_uri", path);
	if ((r = http_url_check(uri, what)) != 0)
		goto out;

	sa = xcalloc(1, sizeof *sa);
	sa->email = xstrdup(email);
	sa->key = xstrdup(key);
	sa->kid = kid != NULL ? xstrdup(kid) : NULL;
	sa->token_uri = xstrdup(uri);

	src = source_new(&sa_ops, origin, path);
	src->identity = xstrdup(email);
	/* A rotated key of the same account shares the entry. */
	src->cache_id = xasprintf("service_account\n%s", email);
	src->token_uri = xstrdup(uri);
	src->project_id = project != NULL ? xstrdup(project) : NULL;
	src->quota_project_id = quota != NULL ? xstrdup(quota) : NULL;
	src->priv = sa;
	sa = NULL;
	*out = src;
	src = NULL;
	r = 0;
out:
	free(what);
	sa_free_priv(sa);
	source_free(src);
	return r;
}
