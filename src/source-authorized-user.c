/*
 * source-authorized-user.c: user credentials, as written by `gcloud auth
 * application-default login`.
 *
 * The token comes from the refresh_token grant (RFC 6749 section 6), with
 * the OAuth client's id and secret in the form body as Google wants.  The
 * file is never written: if Google hands back a new refresh token we drop
 * it (oauth_parse_token reads only access_token and expires_in), and the
 * old one keeps working as it does for gcloud.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "credfile.h"
#include "http.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

#define AU_UNIVERSE		"googleapis.com"
/* Longest piece of a file's value quoted in a message. */
#define AU_QUOTE_MAX		64

struct au_priv {
	char	*client_id;
	char	*client_secret;	/* secret */
	char	*refresh_token;	/* secret */
	char	*token_uri;
};

static int	au_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static void	au_free_priv(void *);

static const struct source_ops au_ops = {
	.type = "authorized_user",
	.fetch = au_fetch,
	.free_priv = au_free_priv,
};

/*
 * The scope field, only when the user chose scopes: user credentials keep
 * the scopes they were granted otherwise (google-auth sends none either).
 * NULL means "send no scope".
 */
static char *
au_scope_param(const struct scope_req *sc)
{
	if (!sc->chosen || sc->list == NULL || sc->list[0] == NULL)
		return NULL;
	return settings_scopes_join(sc->list, ' ');
}

/* Trade the refresh token for an access token. */
static int
au_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct au_priv	*au = src->priv;
	const char	*kv[11];
	char		*scope = NULL, *form = NULL;
	int		 r;

	kv[0] = "grant_type";
	kv[1] = "refresh_token";
	kv[2] = "client_id";
	kv[3] = au->client_id;
	kv[4] = "client_secret";
	kv[5] = au->client_secret;
	kv[6] = "refresh_token";
	kv[7] = au->refresh_token;
	kv[8] = NULL;
	if ((scope = au_scope_param(sc)) != NULL) {
		kv[8] = "scope";
		kv[9] = scope;
		kv[10] = NULL;
	}
	form = http_form_encode(kv);
	r = oauth_token_request(ctx, au->token_uri, form, NULL, tok,
	    NULL);
	secret_free(form);
	free(scope);
	return r;
}

/* Wipe the client secret and the refresh token. */
static void
au_free_priv(void *priv)
{
	struct au_priv	*au = priv;

	if (au == NULL)
		return;
	secret_free(au->client_secret);
	secret_free(au->refresh_token);
	free(au->client_id);
	free(au->token_uri);
	free(au);
}

/* Check and copy the fields of an authorized_user file. */
int
source_authorized_user_new(json_object *obj, const char *path,
    const char *origin, struct source **out)
{
	struct au_priv	*au = NULL;
	struct source	*src = NULL;
	const char	*id, *secret, *refresh, *uri, *quota, *account;
	const char	*universe;
	char		*what = NULL, *fp;
	int		 r;

	*out = NULL;
	if ((r = credfile_string(obj, "client_id", path, &id)) != 0 ||
	    (r = credfile_string(obj, "client_secret", path, &secret)) != 0 ||
	    (r = credfile_string(obj, "refresh_token", path,
	    &refresh)) != 0 ||
	    (r = credfile_opt_string(obj, "token_uri", path, &uri)) != 0 ||
	    (r = credfile_opt_string(obj, "quota_project_id", path,
	    &quota)) != 0 ||
	    (r = credfile_opt_string(obj, "account", path, &account)) != 0 ||
	    (r = credfile_opt_string(obj, "universe_domain", path,
	    &universe)) != 0)
		goto out;
	/* Google refreshes user credentials only in the default universe. */
	if (universe != NULL && strcmp(universe, AU_UNIVERSE) != 0) {
		r = vt_err(VT_ERR_CRED, "'%s': user credentials in universe "
		    "'%.*s%s' cannot be refreshed; use a service account or "
		    "another credential of that universe", path, AU_QUOTE_MAX,
		    universe, strlen(universe) > AU_QUOTE_MAX ? "..." : "");
		goto out;
	}
	/*
	 * Python ignores the file's token_uri; we honour it (tests point it
	 * at a mock server) under the same URL rule as every token endpoint.
	 */
	if (uri == NULL)
		uri = VT_GOOGLE_TOKEN_URI;
	what = xasprintf("'%s': token_uri", path);
	if ((r = http_url_check(uri, what)) != 0)
		goto out;

	au = xcalloc(1, sizeof *au);
	au->client_id = xstrdup(id);
	au->client_secret = xstrdup(secret);
	au->refresh_token = xstrdup(refresh);
	au->token_uri = xstrdup(uri);

	src = source_new(&au_ops, origin, path);
	if (account != NULL)
		src->identity = xstrdup(account);
	else
		src->identity = xasprintf("user credentials of OAuth client "
		    "%s", id);
	src->token_uri = xstrdup(uri);
	/*
	 * Every gcloud user shares one client id: the refresh token tells
	 * users apart, and goes in hashed.
	 */
	fp = source_fingerprint(refresh);
	src->cache_id = xasprintf("authorized_user\n%s\n%s", id, fp);
	free(fp);
	src->quota_project_id = quota != NULL ? xstrdup(quota) : NULL;
	/* authorized_user files name no project: gcloud's config does. */
	src->priv = au;
	au = NULL;
	*out = src;
	src = NULL;
	r = 0;
out:
	free(what);
	au_free_priv(au);
	source_free(src);
	return r;
}
