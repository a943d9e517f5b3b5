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
#include "settings.h"
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
setting_set(struct setting *s, const char *value, const char *origin,
    enum setting_from from)
{
	char	*v, *o;

	/* Copy first: value may point into the setting being replaced. */
	v = value != NULL ? xstrdup(value) : NULL;
	o = origin != NULL ? xstrdup(origin) : NULL;
	setting_release(s);
	s->value = v;
	s->origin = o;
	s->from = v != NULL ? from : FROM_NONE;
}

int
setting_chosen(const struct setting *s)
{
	return s->from == FROM_CLI || s->from == FROM_ENV ||
	    s->from == FROM_PROFILE;
}

void
setting_release(struct setting *s)
{
	free(s->value);
	free(s->origin);
	s->value = s->origin = NULL;
	s->from = FROM_NONE;
}

void
ctx_release(struct vt_ctx *ctx)
{
	size_t	i;

	settings_release(ctx);
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
