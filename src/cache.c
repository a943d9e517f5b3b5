/*
 * cache.c: the cache's policy (cache.h): which backend, the key, when a
 * cached token may be served, single flight and stale-if-error.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "vtoken.h"
#include "cache.h"
#include "file.h"
#include "keyring.h"
#include "log.h"
#include "settings.h"
#include "source.h"
#include "xmalloc.h"

/* Bumped when the key's recipe changes, so old entries are not read. */
#define CACHE_KEY_VERSION	"vtoken-cache-1"
/* Most a proactive refresh is brought forward, and its share. */
#define CACHE_JITTER_MAX	60
#define CACHE_JITTER_DIV	10

int
cache_select(struct vt_ctx *ctx, const struct cache_backend **out,
    const char **why)
{
	*out = NULL;
	*why = NULL;
	if (ctx->cache_mode == CACHE_NONE)
		return 0;
	if (ctx->cache_mode == CACHE_FILE) {
		*out = &cache_file_backend;
		return 0;
	}
	if (keyring_open(ctx, why) == 0) {
		*out = &cache_keyring_backend;
		return 0;
	}
	if (ctx->cache_mode == CACHE_KEYRING)
		return vt_err(VT_ERR_CONFIG, "the keyring cache is unavailable "
		    "(%s); use --cache file or auto", *why);
	*out = &cache_file_backend;
	return 0;
}

static int
cache_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ctx's scopes in canonical (sorted) order, space-separated. */
static char *
cache_scopes(const struct vt_ctx *ctx)
{
	char	**v, *s;
	size_t	  n = 0;

	while (ctx->scope_list != NULL && ctx->scope_list[n] != NULL)
		n++;
	v = xcalloc(n + 1, sizeof *v);
	memcpy(v, ctx->scope_list, n * sizeof *v);
	qsort(v, n, sizeof *v, cache_cmp);
	s = settings_scopes_join(v, ' ');
	free(v);
	return s;
}

char *
cache_key(const struct vt_ctx *ctx, const struct source *src)
{
	GChecksum	*ck;
	char		*scopes, *key, *lifetime;

	if (src->cache_id == NULL)
		return NULL;
	scopes = cache_scopes(ctx);
	/* NUL-separated, so no field can run into the next. */
	ck = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(ck, (const guchar *)CACHE_KEY_VERSION,
	    sizeof CACHE_KEY_VERSION);
	g_checksum_update(ck, (const guchar *)src->cache_id,
	    strlen(src->cache_id) + 1);
	g_checksum_update(ck, (const guchar *)(src->token_uri != NULL ?
	    src->token_uri : ""), (src->token_uri != NULL ?
	    strlen(src->token_uri) : 0) + 1);
	g_checksum_update(ck, (const guchar *)scopes, strlen(scopes) + 1);
	/* Impersonation: another principal, another token. */
	if (src->impersonate != NULL) {
		lifetime = g_strdup_printf("%s\n%s\n%ld", src->impersonate,
		    src->delegates != NULL ? src->delegates : "",
		    ctx->lifetime_sec);
		g_checksum_update(ck, (const guchar *)lifetime,
		    strlen(lifetime) + 1);
		g_free(lifetime);
	}
	key = xstrdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	free(scopes);
	return key;
}

int
cache_fresh(time_t now, time_t issued_at, time_t expires_at, long min_ttl,
    long jitter)
{
	long	left, life, need;

	left = (long)(expires_at - now);
	if (left <= 0)
		return 0;
	need = min_ttl;
	/*
	 * A source may hand out a token with little life (the metadata
	 * server near its own refresh point): ask again only once half of
	 * what it gave has gone, not on every call.
	 */
	life = issued_at > 0 && issued_at <= expires_at ?
	    (long)(expires_at - issued_at) : left;
	if (life / 2 < need)
		need = life / 2;
	return left >= need + jitter;
}

/* The jitter for a threshold of min_ttl seconds. */
static long
cache_jitter(long min_ttl)
{
	long	max = min_ttl / CACHE_JITTER_DIV;

	if (max > CACHE_JITTER_MAX)
		max = CACHE_JITTER_MAX;
	if (max <= 0)
		return 0;
	return (long)g_random_int_range(0, (gint32)max + 1);
}

/*
 * The directory for lock files, open: $XDG_RUNTIME_DIR/vtoken (memory,
 * gone at logout), else the cache directory.  -1 when neither will do.
 */
static int
cache_lock_dir(void)
{
	char	*dir;
	int	 dfd = -1;

	if ((dir = file_xdg_dir("XDG_RUNTIME_DIR", NULL)) != NULL &&
	    file_dir_open(dir, FILE_MKDIR, &dfd) != FILE_OK)
		dfd = -1;
	free(dir);
	if (dfd == -1 && (dir = cache_file_dir()) != NULL) {
		/* The cache's parents may not exist yet on a first run. */
		if (file_dir_open(dir, FILE_MKDIR | FILE_PARENTS, &dfd) !=
		    FILE_OK)
			dfd = -1;
		free(dir);
	}
	return dfd;
}

/*
 * Take the per-key lock, <key>.lock in cache_lock_dir().  Waits until
 * ctx's deadline; returns the descriptor (closing it releases the lock,
 * as a process's death does), or -1 when no lock could be had (the
 * caller goes on without one).
 */
