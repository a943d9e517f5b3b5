/*
 * cache.h: the token cache (PRODUCT.md, "Cache").
 *
 * One interface, two backends: the OS keyring (Secret Service, through
 * the vtoken-keyring module) and a directory of 0600 files.  An entry is
 * found by a key that hashes the credential's identity and the scopes;
 * it holds the token, when it was issued and when it expires, and a
 * description of the credential, which `cache list` shows without the
 * token.
 */
#ifndef VTOKEN_CACHE_H
#define VTOKEN_CACHE_H

#include <stddef.h>
#include <time.h>

struct vt_ctx;
struct source;
struct token;

/* An entry as `cache list` sees it: never the token. */
struct cache_entry {
	char	*key;		/* 64 hex digits */
	char	*desc;		/* "service_account sa@p.iam..." */
	char	*scopes;	/* space-separated */
	time_t	 issued_at;
	time_t	 expires_at;
};

/*
 * A backend.  get: 0 and tok (and meta, when not NULL) on a hit, 1 on a
 * miss or an entry that does not parse (dropped), VT_ERR_* when the
 * backend cannot be used.  put replaces.  del: 0 removed, 1 none.
 * list: every entry, in *out (count *n), for the caller to free with
 * cache_entries_free.
 */
struct cache_backend {
	const char	*name;		/* "keyring" or "file" */
	int	(*get)(const char *key, struct token *tok,
		    struct cache_entry *meta);
	int	(*put)(const char *key, const struct cache_entry *meta,
		    const struct token *tok);
	int	(*del)(const char *key);
	int	(*list)(struct cache_entry **out, size_t *n);
};

extern const struct cache_backend cache_file_backend;	/* cache-file.c */
extern const struct cache_backend cache_keyring_backend; /* keyring.c */

/*
 * Pick the backend ctx->cache asks for: keyring, file, none (NULL), or
 * auto, which is the keyring when it answers at once without prompting,
 * else the file.  *why says why the keyring was not used (static, or
 * NULL).  VT_ERR_CONFIG when `keyring` was asked for and is unavailable.
 */
int	 cache_select(struct vt_ctx *ctx, const struct cache_backend **out,
	    const char **why);

/*
 * The cache key of src for ctx's scopes (64 hex digits, the caller's),
 * or NULL when src's tokens are not cached (no cache_id).
 */
char	*cache_key(const struct vt_ctx *ctx, const struct source *src);

/*
 * A token for src valid for ctx's minimum lifetime: from the cache when
 * it holds one, else minted under a per-key lock (re-checking the cache
 * once the lock is held, so concurrent callers mint once) and stored.
 * When minting fails with VT_ERR_NET and a cached token has not expired,
 * that token is returned with a warning.  --no-cache and `--cache none`
 * mint every time.  On failure tok is empty.
 */
int	 cache_token(struct vt_ctx *ctx, struct source *src,
	    struct token *tok);

/* Drop src's cached token (git's erase).  0, or 1 when there was none. */
int	 cache_forget(struct vt_ctx *ctx, const struct source *src);

/*
 * 1 if a token with remaining life left may be served for min_ttl
 * seconds: it has not expired and has at least min(min_ttl, half its
 * issued life) left; jitter (seconds, >= 0) is added to that threshold so
 * that many machines do not refresh in lockstep.
 */
int	 cache_fresh(time_t now, time_t issued_at, time_t expires_at,
	    long min_ttl, long jitter);

/* The file backend's directory: $XDG_CACHE_HOME/vtoken or ~/.cache/vtoken. */
char	*cache_file_dir(void);
/*
 * Parse a file-cache entry (len bytes) that should be key's: 0 with tok
 * and meta filled (either may be NULL), or -1 if it is not one.  Pure.
 */
int	 cache_file_parse(const char *buf, size_t len, const char *key,
	    struct token *tok, struct cache_entry *meta);

void	 cache_entry_release(struct cache_entry *e);
void	 cache_entries_free(struct cache_entry *v, size_t n);

#endif /* VTOKEN_CACHE_H */
