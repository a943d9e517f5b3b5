/*
 * cmd-status.c: explain what vtoken would do: every resolution step it
 * considered, what it chose and why, the project and where it came from,
 * and the base URL.  It prints no secret, and makes no network request
 * but to the metadata server (local to the machine, and only when it is
 * detected or probed, see source-metadata.c).
 *
 * The report goes to stdout even when no credential was found, since that
 * is when it is most needed; the exit status and the error line on stderr
 * still say what failed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "cache.h"
#include "cmd.h"
#include "conf.h"
#include "keyring.h"
#include "log.h"
#include "output.h"
#include "resolve.h"
#include "source.h"
#include "xmalloc.h"

/* The cache as status reports it. */
struct status_cache {
	const char	*backend;	/* "keyring", "file" or "none" */
	char		*where;		/* collection or directory, or NULL */
	const char	*why;		/* why not the keyring, or NULL */
	int		 cached;	/* a token for this credential */
	time_t		 expires_at;
};

static void
status_cache_get(struct vt_ctx *ctx, const struct source *src,
    struct status_cache *sc)
{
	const struct cache_backend	*c = NULL;
	struct token			 tok = { 0 };
	char				*key = NULL;

	memset(sc, 0, sizeof *sc);
	sc->backend = "none";
	if (ctx->no_cache || cache_select(ctx, &c, &sc->why) != 0 ||
	    c == NULL) {
		vt_err_clear();
		return;
	}
	sc->backend = c->name;
	if (c == &cache_keyring_backend)
		sc->where = xasprintf("%s collection", keyring_collection());
	else
		sc->where = cache_file_dir();
	if (src != NULL && (key = cache_key(ctx, src)) != NULL &&
	    c->get(key, &tok, NULL) == 0) {
		sc->cached = 1;
		sc->expires_at = tok.expires_at;
	}
	vt_err_clear();
	token_release(&tok);
	free(key);
}

static const char *const status_results[] = {
	[TRACE_CHOSEN] = "chosen",
	[TRACE_ABSENT] = "absent",
	[TRACE_SKIPPED] = "skipped",
	[TRACE_FAILED] = "failed"
};

/* A setting as {"value": ..., "from": ...}, or null. */
static json_object *
status_json_setting(const struct setting *s)
{
	json_object	*o;

	if (s->value == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "value", json_object_new_string(s->value));
	json_object_object_add(o, "from", json_object_new_string(s->origin));
	return o;
}

