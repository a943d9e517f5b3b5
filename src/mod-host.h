/*
 * mod-host.h: the boundary between the program and its modules (module.h),
 * both ways, and nothing else crosses it.
 *
 * A module exports one table (mod-net.h, mod-keyring.h) that starts with a
 * struct vt_module_head; module_load() checks its version and hands the
 * module the program's struct vt_host_api, the few program functions a
 * module calls back: logging and the recorded error (program state), the
 * noted secrets the trace masks (program state), wiping, the token and
 * cache-entry helpers, and file_getenv() (file.c's rule that an empty
 * variable is unset).  mod-host.c, built into each module, defines
 * those functions there by forwarding to the table, so module code calls
 * log_debug() or vt_err() as the program's code does.  The program
 * exports no symbol, and the modules are linked with -z defs: a module
 * that needs anything else from the program does not link.
 */
#ifndef VTOKEN_MOD_HOST_H
#define VTOKEN_MOD_HOST_H

#include <stdarg.h>
#include <stddef.h>

struct token;
struct cache_entry;

/* Bumped whenever struct vt_host_api changes. */
#define VT_HOST_API_VERSION	2

struct vt_host_api {
	int	  version;
	int	(*log_level)(void);
	/* level -1: log_error, 0: log_note, 1: log_info, 2: log_debug. */
	void	(*log_vmsg)(int level, const char *fmt, va_list ap);
	int	(*vt_verr)(int code, const char *fmt, va_list ap);
	void	(*secret_wipe)(void *p, size_t len);
	void	(*secret_free)(char *s);
	void	(*secret_freezero)(void *p, size_t len);
	size_t	(*secret_notes)(const char *const **v, const size_t **len);
	double	(*now_mono)(void);
	int	(*token_valid)(const char *tok);
	void	(*token_release)(struct token *tok);
	void	(*cache_entry_release)(struct cache_entry *e);
	const char *(*file_getenv)(const char *name);
};

/* The start of every module's table. */
struct vt_module_head {
	int	  version;	/* the module's own table version */
	int	  host_version;	/* VT_HOST_API_VERSION it was built with */
	void	(*bind)(const struct vt_host_api *host);
};

/* mod-host.c: a module's bind(). */
void	 mod_host_bind(const struct vt_host_api *host);

#endif /* VTOKEN_MOD_HOST_H */
