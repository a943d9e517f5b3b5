/*
 * source-external.c: workload and workforce identity federation, the ADC
 * type external_account.
 *
 * A subject token (an OIDC or SAML assertion from another identity
 * provider) is read from a file, a URL or a program (subject.c),
 * exchanged at the Security Token Service for a federated access token
 * (RFC 8693 token exchange), and optionally traded again at IAM for a
 * service account's token (service_account_impersonation_url).
 *
 * The STS and IAM URLs receive the subject token and the federated token,
 * which the file does not itself contain: iam_url_check holds them to
 * googleapis.com or loopback before anything is read, run or sent.  AWS
 * (SigV4) and X.509 certificate sources are refused as unsupported.
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
#include "settings.h"
#include "source.h"
#include "subject.h"
#include "xmalloc.h"

#define EXT_GRANT	"urn:ietf:params:oauth:grant-type:token-exchange"
#define EXT_REQUESTED	"urn:ietf:params:oauth:token-type:access_token"
#define EXT_AWS_TYPE	"urn:ietf:params:aws:token-type:aws4_request"
#define EXT_STS_FMT	"https://sts.%s/v1/token"
#define EXT_MAX_HEADERS	32

enum ext_kind { EXT_FILE, EXT_URL, EXT_EXEC };

struct ext_priv {
	char		*audience;
	char		*subject_type;
	char		*token_url;
	char		*imp_url;	/* or NULL */
	long		 imp_lifetime;	/* 0: default */
	char		*client_id;	/* or NULL */
	char		*client_secret;	/* secret, or NULL */
	char		*user_project;	/* workforce_pool_user_project */
	char		*universe;
	int		 workforce;
	enum ext_kind	 kind;
	char		*where;		/* file path, URL or command */
	char		*field;		/* json format field, or NULL: text */
	char		**headers;	/* "Name: value" for url, or NULL */
	long		 timeout_ms;	/* executable */
	char		*output_file;	/* executable, or NULL */
	char		*path;		/* the credential file, for messages */
};

static int	ext_fetch(struct source *, struct vt_ctx *,
	    const struct scope_req *, struct token *);
static void	ext_free_priv(void *);
static int	ext_check(struct source *, struct vt_ctx *);

static const struct source_ops ext_ops = {
	.type = "external_account",
	.fetch = ext_fetch,
	.check = ext_check,
	.free_priv = ext_free_priv,
};

static void
ext_free_priv(void *priv)
{
	struct ext_priv	*e = priv;
	size_t		 i;

	if (e == NULL)
		return;
	free(e->audience);
	free(e->subject_type);
	free(e->token_url);
	free(e->imp_url);
	free(e->client_id);
	secret_free(e->client_secret);
	free(e->user_project);
	free(e->universe);
	free(e->where);
	free(e->field);
	for (i = 0; e->headers != NULL && e->headers[i] != NULL; i++)
		free(e->headers[i]);
	free(e->headers);
	free(e->output_file);
	free(e->path);
	free(e);
}

/* The URL rule for both endpoints, with the run's universe. */
static int
ext_check(struct source *src, struct vt_ctx *ctx)
{
	struct ext_priv	*e = src->priv;
	char		*what;
	int		 r;

	what = xasprintf("'%s': token_url", e->path);
	r = iam_url_check(e->token_url, what, e->universe,
	    iam_user_universe(ctx));
	free(what);
	if (r != 0 || e->imp_url == NULL)
		return r;
	what = xasprintf("'%s': service_account_impersonation_url", e->path);
	r = iam_url_check(e->imp_url, what, e->universe,
	    iam_user_universe(ctx));
	free(what);
	return r;
}

