/*
 * keyring.h: the OS keyring (Secret Service), reached through the
 * vtoken-keyring module, which is loaded only when a session bus is
 * there to talk to.
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

/* The collection tokens go to ("session" or "default"); NULL if closed. */
const char *keyring_collection(void);

#endif /* VTOKEN_KEYRING_H */
