/*
 * keystore.h: API keys kept in the OS keyring, one per profile
 * (`vtoken key set|delete|status`).
 */
#ifndef VTOKEN_KEYSTORE_H
#define VTOKEN_KEYSTORE_H

struct vt_ctx;

/* 0 and *key (a secret: secret_free it), 1 none, VT_ERR_* unavailable. */
int	 keystore_get(struct vt_ctx *ctx, const char *profile, char **key);
/* 0, or VT_ERR_*. */
int	 keystore_set(struct vt_ctx *ctx, const char *profile, const char *key);
/* 0 deleted, 1 none, VT_ERR_*. */
int	 keystore_delete(struct vt_ctx *ctx, const char *profile);

#endif /* VTOKEN_KEYSTORE_H */
