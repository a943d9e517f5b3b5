/*
 * ctx.c: the run context: settings, deadline and the resolution trace.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "conf.h"
#include "xmalloc.h"

double
vt_now_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
ctx_remaining(const struct vt_ctx *ctx)
{
	return ctx->deadline - vt_now_mono();
}

void
ctx_trace(struct vt_ctx *ctx, const char *what, const char *step,
    enum trace_result result, const char *detail_fmt, ...)
{
	struct trace_step	*t;
	va_list			 ap;

	ctx->trace = xreallocarray(ctx->trace, ctx->ntrace + 1,
	    sizeof *ctx->trace);
	t = &ctx->trace[ctx->ntrace++];
	t->what = xstrdup(what);
	t->step = xstrdup(step);
	t->result = result;
	t->detail = NULL;
	if (detail_fmt != NULL) {
		va_start(ap, detail_fmt);
		t->detail = xvasprintf(detail_fmt, ap);
		va_end(ap);
	}
}

void
setting_set(struct setting *s, const char *value, const char *origin)
{
	char	*v, *o;

	/* Copy first: value may point into the setting being replaced. */
	v = value != NULL ? xstrdup(value) : NULL;
	o = origin != NULL ? xstrdup(origin) : NULL;
	setting_release(s);
	s->value = v;
	s->origin = o;
}

void
setting_release(struct setting *s)
{
	free(s->value);
	free(s->origin);
	s->value = s->origin = NULL;
}

void
ctx_release(struct vt_ctx *ctx)
{
	size_t	i;

	setting_release(&ctx->profile);
	setting_release(&ctx->project);
	setting_release(&ctx->location);
	setting_release(&ctx->endpoint);
	setting_release(&ctx->api_version);
	setting_release(&ctx->base_url);
	setting_release(&ctx->credentials);
	setting_release(&ctx->api_key_file);
	setting_release(&ctx->backend);
	setting_release(&ctx->scopes);
	setting_release(&ctx->timeout);
	setting_release(&ctx->cache);
	setting_release(&ctx->min_ttl);
	setting_release(&ctx->impersonate);
	setting_release(&ctx->lifetime);
	setting_release(&ctx->universe_domain);
	if (ctx->scope_list != NULL) {
		for (i = 0; ctx->scope_list[i] != NULL; i++)
			free(ctx->scope_list[i]);
		free(ctx->scope_list);
	}
	for (i = 0; i < ctx->ntrace; i++) {
		free(ctx->trace[i].what);
		free(ctx->trace[i].step);
		free(ctx->trace[i].detail);
	}
	free(ctx->trace);
	config_free(ctx->config);
	memset(ctx, 0, sizeof *ctx);
}
