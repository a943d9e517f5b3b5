/*
 * resolve.c: the documented resolution order (PRODUCT.md), each step
 * recorded in the trace so `status` can say what was considered and why.
 *
 * Credentials, one function per tier: explicit (--credentials,
 * --api-key-file, the profile, the keyring, the API key variables), then
 * Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, then
 * gcloud's well-known file), then the metadata server.  A file that is
 * named but missing is an error, never a reason to fall through to a
 * credential the user did not mean.  An API key selects the Gemini API.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "conf.h"
#include "credfile.h"
#include "file.h"
#include "gcloud.h"
#include "keyring.h"
#include "log.h"
#include "resolve.h"
#include "secret.h"
#include "source.h"
#include "vertex.h"
#include "xmalloc.h"

/* Load one credential file for a step and trace the outcome. */
static int
resolve_load(struct vt_ctx *ctx, const char *step, const char *path,
    struct source **out)
{
	int	r;

	if ((r = credfile_load(path, step, out)) != 0 ||
	    (r = source_check(*out, ctx)) != 0) {
		source_free(*out);
		*out = NULL;
		ctx_trace(ctx, "credentials", step, TRACE_FAILED, "%s: %s",
		    path, vt_errmsg() != NULL ? vt_errmsg() : "unusable");
		return r;
	}
	ctx_trace(ctx, "credentials", step, TRACE_CHOSEN, "%s (%s, %s)", path,
	    (*out)->ops->type, (*out)->identity != NULL ?
	    (*out)->identity : "no identity");
	return 0;
}

/* Mark one step after a chosen (r 0) or failed one as skipped. */
static void
resolve_skip_one(struct vt_ctx *ctx, const char *step, int r)
{
	ctx_trace(ctx, "credentials", step, TRACE_SKIPPED, r == 0 ?
	    "an earlier step was chosen" : "not reached: an earlier step "
	    "failed");
}

/* Mark the steps after a chosen or failed one as skipped. */
static void
resolve_skip(struct vt_ctx *ctx, const char *const *steps, int r)
{
	for (; *steps != NULL; steps++)
		resolve_skip_one(ctx, *steps, r);
}

/*
 * API key steps, each recorded in ctx's trace.  r is the result so far:
 * 1 means keep looking; 0 (chosen) or an error makes a step trace itself
 * as skipped and return r unchanged.  A step returns 0 with *out, 1 if
 * it found nothing, or VT_ERR_*.  Under --vertex they skip.
 */

/* The reason key steps are skipped under --vertex, or NULL. */
static char *
resolve_key_vertex_skip(const struct vt_ctx *ctx)
{
	if (ctx->backend_kind != BACKEND_VERTEX)
		return NULL;
	return xasprintf("backend vertex (%s): API keys are not used",
	    ctx->backend.origin);
}

/* Trace step as skipped: after a choice, a failure, or for --vertex. */
static void
resolve_key_skip(struct vt_ctx *ctx, const char *step, int r, const char *why)
{
	ctx_trace(ctx, "credentials", step, TRACE_SKIPPED, "%s", why != NULL ?
	    why : r == 0 ? "an earlier step was chosen" : "not reached: an "
	    "earlier step failed");
}

/* Trace the outcome of making a source of key and return it. */
static int
resolve_key_take(struct vt_ctx *ctx, const char *step, char **key,
    const char *origin, const char *path, struct source **out)
{
	int	r;

	if ((r = source_api_key_new(key, origin, path, out)) != 0) {
		ctx_trace(ctx, "credentials", step, TRACE_FAILED, "%s",
		    vt_errmsg() != NULL ? vt_errmsg() : "unusable");
		return r;
	}
	ctx_trace(ctx, "credentials", step, TRACE_CHOSEN, "%s",
	    (*out)->identity);
	return 0;
}

/* The api_key_file step: --api-key-file or the profile's api_key_file. */
static int
resolve_key_file(struct vt_ctx *ctx, int r, struct source **out)
{
	const char	*v = ctx->api_key_file.value;
	char		*step, *path = NULL, *key = NULL, *why, *origin = NULL;

	step = ctx->api_key_file.origin != NULL ? xasprintf("%s%s",
	    ctx->api_key_file.origin, ctx->api_key_file.from == FROM_CLI ?
	    "" : " api_key_file") : xstrdup("--api-key-file");
	why = resolve_key_vertex_skip(ctx);
	if (r != 1 || (why != NULL && v != NULL)) {
		resolve_key_skip(ctx, step, r, why);
		goto out;
	}
	if (v == NULL) {
		ctx_trace(ctx, "credentials", step, TRACE_ABSENT, NULL);
		goto out;
	}
	path = file_expand_home(v);
	if ((r = source_api_key_read(path, step, &key)) != 0) {
		ctx_trace(ctx, "credentials", step, TRACE_FAILED, "%s: %s",
		    path, vt_errmsg() != NULL ? vt_errmsg() : "unusable");
		goto out;
	}
	origin = xasprintf("file '%s' (%s)", path, step);
	r = resolve_key_take(ctx, step, &key, origin, path, out);
out:
	secret_free(key);
	free(origin);
	free(why);
	free(path);
	free(step);
	return r;
}

