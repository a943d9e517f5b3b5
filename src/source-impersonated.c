/*
 * source-impersonated.c: service account impersonation through the IAM
 * Credentials API (generateAccessToken), two ways:
 *
 * - --impersonate-service-account / profile `impersonate` wraps whatever
 *   source resolve found (a file, the metadata server...);
 * - the ADC type impersonated_service_account names its source in
 *   source_credentials and the IAM URL in service_account_impersonation_url.
 *
 * The source token is minted for the cloud-platform scope (IAM accepts it;
 * user credentials keep the scopes they were granted), then sent as the
 * Bearer token to IAM, which must be https:// on googleapis.com or loopback
 * (iam_url_check) since it carries that token.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "credfile.h"
#include "file.h"
#include "http.h"
#include "iam.h"
#include "log.h"
#include "secret.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

struct imp_priv {
	struct source	*inner;		/* owned */
	char		*url;		/* generateAccessToken URL */
	char		**delegates;	/* NULL-terminated, or NULL */
	char		**scopes;	/* the file's scopes, or NULL */
	char		*universe;	/* the file's universe_domain, or NULL */
	char		*what;		/* names the URL in messages */
};

static int	imp_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static int	imp_id_token(struct source *, struct vt_ctx *, const char *,
	    int, struct token *);
static void	imp_free_priv(void *);
static int	imp_check(struct source *, struct vt_ctx *);

static const struct source_ops imp_ops = {
	.type = "impersonated_service_account",
	.fetch = imp_fetch,
	.id_token = imp_id_token,
	.check = imp_check,
	.free_priv = imp_free_priv,
};

/* Mint the source token for the cloud-platform scope. */
static int
imp_source_token(struct source *inner, struct vt_ctx *ctx, struct token *tok)
{
	char *const		 cp[2] = { (char *)VT_SCOPE_CLOUD_PLATFORM, NULL };
	const struct scope_req	 sc = { cp, 0 };

	return source_fetch_scopes(inner, ctx, &sc, tok);
}

/*
 * Check the IAM URL again (a source built without resolve: tests), mint
 * the source token, and say who the caller is for IAM's error hints
 * (*caller, freed by the caller).
 */
static int
imp_prepare(struct source *src, struct vt_ctx *ctx, struct token *stok,
    char **caller)
{
	struct imp_priv	*ip = src->priv;
	int		 r;

	*caller = NULL;
	if ((r = iam_url_check(ip->url, ip->what, ip->universe,
	    iam_user_universe(ctx))) != 0)
		return r;
	if ((r = imp_source_token(ip->inner, ctx, stok)) != 0)
		return r;
	*caller = xasprintf("%s (%s)", ip->inner->identity != NULL ?
	    ip->inner->identity : "the source credential",
	    ip->inner->ops->type);
	return 0;
}

static int
imp_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct imp_priv	*ip = src->priv;
	struct token	 stok = { 0 };
	char		*const *scopes;
	char		*caller;
	int		 r;

	if ((r = imp_prepare(src, ctx, &stok, &caller)) != 0)
		return r;
	/* The user's scopes win; the file's apply when none were chosen. */
	scopes = sc->list;
	if (ip->scopes != NULL && !sc->chosen)
		scopes = ip->scopes;
	r = iam_generate_token(ctx, ip->url, stok.access_token, scopes,
	    ip->delegates, ctx->lifetime_sec, caller, src->quota_project_id,
	    tok);
	free(caller);
	token_release(&stok);
	return r;
}

/* An ID token of the target through IAM generateIdToken. */
static int
imp_id_token(struct source *src, struct vt_ctx *ctx, const char *audience,
    int full, struct token *tok)
{
	struct imp_priv	*ip = src->priv;
	struct token	 stok = { 0 };
	char		*caller;
	int		 r;

	if ((r = imp_prepare(src, ctx, &stok, &caller)) != 0)
		return r;
	r = iam_generate_id_token(ctx, ip->url, stok.access_token, audience,
	    full, ip->delegates, caller, src->quota_project_id, tok);
	free(caller);
	token_release(&stok);
	return r;
}

static int
imp_check(struct source *src, struct vt_ctx *ctx)
{
	struct imp_priv	*ip = src->priv;
	int		 r;

	if ((r = iam_url_check(ip->url, ip->what, ip->universe,
	    iam_user_universe(ctx))) != 0)
		return r;
	return source_check(ip->inner, ctx);
}

