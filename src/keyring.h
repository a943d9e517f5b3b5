/*
 * keyring.h: the program's side of the OS keyring (Secret Service):
 * keyring.c finds the session bus and loads the vtoken-keyring module
 * (mod-keyring.c, its side) only when a bus is there to talk to, and
 * forwards the token cache's and the API key store's calls to it.
 */
#ifndef VTOKEN_KEYRING_H
#define VTOKEN_KEYRING_H

/*
 * Make the keyring ready: find the session bus (DBUS_SESSION_BUS_ADDRESS,
 * else the user's bus socket $XDG_RUNTIME_DIR/bus or /run/user/UID/bus,
 * which is how cron reaches it), load the module, connect and find an
 * unlocked collection.  Whether a Secret Service is there at all is
 * known within half a second; one that is there but busy gets up to a
 * few seconds a call, within what is left of ctx's --timeout.  0, or
 * VT_ERR_CONFIG with *why, a static phrase for `status` and warnings.
 * The answer is kept for the rest of the run.
 */
struct vt_ctx;
int	 keyring_open(const struct vt_ctx *ctx, const char **why);

/*
 * 1 if there is a session bus to ask (without loading anything or
 * asking it): DBUS_SESSION_BUS_ADDRESS, or the user's bus socket.
 */
int	 keyring_bus(void);

/*
 * Take back the DBUS_SESSION_BUS_ADDRESS that finding the bus set (GLib
 * reads it there), so that a command exec runs gets the environment
 * vtoken got.
 */
void	 keyring_env_restore(void);
/* 1 if the environ entry ("NAME=value") is the variable vtoken set. */
int	 keyring_env_ours(const char *entry);

/* The collection tokens go to ("session" or "default"); NULL if closed. */
const char *keyring_collection(void);

/*
 * API keys kept in the keyring, one per profile, for `vtoken key
 * set|delete|status` and the "keyring" step of credential resolution.
 * Every call is bounded in time and never prompts: a locked, wedged or
 * absent keyring is "unavailable" (VT_ERR_CONFIG with the message
 * recorded), never a hang.  Keys are secrets: the caller releases what
 * keystore_get returns with secret_free(), and no message quotes a key.
 */
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

#endif /* VTOKEN_KEYRING_H */