static int
ext_fetch(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	struct ext_priv		*e = src->priv;
	struct subject_exec	 se;
	struct token		 sts = { 0 };
	const char		*kv[17];
	char			*subject = NULL, *form = NULL, *scope = NULL;
	char			*options = NULL;
	int			 r, n = 0;

	/* Before anything is read, run or sent. */
	if ((r = ext_check(src, ctx)) != 0)
		return r;
	switch (e->kind) {
	case EXT_FILE:
		r = subject_from_file(e->where, e->path, e->field, &subject);
		break;
	case EXT_URL:
		r = subject_from_url(ctx, e->where,
		    (const char *const *)e->headers, e->field, &subject);
		break;
	case EXT_EXEC:
		memset(&se, 0, sizeof se);
		se.command = e->where;
		se.timeout_ms = e->timeout_ms;
		se.output_file = e->output_file;
		se.audience = e->audience;
		se.token_type = e->subject_type;
		se.impersonated = src->impersonate;
		r = subject_exec(ctx, &se, &subject);
		break;
	}
	if (r != 0)
		goto out;

	/* With impersonation the STS token only has to reach IAM. */
	scope = e->imp_url != NULL || sc->list == NULL ||
	    sc->list[0] == NULL ? xstrdup(VT_SCOPE_CLOUD_PLATFORM) :
	    settings_scopes_join(sc->list, ' ');
	if (e->workforce && e->user_project != NULL && e->client_id == NULL)
		options = xasprintf("{\"userProject\":\"%s\"}",
		    e->user_project);
	kv[n++] = "grant_type";		kv[n++] = EXT_GRANT;
	kv[n++] = "audience";		kv[n++] = e->audience;
	kv[n++] = "scope";		kv[n++] = scope;
	kv[n++] = "requested_token_type"; kv[n++] = EXT_REQUESTED;
	kv[n++] = "subject_token";	kv[n++] = subject;
	kv[n++] = "subject_token_type";	kv[n++] = e->subject_type;
	kv[n++] = "options";		kv[n++] = options;
	kv[n] = NULL;
	form = http_form_encode(kv);
	log_info("exchanging a subject token for audience %s at %s",
	    e->audience, e->token_url);
	if ((r = iam_sts_request(ctx, e->token_url, form, e->client_id,
	    e->client_secret, e->audience, &sts)) != 0)
		goto out;
	if (e->imp_url == NULL) {
		*tok = sts;
		memset(&sts, 0, sizeof sts);
		goto out;
	}
	r = iam_generate_token(ctx, e->imp_url, sts.access_token,
	    sc->list, NULL, ctx->lifetime_sec > 0 ? ctx->lifetime_sec :
	    e->imp_lifetime, src->identity, src->quota_project_id, tok);
out:
	token_release(&sts);
	secret_free(subject);
	secret_free(form);
	free(scope);
	free(options);
	return r;
}

/* "//iam.googleapis.com/.../workloadIdentityPools/P/providers/Q": the
 * pool and provider, for status (copies), and whether it is workforce. */
static void
ext_pool(const char *aud, char **pool, char **provider, int *workforce)
{
	const char	*p, *q;

	*pool = *provider = NULL;
	*workforce = 0;
	if ((p = strstr(aud, "/workforcePools/")) != NULL) {
		*workforce = strncmp(aud, "//iam.googleapis.com/locations/",
		    31) == 0;
		p += strlen("/workforcePools/");
	} else if ((p = strstr(aud, "/workloadIdentityPools/")) != NULL)
		p += strlen("/workloadIdentityPools/");
	else
		return;
	q = p + strcspn(p, "/");
	*pool = xstrndup(p, (size_t)(q - p));
	if (strncmp(q, "/providers/", 11) == 0) {
		q += 11;
		*provider = xstrndup(q, strcspn(q, "/"));
	}
}

/* format: {"type": "text"|"json", "subject_token_field_name": ...}. */
static int
ext_format(json_object *cs, const char *path, char **field)
{
	json_object	*fmt;
	const char	*type, *name;
	int		 r;

	*field = NULL;
	if (!json_object_object_get_ex(cs, "format", &fmt) || fmt == NULL)
		return 0;
	if (!json_object_is_type(fmt, json_type_object))
		return vt_err(VT_ERR_CRED, "'%s': credential_source.format is "
		    "not an object", path);
	if ((r = credfile_opt_string(fmt, "type", path, &type)) != 0)
		return r;
	if (type == NULL || strcmp(type, "text") == 0)
		return 0;
	if (strcmp(type, "json") != 0)
		return vt_err(VT_ERR_CRED, "'%s': credential_source.format.type "
		    "must be text or json", path);
	if ((r = credfile_string(fmt, "subject_token_field_name", path,
	    &name)) != 0)
		return r;
	*field = xstrdup(name);
	return 0;
}