/* A string or null. */
static json_object *
status_json_str(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* The whole report as one JSON object. */
static char *
status_json(struct vt_ctx *ctx, const struct source *src,
    const char *base_url, const char *config, const char *error,
    const struct status_cache *sc)
{
	json_object	*root, *o, *a, *t;
	char		*text, when[32];
	size_t		 i;

	root = json_object_new_object();
	json_object_object_add(root, "version",
	    json_object_new_string(PACKAGE_VERSION));
	o = status_json_setting(&ctx->profile);
	json_object_object_add(o, "config_file", json_object_new_string(
	    config));
	json_object_object_add(o, "config_loaded",
	    json_object_new_boolean(ctx->config != NULL));
	json_object_object_add(root, "profile", o);
	o = NULL;
	if (src != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string(src->ops->type));
		json_object_object_add(o, "identity",
		    status_json_str(src->identity));
		json_object_object_add(o, "from",
		    json_object_new_string(src->origin));
		json_object_object_add(o, "file", status_json_str(src->path));
		json_object_object_add(o, "token_uri",
		    status_json_str(src->token_uri));
		json_object_object_add(o, "quota_project",
		    status_json_str(src->quota_project_id));
		json_object_object_add(o, "impersonate",
		    status_json_str(src->impersonate));
		json_object_object_add(o, "delegates",
		    status_json_str(src->delegates));
		t = json_object_new_object();
		for (i = 0; i < src->ninfo; i++)
			json_object_object_add(t, src->info[i].name,
			    json_object_new_string(src->info[i].value));
		json_object_object_add(o, "details", t);
	}
	json_object_object_add(root, "credentials", o);
	json_object_object_add(root, "project",
	    status_json_setting(&ctx->project));
	json_object_object_add(root, "location",
	    status_json_setting(&ctx->location));
	json_object_object_add(root, "endpoint",
	    status_json_setting(&ctx->endpoint));
	json_object_object_add(root, "api_version",
	    status_json_setting(&ctx->api_version));
	json_object_object_add(root, "backend", json_object_new_string(
	    ctx->gemini ? "gemini" : "vertex"));
	json_object_object_add(root, "base_url", status_json_str(base_url));
	a = json_object_new_array();
	for (i = 0; ctx->scope_list != NULL && ctx->scope_list[i] != NULL; i++)
		json_object_array_add(a,
		    json_object_new_string(ctx->scope_list[i]));
	json_object_object_add(root, "scopes", a);
	o = json_object_new_object();
	json_object_object_add(o, "backend",
	    json_object_new_string(sc->backend));
	json_object_object_add(o, "location", status_json_str(sc->where));
	json_object_object_add(o, "keyring_unavailable",
	    status_json_str(sc->why));
	json_object_object_add(o, "expires_at", sc->cached ?
	    json_object_new_string(output_rfc3339(sc->expires_at, when,
	    sizeof when)) : NULL);
	json_object_object_add(root, "cache", o);
	a = json_object_new_array();
	for (i = 0; i < ctx->ntrace; i++) {
		t = json_object_new_object();
		json_object_object_add(t, "what",
		    json_object_new_string(ctx->trace[i].what));
		json_object_object_add(t, "step",
		    json_object_new_string(ctx->trace[i].step));
		json_object_object_add(t, "result", json_object_new_string(
		    status_results[ctx->trace[i].result]));
		json_object_object_add(t, "detail",
		    status_json_str(ctx->trace[i].detail));
		json_object_array_add(a, t);
	}
	json_object_object_add(root, "trace", a);
	json_object_object_add(root, "error", status_json_str(error));
	text = xasprintf("%s\n", json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return text;
}

/*
 * Append one line to a growing report.  The whole line is escaped: its
 * values come from credential files, the environment and the config, and
 * a planted newline or terminal escape must not forge report lines.
 */
static void __attribute__((format(printf, 2, 3)))
status_add(char **buf, const char *fmt, ...)
{
	va_list	 ap;
	char	*line, *esc, *next;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	esc = log_escape(line, strlen(line));
	next = xasprintf("%s%s\n", *buf != NULL ? *buf : "", esc);
	free(esc);
	free(line);
	free(*buf);
	*buf = next;
}

/* One "name: value (from)" line of the text report. */
static void
status_add_setting(char **buf, const char *name, const struct setting *s,
    const char *missing)
{
	if (s->value == NULL)
		status_add(buf, "%-13s %s", name, missing);
	else
		status_add(buf, "%-13s %s (%s)", name, s->value, s->origin);
}

/* The trace steps about one thing, in the order they were taken. */
static void
status_add_trace(char **buf, const struct vt_ctx *ctx, const char *what)
{
	const struct trace_step	*t;
	size_t			 i;

	for (i = 0; i < ctx->ntrace; i++) {
		t = &ctx->trace[i];
		if (strcmp(t->what, what) != 0)
			continue;
		if (t->detail == NULL)
			status_add(buf, "  %-12s %-32s %s", t->what, t->step,
			    status_results[t->result]);
		else
			status_add(buf, "  %-12s %-32s %-8s %s", t->what,
			    t->step, status_results[t->result], t->detail);
	}
}

/* The report for people. */
static char *
status_text(struct vt_ctx *ctx, const struct source *src,
    const char *base_url, const char *config, const struct status_cache *sc)
{
	char	*buf = NULL, when[32];
	size_t	 i;

	status_add(&buf, "%-13s %s (%s); config file %s%s", "profile:",
	    ctx->profile.value, ctx->profile.origin, config,
	    ctx->config != NULL ? "" : " (not present)");
	if (src != NULL) {
		status_add(&buf, "%-13s %s, %s", "credentials:",
		    src->ops->type, src->identity != NULL ? src->identity :
		    "unknown identity");
		status_add(&buf, "%-13s %s", "  found by:", src->origin);
		if (src->path != NULL)
			status_add(&buf, "%-13s %s", "  file:", src->path);
		if (src->token_uri != NULL)
			status_add(&buf, "%-13s %s", "  token URI:",
			    src->token_uri);
		if (src->quota_project_id != NULL)
			status_add(&buf, "%-13s %s", "  quota:",
			    src->quota_project_id);
		for (i = 0; i < src->ninfo; i++)
			status_add(&buf, "  %s: %s", src->info[i].name,
			    src->info[i].value);
	} else
		status_add(&buf, "%-13s none found", "credentials:");
	status_add_setting(&buf, "project:", &ctx->project, "none found "
	    "(use --project, GOOGLE_CLOUD_PROJECT or the profile's project)");
	status_add_setting(&buf, "location:", &ctx->location, "?");
	status_add_setting(&buf, "endpoint:", &ctx->endpoint, "?");
	status_add_setting(&buf, "API version:", &ctx->api_version, "?");
	status_add(&buf, "%-13s %s%s%s%s", "backend:", ctx->gemini ?
	    "Gemini API (API key)" : "Vertex AI", ctx->backend.value != NULL ?
	    " (" : "", ctx->backend.value != NULL ? ctx->backend.origin : "",
	    ctx->backend.value != NULL ? ")" : "");
	status_add(&buf, "%-13s %s", "base URL:", base_url != NULL ?
	    base_url : "unknown until a project is set");
	for (i = 0; ctx->scope_list != NULL && ctx->scope_list[i] != NULL; i++)
		status_add(&buf, "%-13s %s", i == 0 ? "scopes:" : "",
		    ctx->scope_list[i]);
	status_add(&buf, "%-13s %s%s%s%s", "cache:", sc->backend,
	    sc->where != NULL ? " (" : "", sc->where != NULL ? sc->where : "",
	    sc->where != NULL ? ")" : "");
	if (sc->why != NULL)
		status_add(&buf, "%-13s keyring unavailable: %s", "", sc->why);
	if (sc->cached)
		status_add(&buf, "%-13s token cached until %s (%ld min left)",
		    "", output_rfc3339(sc->expires_at, when, sizeof when),
		    (long)(sc->expires_at - time(NULL)) / 60);
	else if (strcmp(sc->backend, "none") != 0)
		status_add(&buf, "%-13s no token cached for this credential",
		    "");
	status_add(&buf, "%s", "");
	status_add(&buf, "resolution:");
	status_add_trace(&buf, ctx, "credentials");
	status_add_trace(&buf, ctx, "project");
	return buf;
}

static int
cmd_status_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct source	*src = NULL;
	struct status_cache sc;
	char		*base_url = NULL, *text = NULL, *config, *error = NULL;
	int		 r, r2;

	config = ctx->config != NULL ? xstrdup(config_file(ctx->config)) :
	    config_path();
	ctx->describe = 1;
	r = resolve_credentials(ctx, &src);
	if (r != 0 && vt_errmsg() != NULL)
		error = xstrdup(vt_errmsg());
	resolve_project(ctx, src);
	status_cache_get(ctx, src, &sc);
	if (ctx->project.value != NULL || ctx->base_url.value != NULL ||
	    ctx->gemini)
		resolve_base_url(ctx, &base_url);
	if (args->json)
		text = status_json(ctx, src, base_url, config, error, &sc);
	else
		text = status_text(ctx, src, base_url, config, &sc);
	r2 = cmd_print(text);
	if (r == 0)
		r = r2;
	else if (error != NULL)
		vt_err(r, "%s", error);
	free(text);
	free(error);
	free(config);
	free(base_url);
	free(sc.where);
	source_free(src);
	return r;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "[--json]",
	.summary = "Explain which credentials, project and URL vtoken uses.",
	.options = CMDOPT_JSON,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_status_exec
};
