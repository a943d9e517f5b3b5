/*
 * keystore.h: API keys kept in the OS keyring (Secret Service), one per
 * profile, for `vtoken key set|delete|status` and the "keyring" step of
 * credential resolution.
 *
 * Every call is bounded in time and never prompts: a locked, wedged or
 * absent keyring is "unavailable" (VT_ERR_CONFIG with the message
 * recorded), never a hang.  Keys are secrets: the caller releases what
 * keystore_get returns with secret_free(), and no message quotes a key.
 */
#ifndef VTOKEN_KEYSTORE_H
#define VTOKEN_KEYSTORE_H

struct vt_ctx;

/*
 * The key stored for profile.  Returns 0 and *key (the caller's, a
 * secret: secret_free()), 1 when none is stored (*key NULL), or a
 * negative VT_ERR_* (VT_ERR_CONFIG: the keyring is unavailable).
 */
int	 keystore_get(struct vt_ctx *ctx, const char *profile, char **key);

/* Store key for profile, replacing any earlier one.  0 or VT_ERR_*. */
int	 keystore_set(struct vt_ctx *ctx, const char *profile,
	    const char *key);

/* Forget profile's key.  0 deleted, 1 none was stored, or VT_ERR_*. */
int	 keystore_delete(struct vt_ctx *ctx, const char *profile);

/*
 * 1 if a key may be stored: `key set` has been used (it leaves the
 * marker $XDG_CONFIG_HOME/vtoken/stored-keys).  Without it, resolution
 * never loads the keyring module to look for a key, which would cost
 * every call of every user tens of milliseconds.
 */
int	 keystore_maybe(void);

#endif /* VTOKEN_KEYSTORE_H */
