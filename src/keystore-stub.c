/*
 * keystore-stub.c: the keystore for builds without a keyring: every call
 * says the keyring is unavailable.  (The libsecret module replaces it.)
 */
#include "config.h"

#include <stddef.h>

#include "vtoken.h"
#include "keystore.h"
#include "log.h"

/* The one message of this backend. */
static int
keystore_unavailable(void)
{
	return vt_err(VT_ERR_CONFIG, "keyring unavailable: this vtoken "
	    "cannot store API keys; use --api-key-file FILE or "
	    "VTOKEN_API_KEY instead");
}

int
keystore_get(struct vt_ctx *ctx, const char *profile, char **key)
{
	(void)ctx;
	(void)profile;
	*key = NULL;
	return keystore_unavailable();
}

int
keystore_set(struct vt_ctx *ctx, const char *profile, const char *key)
{
	(void)ctx;
	(void)profile;
	(void)key;
	return keystore_unavailable();
}

int
keystore_delete(struct vt_ctx *ctx, const char *profile)
{
	(void)ctx;
	(void)profile;
	return keystore_unavailable();
}
