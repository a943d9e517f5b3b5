/*
 * module.c: dlopen() of vtoken's own modules (see module.h).
 *
 * Where they are, in this order:
 *   $VTOKEN_MODULE_DIR, an absolute path, read with secure_getenv();
 *   the build tree's src/, but only when the running program is the one
 *   built there (the way git finds its helpers through a runtime prefix),
 *   so that build/src/vtoken works without `make install`;
 *   the module directory it was configured with, $(pkglibdir).
 * Never a relative or caller-chosen path: git runs credential helpers
 * inside repositories, and a helper must not load code from one.  A
 * directory or module that someone else could replace is refused.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtoken.h"
#include "cache.h"
#include "file.h"
#include "log.h"
#include "mod-host.h"
#include "module.h"
#include "output.h"
#include "secret.h"

#ifndef VT_MODULEDIR
#define VT_MODULEDIR "/usr/local/lib/vtoken"
#endif

/*
 * 0 if path is ours or root's and nobody else may write to it;
 * VT_ERR_CONFIG naming what is wrong (what: "directory", "module").
 * file_check() on a descriptor opened O_PATH: like the stat() it
 * replaces, that needs no read permission and opens nothing (a FIFO or a
 * device is only looked at).
 */
static int
module_trusted(const char *path, const char *what, int isdir)
{
	struct stat	st;
	int		fd, bad;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return vt_err(VT_ERR_INTERNAL, "vtoken's module %s '%s' %s",
		    what, path, "cannot be read");
	bad = file_check(fd, FILE_ROOT_OK | (isdir ? FILE_DIR : 0), &st);
	close(fd);
	switch (bad) {
	case FILE_OK:
		return 0;
	case FILE_BAD_TYPE:
		return vt_err(VT_ERR_CONFIG, "vtoken's module %s '%s' is not "
		    "a %s", what, path, isdir ? "directory" : "file");
	case FILE_BAD_OWNER:
		return vt_err(VT_ERR_CONFIG, "vtoken's module %s '%s' belongs "
		    "to uid %lu; refusing to load code from it", what, path,
		    (unsigned long)st.st_uid);
	case FILE_BAD_WRITABLE:
		return vt_err(VT_ERR_CONFIG, "vtoken's module %s '%s' is "
		    "writable by others; refusing to load code from it", what,
		    path);
	default:
		return vt_err(VT_ERR_INTERNAL, "vtoken's module %s '%s' %s",
		    what, path, "cannot be read");
	}
}

/*
 * 1 if this process runs the vtoken built in VT_BUILD_MODULEDIR, that
 * is, the build tree's src/.  /proc/self/exe names the binary itself,
 * whatever argv[0] or a symlink (git-credential-vtoken) says.
 */
static int
module_in_build_tree(void)
{
#ifdef VT_BUILD_MODULEDIR
	char	 exe[PATH_MAX], *slash, *build;
	ssize_t	 n;
	int	 yes;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return 0;
	*slash = '\0';
	if ((build = realpath(VT_BUILD_MODULEDIR, NULL)) == NULL)
		return 0;
	yes = strcmp(exe, build) == 0;
	free(build);
	return yes;
#else
	return 0;
#endif
}

/* The module directory in *dir; VT_ERR_CONFIG for a relative one. */
static int
module_dir(const char **dir)
{
	const char	*v;

	v = secure_getenv("VTOKEN_MODULE_DIR");
	if (v != NULL && *v != '\0') {
		if (v[0] != '/')
			return vt_err(VT_ERR_CONFIG, "VTOKEN_MODULE_DIR must "
			    "be an absolute path");
		*dir = v;
		return 0;
	}
#ifdef VT_BUILD_MODULEDIR
	if (module_in_build_tree()) {
		*dir = VT_BUILD_MODULEDIR;
		return 0;
	}
#endif
	*dir = VT_MODULEDIR;
	return 0;
}

/* What a module may call in the program (mod-host.h). */
static const struct vt_host_api module_host = {
	.version = VT_HOST_API_VERSION,
	.log_level = log_level,
	.log_vmsg = log_vmsg,
	.vt_verr = vt_verr,
	.secret_wipe = secret_wipe,
	.secret_free = secret_free,
	.secret_freezero = secret_freezero,
	.secret_notes = secret_notes,
	.now_mono = vt_now_mono,
	.token_valid = output_token_valid,
	.token_release = token_release,
	.cache_entry_release = cache_entry_release,
	.file_getenv = file_getenv,
};

int
module_load(const char *name, const char *sym, int version,
    const void **api)
{
	const struct vt_module_head	*head;
	const char			*dir;
	char				 path[4096];
	void				*h;
	const void			*p;
	int				 n, r;

	*api = NULL;
	if ((r = module_dir(&dir)) != 0)
		return r;
	n = snprintf(path, sizeof path, "%s/vtoken-%s.so", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return vt_err(VT_ERR_INTERNAL, "module directory '%s' is "
		    "too long", dir);
	/*
	 * Checked, then loaded by name: dlopen() opens the file again.  In
	 * between only we, root, or whoever may write to a directory above
	 * (those are not checked) could put another file in its place.
	 */
	if ((r = module_trusted(dir, "directory", 1)) != 0 ||
	    (r = module_trusted(path, "file", 0)) != 0) {
		if (r == VT_ERR_INTERNAL)
			return vt_err(VT_ERR_INTERNAL, "cannot load vtoken's "
			    "%s module: '%s' cannot be read; reinstall vtoken "
			    "(make install) or set VTOKEN_MODULE_DIR", name,
			    path);
		return r;
	}
	log_debug("loading %s", path);
	/* RTLD_NOW: a missing symbol fails here, not in the middle. */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return vt_err(VT_ERR_INTERNAL, "cannot load vtoken's %s "
		    "module: %s; reinstall vtoken or set VTOKEN_MODULE_DIR",
		    name, dlerror());
	if ((p = dlsym(h, sym)) == NULL)
		return vt_err(VT_ERR_INTERNAL, "vtoken's %s module '%s' has "
		    "no '%s'; it belongs to another version", name, path,
		    sym);
	head = p;
	if (head->version != version ||
	    head->host_version != VT_HOST_API_VERSION)
		return vt_err(VT_ERR_INTERNAL, "vtoken's %s module '%s' "
		    "belongs to another version of vtoken; reinstall vtoken",
		    name, path);
	head->bind(&module_host);
	/* The handle stays open for the life of the process. */
	*api = p;
	return 0;
}
