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
 * unlocked collection, all within a bound well under a second.  0, or
 * VT_ERR_CONFIG with *why, a static phrase for `status` and warnings.
 * The answer is kept for the rest of the run.
 */
int	 keyring_open(const char **why);

/* The collection tokens go to ("session" or "default"); NULL if closed. */
const char *keyring_collection(void);

#endif /* VTOKEN_KEYRING_H */
