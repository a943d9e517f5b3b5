/*
 * conf.c: the configuration file, read with GLib's GKeyFile.
 *
 * The file is opened once and checked on the open descriptor (fstat, no
 * race): it must be a regular file owned by the user (or root) and not
 * writable by group or others, as openssh's readconf insists, because it
 * names credential files and URLs.  Symlinks are followed: dotfile
 * managers (stow, home-manager) link config files into place, and the
 * checks apply to the file the link reaches, so a link to another user's
 * file, or to a writable one, is refused like the file itself.
 *
 * GKeyFile reports no line numbers, so on a parse error the bad line is
 * found by loading ever longer prefixes of the file (a binary search over
 * whole lines: once a prefix fails, every longer one fails too).
 *
 * The selected profile's known keys are parsed and checked at load time
 * and copied into plain strings, so GLib stays out of conf.h and a bad
 * value is reported once, with its key, before anything runs.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "vtoken.h"
#include "conf.h"
#include "settings.h"
#include "file.h"
#include "log.h"
#include "xmalloc.h"

/* The profile keys vtoken knows; anything else is a warning. */
struct config_entry {
	char	 *key;
	char	 *value;	/* escapes already decoded */
	char	**list;		/* the value as a GKeyFile list */
};

struct config {
	char			*path;
	char			*profile;
	struct config_entry	*entries;
	size_t			 nentries;
	char			**groups;	/* every profile in the file */
};


/* The XDG base directory rule, with the passwd home as a last resort. */
char *
config_path(void)
{
	char	*dir, *path;

	if ((dir = file_xdg_dir("XDG_CONFIG_HOME", ".config")) == NULL)
		return NULL;
	path = xasprintf("%s/config", dir);
	free(dir);
	return path;
}

/* The 1-based line holding byte offset off of data. */
static size_t
config_line_of(const char *data, size_t off)
{
	size_t	i, line = 1;

	for (i = 0; i < off; i++) {
		if (data[i] == '\n')
			line++;
	}
	return line;
}

/* Whether the first len bytes of data load as a key file. */
static int
config_prefix_loads(const char *data, size_t len)
{
	GKeyFile	*kf;
	gboolean	 ok;

	kf = g_key_file_new();
	ok = g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, NULL);
	g_key_file_free(kf);
	return ok ? 1 : 0;
}

/*
 * The line GKeyFile failed on.  The whole file failed to load; find the
 * fewest whole lines that fail too.  Loading is sequential and an error
 * ends it, so failure is monotonic in the prefix and a binary search over
 * line ends finds the first failing line.
 */
static size_t
config_bad_line(const char *data, size_t len)
{
	size_t	*ends = NULL, nlines = 0, i, lo, hi, mid, line;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n' || i == len - 1) {
			ends = xreallocarray(ends, nlines + 1, sizeof *ends);
			ends[nlines++] = i + 1;
		}
	}
	if (nlines == 0)
		return 1;
	lo = 0;
	hi = nlines - 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (config_prefix_loads(data, ends[mid]))
			lo = mid + 1;
		else
			hi = mid;
	}
	line = lo + 1;
	free(ends);
	return line;
}

/*
 * Checks GKeyFile does not make: a NUL byte would silently cut a line
 * short, and invalid UTF-8 loads but then fails only when a value is read.
 */
static int
config_check_text(const char *path, const char *data, size_t len)
{
	const gchar	*end;

	if (g_utf8_validate(data, (gssize)len, &end))
		return 0;
	if (*end == '\0')
		return vt_err(VT_ERR_CONFIG, "'%s' line %zu: contains a NUL "
		    "byte; the file must be text", path,
		    config_line_of(data, (size_t)(end - data)));
	return vt_err(VT_ERR_CONFIG, "'%s' line %zu: not valid UTF-8; save "
	    "the file as UTF-8", path,
	    config_line_of(data, (size_t)(end - data)));
}