static void
imp_free_priv(void *priv)
{
	struct imp_priv	*ip = priv;

	if (ip == NULL)
		return;
	source_free(ip->inner);
	free(ip->url);
	xstrv_free(ip->delegates);
	xstrv_free(ip->scopes);
	free(ip->universe);
	free(ip->what);
	free(ip);
}

/* Fill the public fields from the target and the inner source. */
static void
imp_describe(struct source *src, const char *target)
{
	struct imp_priv	*ip = src->priv;
	struct source	*in = ip->inner;
	char		*d = NULL, *t;
	size_t		 i;

	src->identity = xstrdup(target);
	src->impersonate = xstrdup(target);
	for (i = 0; ip->delegates != NULL && ip->delegates[i] != NULL; i++) {
		t = xasprintf("%s%s%s", d != NULL ? d : "", d != NULL ? "," :
		    "", ip->delegates[i]);
		free(d);
		d = t;
	}
	src->delegates = d;
	src->token_uri = xstrdup(ip->url);
	/* Cached only if the caller's tokens would be (cache.c adds the
	 * target, delegates and lifetime to the key). */
	if (in->cache_id != NULL)
		src->cache_id = xasprintf("impersonated\n%s\n%s",
		    in->cache_id, in->token_uri != NULL ? in->token_uri : "");
	if (src->project_id == NULL && in->project_id != NULL)
		src->project_id = xstrdup(in->project_id);
	if (src->quota_project_id == NULL && in->quota_project_id != NULL)
		src->quota_project_id = xstrdup(in->quota_project_id);
	source_info_add(src, "impersonates", "%s", target);
	if (d != NULL)
		source_info_add(src, "delegates", "%s", d);
	source_info_add(src, "source", "%s, %s%s%s", in->ops->type,
	    in->identity != NULL ? in->identity : "unknown identity",
	    in->path != NULL && (src->path == NULL ||
	    strcmp(in->path, src->path) != 0) ? ", " : "",
	    in->path != NULL && (src->path == NULL ||
	    strcmp(in->path, src->path) != 0) ? in->path : "");
	for (i = 0; i < in->ninfo; i++) {
		t = xasprintf("source %s", in->info[i].name);
		source_info_add(src, t, "%s", in->info[i].value);
		free(t);
	}
}

/* A JSON array of strings as a vector; VT_ERR_CRED if it is not one. */
static int
imp_strv(json_object *obj, const char *key, const char *path, char ***out)
{
	json_object	*a, *v;
	size_t		 i, n;
	char		**vec;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &a) || a == NULL)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return vt_err(VT_ERR_CRED, "'%s': field '%s' is not a list",
		    path, key);
	n = json_object_array_length(a);
	if (n > IAM_MAX_DELEGATES)
		return vt_err(VT_ERR_CRED, "'%s': field '%s' has more than %d "
		    "entries", path, key, IAM_MAX_DELEGATES);
	if (n == 0)
		return 0;
	vec = xcalloc(n + 1, sizeof *vec);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 ||
		    strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v)) {
			xstrv_free(vec);
			return vt_err(VT_ERR_CRED, "'%s': entry %zu of '%s' is "
			    "not a non-empty string", path, i + 1, key);
		}
		vec[i] = xstrdup(json_object_get_string(v));
	}
	*out = vec;
	return 0;
}

