/*
 * keyring.c: finding the session bus, loading the vtoken-keyring module,
 * and forwarding the cache backend and keystore calls to it.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtoken.h"
#include "cache.h"
#include "file.h"
#include "keyring.h"
#include "mod-keyring.h"
#include "log.h"
#include "module.h"
#include "xmalloc.h"

/*
 * Whether a Secret Service is there at all must be known at once: a
 * wedged bus must not hang a shell.  One that is there but busy (many
 * vtokens at once, a daemon stopped for a moment) gets longer for each
 * call, within what is left of --timeout.
 */
#define KEYRING_ALIVE_MS	500
#define KEYRING_BUSY_MS		5000

static const struct vt_keyring_api *kr;
static int		 kr_set_env;	/* we set DBUS_SESSION_BUS_ADDRESS */
static int		 kr_state;	/* 0 untried, 1 open, -1 unavailable */
static const char	*kr_why;

/* A socket of ours at path: the user's bus. */
static int
keyring_bus_socket(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_uid == geteuid();
}

/*
 * 1 if there is a session bus to ask.  Without an address GLib would
 * try to autolaunch one (and with $DISPLAY, dbus-launch): never that.
 */
static int
keyring_find_bus(void)
{
	const char	*v;
	char		 path[4096];

	if (file_getenv("DBUS_SESSION_BUS_ADDRESS") != NULL)
		return 1;
	/*
	 * $XDG_RUNTIME_DIR names the user's runtime directory when it is
	 * set (and tests point it at their own); /run/user/UID is where it
	 * is when it is not, as under cron.  (Not file_xdg_dir(): the bus
	 * is not in a vtoken directory.)
	 */
	if ((v = getenv("XDG_RUNTIME_DIR")) != NULL && v[0] == '/') {
		if ((size_t)snprintf(path, sizeof path, "%s/bus", v) <
		    sizeof path && keyring_bus_socket(path))
			goto found;
		return 0;
	}
	snprintf(path, sizeof path, "/run/user/%lu/bus",
	    (unsigned long)geteuid());
	if (keyring_bus_socket(path))
		goto found;
	return 0;
found:
	/* What cron lacks and systemd's user session would have set. */
	{
		char	*addr = xasprintf("unix:path=%s", path);

		setenv("DBUS_SESSION_BUS_ADDRESS", addr, 1);
		kr_set_env = 1;
		free(addr);
	}
	return 1;
}

int
keyring_bus(void)
{
	static int	bus = -1;

	if (kr_state == 1)
		return 1;
	if (bus == -1)
		bus = keyring_find_bus();
	return bus;
}

int
keyring_env_ours(const char *entry)
{
	return kr_set_env && strncmp(entry, "DBUS_SESSION_BUS_ADDRESS=",
	    25) == 0;
}

void
keyring_env_restore(void)
{
	if (kr_set_env)
		unsetenv("DBUS_SESSION_BUS_ADDRESS");
	kr_set_env = 0;
}

/* The bound of each call to a Secret Service that is there. */
static int
keyring_busy_ms(const struct vt_ctx *ctx)
{
	double	left;

	if (ctx == NULL)
		return KEYRING_BUSY_MS;
	left = ctx_remaining(ctx) * 1000;
	if (left > KEYRING_BUSY_MS)
		return KEYRING_BUSY_MS;
	return left > KEYRING_ALIVE_MS ? (int)left : KEYRING_ALIVE_MS;
}

/* Whether configure found libsecret and built the keyring module. */
static int
keyring_built(void)
{
#ifdef VT_HAVE_KEYRING
	return 1;
#else
	return 0;
#endif
}

int
keyring_open(const struct vt_ctx *ctx, const char **why)
{
	const void	*api;

	if (kr_state == 0) {
		kr_state = -1;
		if (!keyring_built())
			kr_why = "this vtoken was built without libsecret";
		else if (!keyring_bus())
			kr_why = "no session bus";
		else if (module_load("keyring", "vt_keyring_api",
		    VT_KEYRING_API_VERSION, &api) != 0) {
			log_info("%s", vt_errmsg());
			vt_err_clear();
			kr_why = "the keyring module cannot be loaded";
		} else if (((const struct vt_keyring_api *)api)->open(
		    KEYRING_ALIVE_MS, keyring_busy_ms(ctx), &kr_why) == 0) {
			kr = api;
			kr_state = 1;
		}
	}
	*why = kr_why;
	if (kr_state == 1)
		return 0;
	return vt_err(VT_ERR_CONFIG, "the keyring is unavailable: %s",
	    kr_why);
}

