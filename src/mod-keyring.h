/*
 * mod-keyring.h: the table the vtoken-keyring module exports (see
 * module.h); keyring.c forwards to it.  Every call is bounded in time.
 */
#ifndef VTOKEN_MOD_KEYRING_H
#define VTOKEN_MOD_KEYRING_H

#include "cache.h"
#include "mod-host.h"

#define VT_KEYRING_API_VERSION	3

struct vt_keyring_api {
	struct vt_module_head	head;
	/*
	 * Find out within alive_ms whether the session bus answers and a
	 * Secret Service is on it; then connect and find an unlocked
	 * collection for tokens, each call (then and later) within
	 * busy_ms.  0, or -1 and *why (a static phrase: "no Secret
	 * Service on the session bus", "the keyring is locked").
	 */
	int	(*open)(int alive_ms, int busy_ms, const char **why);
	/* The cache backend calls (cache.h's struct cache_backend). */
	int	(*get)(const char *key, struct token *tok,
		    struct cache_entry *meta);
	int	(*put)(const char *key, const struct cache_entry *meta,
		    const struct token *tok);
	int	(*del)(const char *key);
	int	(*list)(struct cache_entry **out, size_t *n);
	/* API keys, one per profile (keyring.h). */
	int	(*key_get)(const char *profile, char **key);
	int	(*key_set)(const char *profile, const char *key);
	int	(*key_del)(const char *profile);
	/* Which collection holds tokens ("session" or "default"). */
	const char *(*collection)(void);
};

#endif /* VTOKEN_MOD_KEYRING_H */