/*
 * Could a key be stored?  A cheap test (no D-Bus traffic): `key set`
 * leaves a marker, so nobody who never stored a key pays for a keyring
 * call; keystore_get then finds whether a bus is there at all.
 */
static int
resolve_key_keyring_possible(void)
{
	return keystore_maybe();
}

/* The keyring step: a key stored with `vtoken key set`. */
static int
resolve_key_keyring(struct vt_ctx *ctx, int r, const char *why,
    struct source **out)
{
	char	*step, *key = NULL;
	int	 k;

	step = xasprintf("keyring (profile '%s')", ctx->profile.value);
	if (r != 1 || why != NULL) {
		resolve_key_skip(ctx, step, r, why);
		goto out;
	}
	if (!resolve_key_keyring_possible()) {
		ctx_trace(ctx, "credentials", step, TRACE_ABSENT,
		    "no keyring in this session");
		goto out;
	}
	k = keystore_get(ctx, ctx->profile.value, &key);
	if (k == 1) {
		ctx_trace(ctx, "credentials", step, TRACE_ABSENT,
		    "no API key stored");
		goto out;
	}
	if (k < 0) {
		/* An unusable keyring is not a reason to stop looking. */
		log_info("keyring: %s", vt_errmsg() != NULL ? vt_errmsg() :
		    "unavailable");
		ctx_trace(ctx, "credentials", step, TRACE_FAILED, "%s",
		    vt_errmsg() != NULL ? vt_errmsg() : "unavailable");
		vt_err_clear();
		goto out;
	}
	r = resolve_key_take(ctx, step, &key, step, NULL, out);
out:
	secret_free(key);
	free(step);
	return r;
}

/*
 * The keyring and environment steps: a key stored with `vtoken key set`,
 * VTOKEN_API_KEY, GOOGLE_API_KEY, GEMINI_API_KEY.
 */
static int
resolve_key_stored(struct vt_ctx *ctx, int r, struct source **out)
{
	static const char *const envs[] = { "VTOKEN_API_KEY",
	    "GOOGLE_API_KEY", "GEMINI_API_KEY", NULL };
	const char	*v;
	char		*why, *key, *origin;
	size_t		 i;

	why = resolve_key_vertex_skip(ctx);
	r = resolve_key_keyring(ctx, r, why, out);
	for (i = 0; envs[i] != NULL; i++) {
		v = file_getenv(envs[i]);
		if (r != 1 || (why != NULL && v != NULL)) {
			resolve_key_skip(ctx, envs[i], r, why);
			continue;
		}
		if (v == NULL) {
			ctx_trace(ctx, "credentials", envs[i], TRACE_ABSENT,
			    "not set");
			continue;
		}
		key = xstrdup(v);
		origin = xasprintf("$%s", envs[i]);
		r = resolve_key_take(ctx, envs[i], &key, origin, NULL, out);
		free(origin);
	}
	free(why);
	return r;
}

/*
 * Tier 1, explicit: --credentials, --api-key-file, the profile's
 * credentials, its api_key_file, the keyring, VTOKEN_API_KEY,
 * GOOGLE_API_KEY, GEMINI_API_KEY (source-api-key.c).  --gemini skips the
 * credential file: only a key will do.  0 chosen, 1 none, or VT_ERR_*.
 */
static int
resolve_explicit(struct vt_ctx *ctx, struct source **out)
{
	const char	*step = ctx->credentials.origin;
	char		*path;
	int		 r = 1, key_cli;

	key_cli = ctx->api_key_file.from == FROM_CLI;
	if (key_cli)
		r = resolve_key_file(ctx, r, out);
	if (ctx->credentials.value == NULL)
		ctx_trace(ctx, "credentials", "--credentials", TRACE_ABSENT,
		    NULL);
	else if (r != 1)
		resolve_skip_one(ctx, step, r);
	else if (ctx->gemini)
		ctx_trace(ctx, "credentials", step, TRACE_SKIPPED,
		    "the Gemini API needs an API key");
	else {
		path = file_expand_home(ctx->credentials.value);
		r = resolve_load(ctx, step, path, out);
		free(path);
	}
	if (!key_cli)
		r = resolve_key_file(ctx, r, out);
	return resolve_key_stored(ctx, r, out);
}