const char *
keyring_collection(void)
{
	return kr_state == 1 ? kr->collection() : NULL;
}

/* Open already, or now (NULL ctx: no --timeout to stay within). */
static int
keyring_ready(const struct vt_ctx *ctx)
{
	const char	*why;

	return keyring_open(ctx, &why);
}

static int
kr_get(const char *key, struct token *tok, struct cache_entry *meta)
{
	int	r;

	if ((r = keyring_ready(NULL)) != 0)
		return r;
	return kr->get(key, tok, meta);
}

static int
kr_put(const char *key, const struct cache_entry *meta,
    const struct token *tok)
{
	int	r;

	if ((r = keyring_ready(NULL)) != 0)
		return r;
	return kr->put(key, meta, tok);
}

static int
kr_del(const char *key)
{
	int	r;

	if ((r = keyring_ready(NULL)) != 0)
		return r;
	return kr->del(key);
}

static int
kr_list(struct cache_entry **out, size_t *n)
{
	int	r;

	*out = NULL;
	*n = 0;
	if ((r = keyring_ready(NULL)) != 0)
		return r;
	return kr->list(out, n);
}

const struct cache_backend cache_keyring_backend = {
	.name = "keyring",
	.get = kr_get,
	.put = kr_put,
	.del = kr_del,
	.list = kr_list,
};

int
keystore_get(struct vt_ctx *ctx, const char *profile, char **key)
{
	int	r;

	*key = NULL;
	if ((r = keyring_ready(ctx)) != 0)
		return r;
	return kr->key_get(profile, key);
}

/*
 * The marker that a key may be stored: KEYSTORE_MARKER in the config
 * file's directory, $XDG_CONFIG_HOME/vtoken (keyring.h).
 */
#define KEYSTORE_MARKER	"stored-keys"

/* The marker's path, or NULL. */
static char *
keystore_marker(void)
{
	char	*dir, *path;

	if ((dir = file_xdg_dir("XDG_CONFIG_HOME", ".config")) == NULL)
		return NULL;
	path = xasprintf("%s/%s", dir, KEYSTORE_MARKER);
	free(dir);
	return path;
}

int
keystore_maybe(void)
{
	struct stat	 st;
	char		*path;
	int		 yes;

	if ((path = keystore_marker()) == NULL)
		return 0;
	yes = stat(path, &st) == 0;
	free(path);
	return yes;
}

/*
 * Leave the marker, an empty 0600 file, in the private directory dir
 * (made, with its parents, when missing).  1 if it is there, else 0.
 */
static int
keystore_mark(const char *dir)
{
	int	dfd, fd;

	/* The config directory: a dotfile manager may have linked it. */
	if (file_dir_open(dir, FILE_MKDIR | FILE_PARENTS | FILE_FOLLOW,
	    &dfd) != FILE_OK)
		return 0;
	fd = openat(dfd, KEYSTORE_MARKER, O_WRONLY | O_CREAT | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd != -1)
		close(fd);
	close(dfd);
	return fd != -1;
}

int
keystore_set(struct vt_ctx *ctx, const char *profile, const char *key)
{
	char	*dir;
	int	 r;

	if ((r = keyring_ready(ctx)) != 0)
		return r;
	if ((r = kr->key_set(profile, key)) != 0)
		return r;
	/* The marker holds nothing secret: only that a key may be there. */
	if ((dir = file_xdg_dir("XDG_CONFIG_HOME", ".config")) != NULL &&
	    !keystore_mark(dir))
		log_warn("the key is stored, but vtoken will not look in the "
		    "keyring for it: '%s/%s' cannot be made ('%s' must be a "
		    "directory of yours, not a symbolic link, that no one "
		    "else may write to)", dir, KEYSTORE_MARKER, dir);
	free(dir);
	return 0;
}

int
keystore_delete(struct vt_ctx *ctx, const char *profile)
{
	int	r;

	if ((r = keyring_ready(ctx)) != 0)
		return r;
	return kr->key_del(profile);
}
