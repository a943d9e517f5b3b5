/*
 * module.c: dlopen() of vtoken's own modules (see module.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "log.h"
#include "module.h"

#ifndef VT_MODULEDIR
#define VT_MODULEDIR "/usr/local/lib/vtoken"
#endif

int
module_load(const char *name, const char *sym, const void **api)
{
	const char	*dir;
	char		 path[4096];
	void		*h;
	const void	*p;
	int		 n;

	*api = NULL;
	/* The build tree's tests (and relocated installs) name the dir. */
	dir = getenv("VTOKEN_MODULE_DIR");
	if (dir == NULL || *dir == '\0')
		dir = VT_MODULEDIR;
	n = snprintf(path, sizeof path, "%s/vtoken-%s.so", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return vt_err(VT_ERR_INTERNAL, "module directory '%s' is "
		    "too long", dir);
	/* RTLD_NOW: a missing symbol fails here, not in the middle. */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return vt_err(VT_ERR_INTERNAL, "cannot load vtoken's %s "
		    "module: %s; reinstall vtoken or set VTOKEN_MODULE_DIR",
		    name, dlerror());
	if ((p = dlsym(h, sym)) == NULL)
		return vt_err(VT_ERR_INTERNAL, "vtoken's %s module '%s' has "
		    "no '%s'; it belongs to another version", name, path,
		    sym);
	/* The handle stays open for the life of the process. */
	*api = p;
	return 0;
}