/*
 * Tier 2, Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS,
 * then gcloud's well-known file.  r as in source.h.
 */
static int
resolve_adc(struct vt_ctx *ctx, int r, struct source **out)
{
	static const char *const steps[] = {
	    "GOOGLE_APPLICATION_CREDENTIALS", "gcloud ADC file", NULL };
	struct stat	 sb;
	const char	*env;
	char		*path = NULL;
	size_t		 i;

	if (r == 1 && ctx->gemini) {
		for (i = 0; steps[i] != NULL; i++)
			ctx_trace(ctx, "credentials", steps[i], TRACE_SKIPPED,
			    "the Gemini API needs an API key");
		return 1;
	}
	if (r != 1) {
		resolve_skip(ctx, steps, r);
		return r;
	}
	if ((env = file_getenv("GOOGLE_APPLICATION_CREDENTIALS")) != NULL) {
		r = resolve_load(ctx, steps[0], env, out);
		resolve_skip(ctx, steps + 1, r);
		return r;
	}
	ctx_trace(ctx, "credentials", steps[0], TRACE_ABSENT, "not set");
	if ((path = gcloud_adc_path()) != NULL &&
	    (stat(path, &sb) == 0 || errno != ENOENT)) {
		r = resolve_load(ctx, steps[1], path, out);
		free(path);
		return r;
	}
	ctx_trace(ctx, "credentials", steps[1], TRACE_ABSENT, "%s",
	    path != NULL ? path : "no home directory");
	free(path);
	return 1;
}

/* The metadata server step: the attached service account. */
static int
resolve_metadata(struct vt_ctx *ctx, int r, struct source **out)
{
	const char	*step = "metadata server", *why;

	if (r != 1) {
		ctx_trace(ctx, "credentials", step, TRACE_SKIPPED, r == 0 ?
		    "an earlier step was chosen" : "not reached: an earlier "
		    "step failed");
		return r;
	}
	if (ctx->gemini) {
		ctx_trace(ctx, "credentials", step, TRACE_SKIPPED, "the Gemini "
		    "API (%s) needs an API key", ctx->backend.origin);
		return 1;
	}
	if (!source_metadata_detect(ctx, &why)) {
		ctx_trace(ctx, "credentials", step, TRACE_ABSENT, "%s", why);
		return 1;
	}
	if ((r = source_metadata_new(ctx, out)) != 0) {
		ctx_trace(ctx, "credentials", step, TRACE_FAILED, "%s: %s",
		    source_metadata_host(), vt_errmsg() != NULL ?
		    vt_errmsg() : "unusable");
		return r;
	}
	ctx_trace(ctx, "credentials", step, TRACE_CHOSEN, "%s (%s; %s)",
	    source_metadata_host(), (*out)->identity, why);
	return 0;
}

/* The documented order; resolve_credentials adds impersonation. */
static int
resolve_find(struct vt_ctx *ctx, struct source **out)
{
	int	r;

	*out = NULL;
	r = resolve_explicit(ctx, out);
	r = resolve_adc(ctx, r, out);
	r = resolve_metadata(ctx, r, out);	/* tier 3 */
	if (r == 0 && source_is_api_key(*out))
		ctx->gemini = 1;
	if (r != 1)
		return r;
	if (ctx->gemini)
		return vt_err(VT_ERR_CONFIG, "no API key for the Gemini API "
		    "(%s): use --api-key-file FILE, 'vtoken key set', or set "
		    "GEMINI_API_KEY", ctx->backend.origin);
	return vt_err(VT_ERR_CONFIG, "no Google credentials found: use "
	    "--credentials FILE, set GOOGLE_APPLICATION_CREDENTIALS, or run "
	    "'gcloud auth application-default login'");
}

int
resolve_credentials(struct vt_ctx *ctx, struct source **out)
{
	int	r;

	if ((r = resolve_find(ctx, out)) != 0 ||
	    ctx->impersonate.value == NULL)
		return r;
	/* An API key is no caller IAM would accept: never send it there. */
	if (source_is_api_key(*out))
		r = vt_err(VT_ERR_CONFIG, "impersonation (%s) needs an OAuth "
		    "credential, but an API key was chosen; use --vertex to "
		    "skip API keys", ctx->impersonate.origin);
	if (r != 0 || (r = source_impersonate_wrap(ctx, out)) != 0) {
		ctx_trace(ctx, "credentials", ctx->impersonate.origin,
		    TRACE_FAILED, "%s", vt_errmsg() != NULL ? vt_errmsg() :
		    "unusable");
		source_free(*out);
		*out = NULL;
		return r;
	}
	ctx_trace(ctx, "credentials", ctx->impersonate.origin, TRACE_CHOSEN,
	    "impersonate %s%s%s", (*out)->impersonate,
	    (*out)->delegates != NULL ? " via " : "",
	    (*out)->delegates != NULL ? (*out)->delegates : "");
	return 0;
}