/* Open and read the file, refusing one that others could have written. */
static int
config_read(const char *path, int explicit, const char *profile,
    char **datap, size_t *lenp)
{
	struct stat	 st;
	int		 fd = -1, r;

	*datap = NULL;
	*lenp = 0;

	if ((fd = file_open_read(AT_FDCWD, path, 0)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR) {
			if (!explicit)
				return 0;
			return vt_err(VT_ERR_CONFIG, "profile '%s' not found: "
			    "'%s' does not exist; create it with a [%s] "
			    "group", profile, path, profile);
		}
		return vt_err(VT_ERR_CONFIG, "cannot open '%s': %s", path,
		    strerror(errno));
	}
	switch (file_check(fd, FILE_ROOT_OK, &st)) {
	case FILE_OK:
		break;
	case FILE_BAD_TYPE:
		r = vt_err(VT_ERR_CONFIG, "'%s' is not a regular file; "
		    "replace it with one", path);
		goto out;
	case FILE_BAD_OWNER:
		r = vt_err(VT_ERR_CONFIG, "refusing '%s': it is owned by uid "
		    "%lu, not by you; chown it to yourself or remove it",
		    path, (unsigned long)st.st_uid);
		goto out;
	case FILE_BAD_WRITABLE:
		r = vt_err(VT_ERR_CONFIG, "refusing '%s': it is writable by "
		    "group or others; run chmod go-w '%s'", path, path);
		goto out;
	default:
		r = vt_err(VT_ERR_CONFIG, "cannot stat '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (file_read_fd(fd, VT_FILE_MAX, datap, lenp, NULL) == -1) {
		r = vt_err(VT_ERR_CONFIG, "cannot read '%s': %s", path,
		    file_strerror(errno, VT_FILE_MAX));
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	return r;
}

/* Add a copy of the list to cfg's entry, and the string value. */
static void
config_add(struct config *cfg, const char *key, const char *value,
    char **list, gsize nlist)
{
	struct config_entry	*e;
	gsize			 i;

	cfg->entries = xreallocarray(cfg->entries, cfg->nentries + 1,
	    sizeof *cfg->entries);
	e = &cfg->entries[cfg->nentries++];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->list = xreallocarray(NULL, nlist + 1, sizeof *e->list);
	for (i = 0; i < nlist; i++)
		e->list[i] = xstrdup(list[i]);
	e->list[nlist] = NULL;
}

/* Whether s holds a control character (an escape such as \n decoded). */
static int
config_has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	}
	return 0;
}

/*
 * Parse one known key of the selected profile, as a string and as a list,
 * and keep both.  A value is refused now, with its key named, rather than
 * when some command first reads it.  Control characters (from \n, \t,
 * \r escapes) are refused too: no value vtoken reads needs one, and a
 * newline in git_username would forge a git credential line.
 */
static int
config_take(struct config *cfg, GKeyFile *kf, const char *key)
{
	GError	 *error = NULL;
	gchar	 *value = NULL, **list = NULL;
	gsize	  nlist = 0;
	int	  r;

	/* g_key_file_get_string may return a value and set an error. */
	value = g_key_file_get_string(kf, cfg->profile, key, &error);
	if (error == NULL)
		list = g_key_file_get_string_list(kf, cfg->profile, key,
		    &nlist, &error);
	/*
	 * Invalid escapes are the error a file that loaded can still have
	 * (UTF-8 was checked before loading); GLib's other messages would
	 * quote the value, so none of them is passed on.
	 */
	if (error != NULL) {
		if (g_error_matches(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE))
			r = vt_err(VT_ERR_CONFIG, "'%s' profile '%s' key '%s': "
			    "invalid escape sequence in the value; write a "
			    "backslash as \\", cfg->path, cfg->profile, key);
		else
			r = vt_err(VT_ERR_CONFIG, "'%s' profile '%s' key '%s': "
			    "cannot read the value (GLib error %d)", cfg->path,
			    cfg->profile, key, error->code);
		goto out;
	}
	if (config_has_control(value)) {
		r = vt_err(VT_ERR_CONFIG, "'%s' profile '%s' key '%s': the "
		    "value contains a control character; remove the escape",
		    cfg->path, cfg->profile, key);
		goto out;
	}
	config_add(cfg, key, value, list, nlist);
	r = 0;
out:
	if (error != NULL)
		g_error_free(error);
	g_free(value);
	g_strfreev(list);
	return r;
}

/* The file's groups as "a, b, c" for a profile-not-found message. */
static char *
config_group_names(GKeyFile *kf)
{
	gchar	**groups;
	gchar	 *joined;
	char	 *out;

	groups = g_key_file_get_groups(kf, NULL);
	if (groups == NULL || groups[0] == NULL) {
		g_strfreev(groups);
		return xstrdup("none");
	}
	joined = g_strjoinv(", ", groups);
	out = xstrdup(joined);
	g_free(joined);
	g_strfreev(groups);
	return out;
}

/* Whether key was already taken (merged groups repeat keys). */
static int
config_has(const struct config *cfg, const char *key)
{
	size_t	i;

	for (i = 0; i < cfg->nentries; i++) {
		if (strcmp(cfg->entries[i].key, key) == 0)
			return 1;
	}
	return 0;
}

