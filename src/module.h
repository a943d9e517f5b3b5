/*
 * module.h: vtoken's own shared modules, loaded on demand.
 *
 * A cache hit must cost close to nothing, and merely loading libcurl and
 * OpenSSL costs several times a small program's whole run (PRODUCT.md,
 * "Performance").  So the code that needs them (http.c, jwt.c) is built
 * as the module vtoken-net.so, and the keyring code (libsecret) as
 * vtoken-keyring.so; the program loads one only when it is about to use
 * it.  Each module exports one table of functions and hides everything
 * else; it calls back into the program only through the table the
 * program lends it (mod-host.h).
 */
#ifndef VTOKEN_MODULE_H
#define VTOKEN_MODULE_H

/*
 * Load module name ("net" or "keyring") from $VTOKEN_MODULE_DIR or the
 * installed module directory, check that its table sym (which starts
 * with a struct vt_module_head) is of version, lend it the program's
 * functions, and return the table in *api.  Call once per module.
 * VT_ERR_INTERNAL with the reason if it cannot be loaded, or belongs to
 * another version of vtoken.
 */
int	 module_load(const char *name, const char *sym, int version,
	    const void **api);

#endif /* VTOKEN_MODULE_H */