int
source_impersonated_new(json_object *obj, const char *path,
    const char *origin, struct source **out)
{
	struct imp_priv	*ip = NULL;
	struct source	*src = NULL, *inner = NULL;
	json_object	*sc;
	const char	*url, *quota, *universe;
	char		*target = NULL, *nested = NULL;
	int		 r;

	*out = NULL;
	if ((r = credfile_string(obj, "service_account_impersonation_url",
	    path, &url)) != 0 ||
	    (r = credfile_opt_string(obj, "quota_project_id", path,
	    &quota)) != 0 ||
	    (r = credfile_opt_string(obj, "universe_domain", path,
	    &universe)) != 0)
		goto out;
	if (!json_object_object_get_ex(obj, "source_credentials", &sc) ||
	    sc == NULL) {
		r = vt_err(VT_ERR_CRED, "'%s': field 'source_credentials' is "
		    "missing", path);
		goto out;
	}
	if (!json_object_is_type(sc, json_type_object)) {
		r = vt_err(VT_ERR_CRED, "'%s': field 'source_credentials' is "
		    "not an object", path);
		goto out;
	}
	if ((target = iam_url_email(url)) == NULL ||
	    !iam_valid_account(target)) {
		r = vt_err(VT_ERR_CRED, "'%s': service_account_impersonation_url "
		    "is not an IAM generateAccessToken URL (.../serviceAccounts/"
		    "EMAIL:generateAccessToken)", path);
		goto out;
	}
	ip = xcalloc(1, sizeof *ip);
	if ((r = imp_strv(obj, "delegates", path, &ip->delegates)) != 0 ||
	    (r = imp_strv(obj, "scopes", path, &ip->scopes)) != 0)
		goto out;
	/* The nested credential; its messages name the field. */
	nested = xasprintf("%s (source_credentials)", path);
	if ((r = credfile_dispatch(sc, nested, origin, &inner)) != 0)
		goto out;
	if (strcmp(inner->ops->type, imp_ops.type) == 0) {
		r = vt_err(VT_ERR_CRED, "'%s': source_credentials may not be "
		    "another impersonated_service_account", path);
		goto out;
	}
	ip->inner = inner;
	inner = NULL;
	ip->url = xstrdup(url);
	ip->universe = universe != NULL ? xstrdup(universe) : NULL;
	ip->what = xasprintf("'%s': service_account_impersonation_url", path);
	/* A well-formed URL now; the host rule (imp_check) needs the
	 * universe the user named. */
	if ((r = http_url_check(url, ip->what)) != 0)
		goto out;
	src = source_new(&imp_ops, origin, path);
	if (quota != NULL)
		src->quota_project_id = xstrdup(quota);
	src->priv = ip;
	ip = NULL;
	imp_describe(src, target);
	*out = src;
	src = NULL;
	r = 0;
out:
	free(target);
	free(nested);
	source_free(inner);
	imp_free_priv(ip);
	source_free(src);
	return r;
}

/* Split "[DELEGATE,...]TARGET" into the target and the delegates. */
static int
imp_parse_chain(const struct setting *s, char **target, char ***delegates)
{
	char	**v = NULL, *copy, *p, *tok, *save = NULL;
	size_t	  n = 0;
	int	  code;

	*target = NULL;
	*delegates = NULL;
	code = setting_bad_code(s);
	copy = xstrdup(s->value);
	for (p = copy; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		while (*tok == ' ')
			tok++;
		tok[strcspn(tok, " ")] = '\0';
		if (!iam_valid_account(tok) || n >= IAM_MAX_DELEGATES) {
			xstrv_free(v);
			free(copy);
			return vt_err(code, "invalid service account list '%s' "
			    "(from %s): give [DELEGATE,...]TARGET as e-mails "
			    "separated by commas, at most %d", s->value,
			    s->origin, IAM_MAX_DELEGATES);
		}
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrdup(tok);
		v[n] = NULL;
	}
	free(copy);
	if (n == 0)
		return vt_err(code, "empty service account list (from %s)",
		    s->origin);
	/* gcloud's order: the last is the target, the others delegates. */
	*target = v[n - 1];
	v[n - 1] = NULL;
	if (n > 1)
		*delegates = v;
	else
		free(v);
	return 0;
}

int
source_impersonate_wrap(struct vt_ctx *ctx, struct source **srcp)
{
	struct imp_priv	*ip = NULL;
	struct source	*src = NULL;
	const char	*base, *user_u;
	char		*target = NULL, *b = NULL;
	int		 r;

	ip = xcalloc(1, sizeof *ip);
	if ((r = imp_parse_chain(&ctx->impersonate, &target,
	    &ip->delegates)) != 0)
		goto out;
	user_u = iam_user_universe(ctx);
	if ((base = file_getenv("VTOKEN_IAM_ENDPOINT")) != NULL) {
		b = xstrdup(base);
		ip->what = xstrdup("IAM endpoint (from VTOKEN_IAM_ENDPOINT)");
	} else {
		b = user_u != NULL ? xasprintf("https://iamcredentials.%s",
		    user_u) : xstrdup(IAM_ENDPOINT);
		ip->what = xasprintf("IAM endpoint (for %s)",
		    ctx->impersonate.origin);
	}
	while (*b != '\0' && b[strlen(b) - 1] == '/')
		b[strlen(b) - 1] = '\0';
	ip->url = xasprintf(IAM_GENERATE_FMT, b, target);
	if ((r = iam_url_check(ip->url, ip->what, NULL, user_u)) != 0)
		goto out;
	src = source_new(&imp_ops, (*srcp)->origin, (*srcp)->path);
	src->priv = ip;
	ip->inner = *srcp;
	ip = NULL;
	imp_describe(src, target);
	source_info_add(src, "chained by", "%s", ctx->impersonate.origin);
	*srcp = src;
	r = 0;
out:
	free(b);
	free(target);
	imp_free_priv(ip);
	return r;
}