/* Read, check and parse the file once, keeping the selected profile. */
int
config_load(const char *path, const char *profile, int explicit,
    struct config **out)
{
	struct config	 *cfg = NULL;
	GKeyFile	 *kf = NULL;
	GError		 *error = NULL;
	gchar		**keys = NULL;
	char		 *data = NULL, *names = NULL;
	size_t		  len, i;
	int		  r;

	*out = NULL;
	if ((r = config_read(path, explicit, profile, &data, &len)) != 0)
		goto out;
	if (data == NULL)
		goto out;	/* no file, and none was asked for */
	if ((r = config_check_text(path, data, len)) != 0)
		goto out;

	/*
	 * GLib's parse messages quote the whole line, and a line that is not
	 * a pair might be a pasted key: say what is wrong, not what is there.
	 */
	kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE,
	    &error)) {
		if (g_error_matches(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
			r = vt_err(VT_ERR_CONFIG, "'%s' line %zu: a key before "
			    "the first [profile] line; put it in a profile",
			    path, config_bad_line(data, len));
		else
			r = vt_err(VT_ERR_CONFIG, "'%s' line %zu: not a "
			    "[profile] line, a key = value pair or a # "
			    "comment", path, config_bad_line(data, len));
		goto out;
	}

	cfg = xcalloc(1, sizeof *cfg);
	cfg->path = xstrdup(path);
	cfg->profile = xstrdup(profile);
	cfg->groups = g_key_file_get_groups(kf, NULL);

	if (!g_key_file_has_group(kf, profile)) {
		if (explicit) {
			names = config_group_names(kf);
			r = vt_err(VT_ERR_CONFIG, "profile '%s' not found in "
			    "'%s' (profiles there: %s)", profile, path, names);
			goto out;
		}
		/* The default profile need not exist: no values. */
		*out = cfg;
		cfg = NULL;
		r = 0;
		goto out;
	}

	keys = g_key_file_get_keys(kf, profile, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (config_has(cfg, keys[i]))
			continue;
		if (!settings_is_key(keys[i])) {
			log_warn("'%s': unknown key '%s' in profile '%s'", path,
			    keys[i], profile);
			continue;
		}
		if ((r = config_take(cfg, kf, keys[i])) != 0)
			goto out;
	}

	*out = cfg;
	cfg = NULL;
	r = 0;
out:
	g_strfreev(keys);
	if (error != NULL)
		g_error_free(error);
	if (kf != NULL)
		g_key_file_free(kf);
	free(names);
	free(data);
	config_free(cfg);
	return r;
}

/* The entry for key, or NULL. */
static const struct config_entry *
config_find(const struct config *cfg, const char *key)
{
	size_t	i;

	if (cfg == NULL)
		return NULL;
	for (i = 0; i < cfg->nentries; i++) {
		if (strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	}
	return NULL;
}

/* A profile value, borrowed: callers copy what they keep. */
const char *
config_get(const struct config *cfg, const char *key)
{
	const struct config_entry	*e;

	if ((e = config_find(cfg, key)) == NULL)
		return NULL;
	return e->value;
}

/* A list value as a fresh vector, so callers may keep or edit it. */
char **
config_get_list(const struct config *cfg, const char *key)
{
	const struct config_entry	 *e;
	char				**v;
	size_t				  n, i;

	if ((e = config_find(cfg, key)) == NULL)
		return NULL;
	for (n = 0; e->list[n] != NULL; n++)
		;
	v = xreallocarray(NULL, n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = xstrdup(e->list[i]);
	v[n] = NULL;
	return v;
}

/* Every profile in the file, a fresh vector (xstrv_free). */
char **
config_profiles(const struct config *cfg)
{
	char	**v;
	size_t	  n = 0, i;

	while (cfg != NULL && cfg->groups != NULL && cfg->groups[n] != NULL)
		n++;
	v = xreallocarray(NULL, n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = xstrdup(cfg->groups[i]);
	v[n] = NULL;
	return v;
}

/* The selected profile, for `status` and messages. */
const char *
config_profile(const struct config *cfg)
{
	return cfg != NULL ? cfg->profile : NULL;
}

/* The file read, for `status` and messages. */
const char *
config_file(const struct config *cfg)
{
	return cfg != NULL ? cfg->path : NULL;
}

/* Free everything config_load made; accepts NULL, as ctx_release needs. */
void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nentries; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
		xstrv_free(cfg->entries[i].list);
	}
	free(cfg->entries);
	g_strfreev(cfg->groups);
	free(cfg->path);
	free(cfg->profile);
	free(cfg);
}