/* credential_source.headers: a string-to-string map, no CR or LF. */
static int
ext_headers(json_object *cs, const char *path, char ***out)
{
	json_object	*h;
	char		**v;
	const char	*name, *value;
	size_t		 n = 0;

	*out = NULL;
	if (!json_object_object_get_ex(cs, "headers", &h) || h == NULL)
		return 0;
	if (!json_object_is_type(h, json_type_object))
		return vt_err(VT_ERR_CRED, "'%s': credential_source.headers is "
		    "not an object", path);
	v = xcalloc(EXT_MAX_HEADERS + 1, sizeof *v);
	json_object_object_foreach(h, key, val) {
		name = key;
		if (!json_object_is_type(val, json_type_string) ||
		    n == EXT_MAX_HEADERS || *name == '\0' ||
		    strpbrk(name, ": \t\r\n") != NULL) {
			goto bad;
		}
		value = json_object_get_string(val);
		if (strpbrk(value, "\r\n") != NULL ||
		    strlen(value) != (size_t)json_object_get_string_len(val))
			goto bad;
		v[n++] = xasprintf("%s: %s", name, value);
	}
	*out = v;
	return 0;
bad:
	for (n = 0; v[n] != NULL; n++)
		free(v[n]);
	free(v);
	return vt_err(VT_ERR_CRED, "'%s': credential_source.headers must map "
	    "header names to one-line strings (at most %d)", path,
	    EXT_MAX_HEADERS);
}

/* An optional integer field in [lo, hi]; 0 when absent. */
static int
ext_int(json_object *o, const char *key, const char *path, long lo, long hi,
    long *out)
{
	json_object	*v;
	int64_t		 n;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) ||
	    (n = json_object_get_int64(v)) < lo || n > hi)
		return vt_err(VT_ERR_CRED, "'%s': field '%s' must be a whole "
		    "number from %ld to %ld", path, key, lo, hi);
	*out = (long)n;
	return 0;
}

/* The credential_source object: which kind and its settings. */
static int
ext_source(json_object *obj, const char *path, struct ext_priv *e)
{
	json_object	*cs, *ex;
	const char	*file, *url, *cmd, *outf;
	int		 r, count;

	if (!json_object_object_get_ex(obj, "credential_source", &cs) ||
	    cs == NULL)
		return vt_err(VT_ERR_CRED, "'%s': field 'credential_source' is "
		    "missing", path);
	if (!json_object_is_type(cs, json_type_object))
		return vt_err(VT_ERR_CRED, "'%s': field 'credential_source' is "
		    "not an object", path);
	if (json_object_object_get_ex(cs, "environment_id", NULL) ||
	    strcmp(e->subject_type, EXT_AWS_TYPE) == 0)
		return vt_err(VT_ERR_CRED, "'%s': AWS credential sources "
		    "(environment_id aws1, SigV4) are not supported by vtoken; "
		    "use a file, url or executable source", path);
	if (json_object_object_get_ex(cs, "certificate", NULL))
		return vt_err(VT_ERR_CRED, "'%s': X.509 certificate credential "
		    "sources are not supported by vtoken; use a file, url or "
		    "executable source", path);
	if (json_object_object_get_ex(cs, "executable", &ex) && ex != NULL) {
		if (!json_object_is_type(ex, json_type_object))
			return vt_err(VT_ERR_CRED, "'%s': credential_source."
			    "executable is not an object", path);
		if ((r = credfile_string(ex, "command", path, &cmd)) != 0 ||
		    (r = credfile_opt_string(ex, "output_file", path,
		    &outf)) != 0 ||
		    (r = ext_int(ex, "timeout_millis", path, SUBJECT_EXEC_MIN,
		    SUBJECT_EXEC_MAX, &e->timeout_ms)) != 0)
			return r;
		e->kind = EXT_EXEC;
		e->where = xstrdup(cmd);
		e->output_file = outf != NULL ? xstrdup(outf) : NULL;
		return 0;
	}
	if ((r = credfile_opt_string(cs, "file", path, &file)) != 0 ||
	    (r = credfile_opt_string(cs, "url", path, &url)) != 0)
		return r;
	count = (file != NULL) + (url != NULL);
	if (count != 1)
		return vt_err(VT_ERR_CRED, "'%s': credential_source needs "
		    "exactly one of 'file', 'url' or 'executable'", path);
	if ((r = ext_format(cs, path, &e->field)) != 0)
		return r;
	if (file != NULL) {
		e->kind = EXT_FILE;
		e->where = xstrdup(file);
		return 0;
	}
	e->kind = EXT_URL;
	e->where = xstrdup(url);
	return ext_headers(cs, path, &e->headers);
}

int
source_external_new(json_object *obj, const char *path, const char *origin,
    struct source **out)
{
	static const char *const kinds[] = { "file", "url", "executable" };
	struct ext_priv	*e = NULL;
	struct source	*src = NULL;
	json_object	*imp;
	const char	*aud, *type, *url, *iurl, *cid, *csec, *up, *quota;
	const char	*universe;
	char		*pool = NULL, *provider = NULL, *target = NULL, *what;
	int		 r;