static int
cache_lock(struct vt_ctx *ctx, const char *key)
{
	char	name[80], why[64] = "no private directory for it";
	int	dfd, fd = -1;

	if ((dfd = cache_lock_dir()) != -1) {
		snprintf(name, sizeof name, "%s.lock", key);
		fd = file_lock(dfd, name, ctx_remaining(ctx), why, sizeof why);
		close(dfd);
	}
	if (fd == -1)
		log_info("no lock for the cache entry (%s); minting without "
		    "one", why);
	return fd;
}

static char *
cache_desc(const struct source *src)
{
	return xasprintf("%s %s", src->ops->type, src->identity != NULL ?
	    src->identity : "?");
}

/* Look key up in c; 0 hit, 1 miss.  A failing backend is a miss. */
static int
cache_get(const struct cache_backend *c, const char *key, struct token *tok)
{
	int	r;

	if ((r = c->get(key, tok, NULL)) < 0) {
		log_warn("%s cache: %s", c->name, vt_errmsg());
		vt_err_clear();
		return 1;
	}
	return r;
}

int
cache_token(struct vt_ctx *ctx, struct source *src, struct token *tok)
{
	const struct cache_backend	*c = NULL;
	struct cache_entry		 meta = { 0 };
	struct token			 old = { 0 };
	const char			*why;
	char				*key = NULL;
	time_t				 now;
	long				 jitter;
	int				 r, lockfd = -1, have_old = 0;

	memset(tok, 0, sizeof *tok);
	if (ctx->no_cache || (key = cache_key(ctx, src)) == NULL)
		return source_fetch(src, ctx, tok);
	/*
	 * The keyring is read under the entry's lock, so that a burst of
	 * processes reaches the Secret Service one at a time: a busy bus is
	 * then never taken for a wedged one, and whoever finds the entry
	 * cold mints it while the rest wait.  Files are read without it.
	 */
	if ((ctx->cache_mode == CACHE_AUTO ||
	    ctx->cache_mode == CACHE_KEYRING) && keyring_bus())
		lockfd = cache_lock(ctx, key);
	if ((r = cache_select(ctx, &c, &why)) != 0)
		goto out;
	if (c == NULL) {
		r = source_fetch(src, ctx, tok);
		goto out;
	}
	if (why != NULL)
		log_info("keyring unavailable (%s): using the file cache", why);
	jitter = cache_jitter(ctx->min_ttl_sec);
	if (cache_get(c, key, &old) == 0) {
		have_old = 1;
		now = time(NULL);
		if (cache_fresh(now, old.issued_at, old.expires_at,
		    ctx->min_ttl_sec, jitter)) {
			log_info("using the cached token (%s cache, %lds left)",
			    c->name, (long)(old.expires_at - now));
			*tok = old;
			r = 0;
			goto out;
		}
	}
	/* Single flight: whoever holds the lock mints; the rest re-read. */
	if (lockfd == -1 && (lockfd = cache_lock(ctx, key)) != -1) {
		token_release(&old);
		have_old = 0;
		if (cache_get(c, key, &old) == 0) {
			have_old = 1;
			now = time(NULL);
			if (cache_fresh(now, old.issued_at, old.expires_at,
			    ctx->min_ttl_sec, 0)) {
				log_info("another vtoken minted it meanwhile");
				*tok = old;
				r = 0;
				goto out;
			}
		}
	}
	r = source_fetch(src, ctx, tok);
	if (r == VT_ERR_NET && have_old && old.expires_at > time(NULL)) {
		/* Stale-if-error: a rejection is never papered over. */
		log_warn("%s; using the cached token, which expires in %lds",
		    vt_errmsg(), (long)(old.expires_at - time(NULL)));
		vt_err_clear();
		*tok = old;
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	meta.desc = cache_desc(src);
	meta.scopes = cache_scopes(ctx);
	if (c->put(key, &meta, tok) != 0) {
		/* The token is good; only caching it failed. */
		log_warn("%s cache: %s", c->name, vt_errmsg());
		vt_err_clear();
	}
out:
	if (r != 0 || tok->access_token != old.access_token)
		token_release(&old);
	if (lockfd != -1)
		close(lockfd);
	free(meta.desc);
	free(meta.scopes);
	free(key);
	return r;
}

int
cache_forget(struct vt_ctx *ctx, const struct source *src)
{
	const struct cache_backend	*c;
	const char			*why;
	char				*key;
	int				 r;

	if ((key = cache_key(ctx, src)) == NULL)
		return 1;
	if ((r = cache_select(ctx, &c, &why)) == 0 && c != NULL) {
		r = c->del(key);
		/* A token cached before the keyring was reachable. */
		if (c != &cache_file_backend &&
		    cache_file_backend.del(key) == 0)
			r = 0;
	}
	free(key);
	return r;
}

void
cache_entry_release(struct cache_entry *e)
{
	if (e == NULL)
		return;
	free(e->key);
	free(e->desc);
	free(e->scopes);
	memset(e, 0, sizeof *e);
}

void
cache_entries_free(struct cache_entry *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cache_entry_release(&v[i]);
	free(v);
}
