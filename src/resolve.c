/*
 * resolve.c: the documented resolution order (PRODUCT.md), each step
 * recorded in the trace so `status` can say what was considered and why.
 *
 * Credentials: explicit (--credentials or the profile), then Application
 * Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, then gcloud's
 * well-known file).  A file that is named but missing is an error, never a
 * reason to fall through to a credential the user did not mean.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "conf.h"
#include "file.h"
#include "gcloud.h"
#include "log.h"
#include "resolve.h"
#include "source.h"
#include "vertex.h"
#include "xmalloc.h"

/* Expand a leading "~/" (profiles are not read by a shell).  Caller frees. */
static char *
resolve_expand(const char *path)
{
	const char	*home = file_home();

	if (strncmp(path, "~/", 2) == 0 && home != NULL)
		return xasprintf("%s/%s", home, path + 2);
	return xstrdup(path);
}

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

/* Mark the steps after a chosen or failed one as skipped. */
static void
resolve_skip(struct vt_ctx *ctx, const char *const *steps, int r)
{
	for (; *steps != NULL; steps++)
		ctx_trace(ctx, "credentials", *steps, TRACE_SKIPPED, r == 0 ?
		    "an earlier step was chosen" : "not reached: an earlier "
		    "step failed");
}

/* The documented order; resolve_credentials adds impersonation. */
static int
resolve_find(struct vt_ctx *ctx, struct source **out)
{
	static const char *const after_explicit[] = {
	    "GOOGLE_APPLICATION_CREDENTIALS", "gcloud ADC file", NULL };
	static const char *const after_env[] = { "gcloud ADC file", NULL };
	struct stat	 sb;
	const char	*env;
	char		*path = NULL;
	int		 r;

	*out = NULL;
	if (ctx->credentials.value != NULL) {
		path = resolve_expand(ctx->credentials.value);
		r = resolve_load(ctx, ctx->credentials.origin, path, out);
		resolve_skip(ctx, after_explicit, r);
		goto out;
	}
	ctx_trace(ctx, "credentials", "--credentials", TRACE_ABSENT, NULL);

	env = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	if (env != NULL && *env != '\0') {
		r = resolve_load(ctx, "GOOGLE_APPLICATION_CREDENTIALS", env,
		    out);
		resolve_skip(ctx, after_env, r);
		goto out;
	}
	ctx_trace(ctx, "credentials", "GOOGLE_APPLICATION_CREDENTIALS",
	    TRACE_ABSENT, "not set");

	if ((path = gcloud_adc_path()) != NULL &&
	    (stat(path, &sb) == 0 || errno != ENOENT)) {
		r = resolve_load(ctx, "gcloud ADC file", path, out);
		goto out;
	}
	ctx_trace(ctx, "credentials", "gcloud ADC file", TRACE_ABSENT, "%s",
	    path != NULL ? path : "no home directory");
	r = vt_err(VT_ERR_CONFIG, "no Google credentials found: use "
	    "--credentials FILE, set GOOGLE_APPLICATION_CREDENTIALS, or run "
	    "'gcloud auth application-default login'");
out:
	free(path);
	return r;
}

int
resolve_credentials(struct vt_ctx *ctx, struct source **out)
{
	int	r;

	if ((r = resolve_find(ctx, out)) != 0 ||
	    ctx->impersonate.value == NULL)
		return r;
	if ((r = source_impersonate_wrap(ctx, out)) != 0) {
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
	setting_set(&ctx->project, value, origin);
	return 1;
}

int
resolve_project(struct vt_ctx *ctx, const struct source *src)
{
	char	*project = NULL, *origin = NULL, *step;

	/* options_resolve() traced the command line, environment, profile. */
	if (ctx->project.value != NULL) {
		ctx_trace(ctx, "project", "credential file", TRACE_SKIPPED,
		    "an earlier step was chosen");
		ctx_trace(ctx, "project", "gcloud configuration",
		    TRACE_SKIPPED, "an earlier step was chosen");
		return 0;
	}
	if (src != NULL && src->project_id != NULL) {
		step = xasprintf("credential file (%s)", src->path != NULL ?
		    src->path : src->ops->type);
		if (resolve_take_project(ctx, src->project_id, step)) {
			free(step);
			ctx_trace(ctx, "project", "gcloud configuration",
			    TRACE_SKIPPED, "an earlier step was chosen");
			return 0;
		}
		free(step);
	} else
		ctx_trace(ctx, "project", "credential file", TRACE_ABSENT,
		    src != NULL ? "names no project" : "no credential");
	if (gcloud_project(&project, &origin)) {
		resolve_take_project(ctx, project, origin);
		free(project);
		free(origin);
		return 0;
	}
	ctx_trace(ctx, "project", "gcloud configuration", TRACE_ABSENT, NULL);
	return 0;
}

int
resolve_base_url(struct vt_ctx *ctx, char **out)
{
	const char	*file;

	*out = NULL;
	if (ctx->base_url.value != NULL) {
		*out = xstrdup(ctx->base_url.value);
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
