/*
 * source-external-user.c: a workforce identity federation user, the ADC
 * type external_account_authorized_user (written by `gcloud auth
 * application-default login --login-config`).
 *
 * The refresh token is traded at the file's token_url (an STS endpoint)
 * with the OAuth client's id and secret in HTTP Basic authentication.
 * token_url follows the rule of every token endpoint: https://, or plain
 * http:// to loopback.  The file is never written back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "credfile.h"
#include "http.h"
#include "iam.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "xmalloc.h"

struct eau_priv {
	char	*client_id;
	char	*client_secret;	/* secret */
	char	*refresh_token;	/* secret */
	char	*token_url;
};

static int	eau_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static void	eau_free_priv(void *);

static const struct source_ops eau_ops = {
	.type = "external_account_authorized_user",
	.fetch = eau_fetch,
	.free_priv = eau_free_priv,
};

static int
eau_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct eau_priv	*e = src->priv;
	const char	*kv[5];
	char		*form;
	int		 r;

	(void)sc;	/* the refresh token's own scopes */
	kv[0] = "grant_type";
	kv[1] = "refresh_token";
	kv[2] = "refresh_token";
	kv[3] = e->refresh_token;
	kv[4] = NULL;
	form = http_form_encode(kv);
	r = iam_sts_request(ctx, e->token_url, form, e->client_id,
	    e->client_secret, NULL, tok);
	secret_free(form);
	return r;
}

static void
eau_free_priv(void *priv)
{
	struct eau_priv	*e = priv;

	if (e == NULL)
		return;
	free(e->client_id);
	secret_free(e->client_secret);
	secret_free(e->refresh_token);
	free(e->token_url);
	free(e);
}

int
source_external_user_new(json_object *obj, const char *path,
    const char *origin, struct source **out)
{
	struct eau_priv	*e = NULL;
	struct source	*src = NULL;
	const char	*id, *secret, *refresh, *url, *aud, *quota;
	char		*what = NULL, *fp;
	int		 r;

	*out = NULL;
	if ((r = credfile_string(obj, "refresh_token", path, &refresh)) != 0 ||
	    (r = credfile_string(obj, "token_url", path, &url)) != 0 ||
	    (r = credfile_string(obj, "client_id", path, &id)) != 0 ||
	    (r = credfile_string(obj, "client_secret", path, &secret)) != 0 ||
	    (r = credfile_opt_string(obj, "audience", path, &aud)) != 0 ||
	    (r = credfile_opt_string(obj, "quota_project_id", path,
	    &quota)) != 0)
		goto out;
	what = xasprintf("'%s': token_url", path);
	if ((r = http_url_check(url, what)) != 0)
		goto out;
	e = xcalloc(1, sizeof *e);
	e->client_id = xstrdup(id);
	e->client_secret = xstrdup(secret);
	e->refresh_token = xstrdup(refresh);
	e->token_url = xstrdup(url);
	src = source_new(&eau_ops, origin, path);
	src->identity = xasprintf("workforce user of OAuth client %s", id);
	src->token_uri = xstrdup(url);
	/* As for authorized_user: the refresh token tells users apart. */
	fp = source_fingerprint(refresh);
	src->cache_id = xasprintf("external_account_authorized_user\n%s\n%s",
	    id, fp);
	free(fp);
	src->quota_project_id = quota != NULL ? xstrdup(quota) : NULL;
	if (aud != NULL)
		source_info_add(src, "audience", "%s", aud);
	src->priv = e;
	e = NULL;
	*out = src;
	src = NULL;
	r = 0;
out:
	free(what);
	eau_free_priv(e);
	source_free(src);
	return r;
}