/* Trace a discovered project and take it if it is valid. */
static int
resolve_take_project(struct vt_ctx *ctx, const char *value,
    const char *origin)
{
	if (!vertex_valid_project(value)) {
		ctx_trace(ctx, "project", origin, TRACE_FAILED,
		    "'%s' is not a valid project ID", value);
		return 0;
	}
	ctx_trace(ctx, "project", origin, TRACE_CHOSEN, "%s", value);
	setting_set(&ctx->project, value, origin, FROM_DISCOVERED);
	return 1;
}

/*
 * The last project step: the metadata server, unless the Gemini API
 * needs none.  A failure is traced, not fatal: the project is optional.
 */
static int
resolve_project_metadata(struct vt_ctx *ctx, const struct source *src)
{
	char	*project = NULL;
	int	 r;

	(void)src;
	if (ctx->gemini) {
		ctx_trace(ctx, "project", "metadata server", TRACE_SKIPPED,
		    "the Gemini API needs no project");
		return 0;
	}
	r = source_metadata_project(ctx, &project);
	if (r == 0)
		resolve_take_project(ctx, project, "metadata server");
	else if (r == 1)
		ctx_trace(ctx, "project", "metadata server", TRACE_ABSENT,
		    NULL);
	else {
		ctx_trace(ctx, "project", "metadata server", TRACE_FAILED,
		    "%s", vt_errmsg() != NULL ? vt_errmsg() : "unusable");
		vt_err_clear();
	}
	free(project);
	return 0;
}

int
resolve_project(struct vt_ctx *ctx, const struct source *src)
{
	char	*project = NULL, *origin = NULL, *step;
	int	 r;

	/* options_resolve() traced the command line, environment, profile. */
	if (ctx->project.value != NULL) {
		ctx_trace(ctx, "project", "credential file", TRACE_SKIPPED,
		    "an earlier step was chosen");
		ctx_trace(ctx, "project", "gcloud configuration",
		    TRACE_SKIPPED, "an earlier step was chosen");
		ctx_trace(ctx, "project", "metadata server", TRACE_SKIPPED,
		    "an earlier step was chosen");
		return 0;
	}
	if (src != NULL && src->project_id != NULL) {
		step = xasprintf("credential file (%s)", src->path != NULL ?
		    src->path : src->ops->type);
		if (resolve_take_project(ctx, src->project_id, step)) {
			free(step);
			ctx_trace(ctx, "project", "gcloud configuration",
			    TRACE_SKIPPED, "an earlier step was chosen");
			ctx_trace(ctx, "project", "metadata server",
			    TRACE_SKIPPED, "an earlier step was chosen");
			return 0;
		}
		free(step);
	} else
		ctx_trace(ctx, "project", "credential file", TRACE_ABSENT,
		    src != NULL ? "names no project" : "no credential");
	if (gcloud_project(&project, &origin)) {
		r = resolve_take_project(ctx, project, origin);
		free(project);
		free(origin);
		if (r)
			return 0;
	} else
		ctx_trace(ctx, "project", "gcloud configuration", TRACE_ABSENT,
		    NULL);
	return resolve_project_metadata(ctx, src);
}

int
resolve_base_url(struct vt_ctx *ctx, char **out)
{
	const char	*file;

	*out = NULL;
	if (ctx->base_url.value != NULL) {
		*out = vertex_url_location(ctx->base_url.value,
		    ctx->location.value);
		return 0;
	}
	if (ctx->gemini) {
		*out = xstrdup(VT_GEMINI_BASE_URL);
		return 0;
	}
	if (ctx->project.value == NULL) {
		file = ctx->config != NULL ? config_file(ctx->config) :
		    "~/.config/vtoken/config";
		return vt_err(VT_ERR_CONFIG, "no Google Cloud project: use "
		    "--project ID, set GOOGLE_CLOUD_PROJECT, or add "
		    "'project=ID' to profile '%s' in %s", ctx->profile.value,
		    file);
	}
	*out = vertex_base_url(ctx->project.value, ctx->location.value,
	    ctx->endpoint.value, ctx->api_version.value);
	return 0;
}
