/*
 * source.c: what every credential source shares.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "vtoken.h"
#include "idtoken.h"
#include "log.h"
#include "output.h"
#include "source.h"
#include "xmalloc.h"

struct source *
source_new(const struct source_ops *ops, const char *origin, const char *path)
{
	struct source	*src;

	src = xcalloc(1, sizeof *src);
	src->ops = ops;
	src->origin = xstrdup(origin);
	src->path = path != NULL ? xstrdup(path) : NULL;
	return src;
}

int
source_fetch(struct source *src, struct vt_ctx *ctx, struct token *tok)
{
	struct scope_req	sc = { NULL, 0 };

	if (ctx != NULL) {
		sc.list = ctx->scope_list;
		sc.chosen = setting_chosen(&ctx->scopes);
	}
	return source_fetch_scopes(src, ctx, &sc, tok);
}

int
source_fetch_scopes(struct source *src, struct vt_ctx *ctx,
    const struct scope_req *sc, struct token *tok)
{
	char	buf[64];
	int	r;

	memset(tok, 0, sizeof *tok);
	log_info("minting a token with %s credentials (%s)",
	    src->ops->type, src->identity != NULL ? src->identity : "?");
	if ((r = src->ops->fetch(src, ctx, sc, tok)) != 0)
		goto out;
	if (tok->issued_at == 0)
		tok->issued_at = time(NULL);
	/* Every source's token passes here before anyone prints it. */
	if (!output_token_valid(tok->access_token)) {
		r = vt_err(VT_ERR_CRED, "the token from %s is not a valid "
		    "bearer token; refusing to print it",
		    src->token_uri != NULL ? src->token_uri : src->ops->type);
		goto out;
	}
	if (tok->expires_at == 0)
		log_info("got a key %s, which does not expire",
		    log_redact(tok->access_token, buf, sizeof buf));
	else
		log_info("got a token %s, expiring in %lds",
		    log_redact(tok->access_token, buf, sizeof buf),
		    (long)(tok->expires_at - time(NULL)));
	r = 0;
out:
	if (r != 0)
		token_release(tok);
	return r;
}

int
source_id_token(struct source *src, struct vt_ctx *ctx, const char *audience,
    int full, struct token *tok)
{
	char	buf[64];
	int	r;

	memset(tok, 0, sizeof *tok);
	if ((r = idtoken_audience_check(audience)) != 0)
		return r;
	if (src->ops->id_token == NULL)
		return vt_err(VT_ERR_CONFIG, "credentials of type %s cannot "
		    "mint ID tokens", src->ops->type);
	log_info("minting an ID token with %s credentials (%s)",
	    src->ops->type, src->identity != NULL ? src->identity : "?");
	if ((r = src->ops->id_token(src, ctx, audience, full, tok)) != 0)
		goto out;
	/* The ops check with idtoken_accept; this is the last line. */
	if (!output_token_valid(tok->access_token) || tok->expires_at == 0) {
		r = vt_err(VT_ERR_INTERNAL, "the ID token from %s was not "
		    "checked; refusing to print it", src->ops->type);
		goto out;
	}
	if (tok->issued_at == 0)
		tok->issued_at = time(NULL);
	log_info("got an ID token %s, expiring in %lds",
	    log_redact(tok->access_token, buf, sizeof buf),
	    (long)(tok->expires_at - time(NULL)));
	r = 0;
out:
	if (r != 0)
		token_release(tok);
	return r;
}

char *
source_fingerprint(const char *secret)
{
	gchar	*hex;
	char	*out;

	hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
	out = xstrdup(hex);
	g_free(hex);
	return out;
}

int
source_check(struct source *src, struct vt_ctx *ctx)
{
	if (src->ops->check == NULL)
		return 0;
	return src->ops->check(src, ctx);
}

void
source_info_add(struct source *src, const char *name, const char *fmt, ...)
{
	va_list	ap;

	src->info = xreallocarray(src->info, src->ninfo + 1,
	    sizeof *src->info);
	src->info[src->ninfo].name = xstrdup(name);
	va_start(ap, fmt);
	src->info[src->ninfo].value = xvasprintf(fmt, ap);
	va_end(ap);
	src->ninfo++;
}

void
source_free(struct source *src)
{
	size_t	i;

	if (src == NULL)
		return;
	for (i = 0; i < src->ninfo; i++) {
		free(src->info[i].name);
		free(src->info[i].value);
	}
	free(src->info);
	free(src->impersonate);
	free(src->delegates);
	if (src->ops != NULL && src->ops->free_priv != NULL)
		src->ops->free_priv(src->priv);
	free(src->origin);
	free(src->path);
	free(src->identity);
	free(src->token_uri);
	free(src->project_id);
	free(src->quota_project_id);
	free(src->cache_id);
	free(src);
}