	*out = NULL;
	if ((r = credfile_string(obj, "audience", path, &aud)) != 0 ||
	    (r = credfile_string(obj, "subject_token_type", path,
	    &type)) != 0 ||
	    (r = credfile_opt_string(obj, "token_url", path, &url)) != 0 ||
	    (r = credfile_opt_string(obj, "service_account_impersonation_url",
	    path, &iurl)) != 0 ||
	    (r = credfile_opt_string(obj, "client_id", path, &cid)) != 0 ||
	    (r = credfile_opt_string(obj, "client_secret", path,
	    &csec)) != 0 ||
	    (r = credfile_opt_string(obj, "workforce_pool_user_project", path,
	    &up)) != 0 ||
	    (r = credfile_opt_string(obj, "quota_project_id", path,
	    &quota)) != 0 ||
	    (r = credfile_opt_string(obj, "universe_domain", path,
	    &universe)) != 0)
		goto out;
	e = xcalloc(1, sizeof *e);
	e->path = xstrdup(path);
	e->audience = xstrdup(aud);
	e->subject_type = xstrdup(type);
	e->universe = universe != NULL ? xstrdup(universe) : NULL;
	e->token_url = url != NULL ? xstrdup(url) : xasprintf(EXT_STS_FMT,
	    universe != NULL ? universe : IAM_UNIVERSE);
	ext_pool(aud, &pool, &provider, &e->workforce);
	if (up != NULL && !e->workforce) {
		r = vt_err(VT_ERR_CRED, "'%s': workforce_pool_user_project is "
		    "only for workforce pool audiences "
		    "(//iam.googleapis.com/locations/.../workforcePools/...)",
		    path);
		goto out;
	}
	if (up != NULL && strspn(up, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(up)) {
		r = vt_err(VT_ERR_CRED, "'%s': workforce_pool_user_project is "
		    "not a project number or ID", path);
		goto out;
	}
	if ((r = ext_source(obj, path, e)) != 0)
		goto out;
	what = xasprintf("'%s': token_url", path);
	r = http_url_check(e->token_url, what);
	free(what);
	if (r != 0)
		goto out;
	if (iurl != NULL) {
		if ((target = iam_url_email(iurl)) == NULL ||
		    !iam_valid_account(target)) {
			r = vt_err(VT_ERR_CRED, "'%s': service_account_"
			    "impersonation_url is not an IAM "
			    "generateAccessToken URL", path);
			goto out;
		}
		e->imp_url = xstrdup(iurl);
		if (json_object_object_get_ex(obj,
		    "service_account_impersonation", &imp) && imp != NULL &&
		    (r = ext_int(imp, "token_lifetime_seconds", path, 1,
		    IAM_MAX_LIFETIME, &e->imp_lifetime)) != 0)
			goto out;
	}
	e->client_id = cid != NULL ? xstrdup(cid) : NULL;
	e->client_secret = csec != NULL ? xstrdup(csec) : NULL;
	e->user_project = up != NULL ? xstrdup(up) : NULL;

	src = source_new(&ext_ops, origin, path);
	if (target != NULL) {
		src->identity = xstrdup(target);
		src->impersonate = xstrdup(target);
	} else if (pool != NULL)
		src->identity = xasprintf("%s pool %s, provider %s",
		    e->workforce ? "workforce" : "workload identity", pool,
		    provider != NULL ? provider : "?");
	else
		src->identity = xasprintf("audience %s", aud);
	src->token_uri = xstrdup(e->token_url);
	/* Who: the provider (audience) and where the subject comes from. */
	src->cache_id = xasprintf("external_account\n%s\n%d\n%s\n%s", aud,
	    (int)e->kind, e->where, e->user_project != NULL ?
	    e->user_project : "");
	src->quota_project_id = quota != NULL ? xstrdup(quota) : NULL;
	if (pool != NULL)
		source_info_add(src, e->workforce ? "workforce pool" :
		    "identity pool", "%s", pool);
	if (provider != NULL)
		source_info_add(src, "provider", "%s", provider);
	source_info_add(src, "audience", "%s", aud);
	source_info_add(src, "subject from", "%s %s%s%s", kinds[e->kind],
	    e->where, e->kind == EXT_EXEC && !subject_exec_allowed() ?
	    " (not allowed: set GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1)" :
	    "", e->field != NULL ? " (json)" : "");
	if (e->output_file != NULL)
		source_info_add(src, "output file", "%s", e->output_file);
	if (target != NULL)
		source_info_add(src, "impersonates", "%s", target);
	src->priv = e;
	e = NULL;
	*out = src;
	src = NULL;
	r = 0;
out:
	free(pool);
	free(provider);
	free(target);
	ext_free_priv(e);
	source_free(src);
	return r;
}
