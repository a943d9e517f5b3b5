/*
 * module.h: vtoken's own shared modules, loaded on demand.
 *
 * A cache hit must cost close to nothing, and merely loading libcurl and
 * OpenSSL costs several times a small program's whole run (PRODUCT.md,
 * "Performance").  So the code that needs them (http.c, jwt.c) is built
 * as the module vtoken-net.so, and the keyring code (libsecret) as
 * vtoken-keyring.so; the program loads one only when it is about to use
 * it.  Each module exports one table of functions; the module's own
 * symbols are hidden, and it calls back into the program (log, errors,
 * memory, wiping), which exports its symbols for that.
 */
#ifndef VTOKEN_MODULE_H
#define VTOKEN_MODULE_H

/*
 * Load module name ("net" or "keyring") from $VTOKEN_MODULE_DIR or the
 * installed module directory, and return its table sym in *api.  A
 * module is loaded once.  VT_ERR_INTERNAL with dlerror()'s reason if it
 * cannot be.
 */
int	 module_load(const char *name, const char *sym, const void **api);

#endif /* VTOKEN_MODULE_H */
