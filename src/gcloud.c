/*
 * gcloud.c: the Cloud SDK's files, read without running gcloud (which
 * costs a Python start-up per call): where the well-known ADC file is,
 * and the active configuration's [core] project, following gcloud's own
 * rules (named_configs.py, config.py).
 *
 * Nothing here is an error: gcloud's files are a hint, so a missing,
 * unreadable or unparsable file means "no answer" (with a debug line).
 * Configuration files are Python configparser INI; `key = value` lines
 * under [section] load with GKeyFile, and a file it cannot load (such as
 * one with `key: value` lines or `;` comments) gives no answer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "vtoken.h"
#include "file.h"
#include "gcloud.h"
#include "log.h"
#include "xmalloc.h"

/* active_config holds a short name; anything longer is not one. */
#define GCLOUD_NAME_MAX	256

/* gcloud's config directory, by gcloud's own rule (config.py). */
char *
gcloud_config_dir(void)
{
	const char	*dir, *home;

	/* gcloud treats an empty CLOUDSDK_CONFIG as unset. */
	if ((dir = file_getenv("CLOUDSDK_CONFIG")) != NULL)
		return xstrdup(dir);
	if ((home = file_home()) == NULL)
		return NULL;
	return xasprintf("%s/.config/gcloud", home);
}

/* The ADC file `gcloud auth application-default login` writes. */
char *
gcloud_adc_path(void)
{
	char	*dir, *path;

	if ((dir = gcloud_config_dir()) == NULL)
		return NULL;
	path = xasprintf("%s/application_default_credentials.json", dir);
	free(dir);
	return path;
}

/*
 * Read a regular file of at most max bytes into a NUL-terminated buffer.
 * Returns 0, or -1 (with a debug line) for a missing, unreadable, special
 * or oversized file.
 */
static int
gcloud_read(const char *path, size_t max, char **datap, size_t *lenp)
{
	int	fd = -1, r = -1;

	*datap = NULL;
	*lenp = 0;
	if ((fd = file_open_read(AT_FDCWD, path, 0)) == -1) {
		if (errno != ENOENT)
			log_debug("cannot open '%s': %s", path,
			    strerror(errno));
		goto out;
	}
	if (file_read_fd(fd, max, datap, lenp, NULL) == -1) {
		log_debug("ignoring '%s': %s", path, file_strerror(errno, max));
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	return r;
}

/* gcloud's rule for configuration names: ^[a-z][-a-z0-9]*$. */
static int
gcloud_valid_name(const char *s)
{
	if (*s < 'a' || *s > 'z')
		return 0;
	for (s++; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return 0;
	}
	return 1;
}

/*
 * The active configuration's name, as gcloud picks it: the environment,
 * else the active_config file (trimmed; empty counts as missing), else
 * "default".  Returns NULL for none: the reserved "NONE" or a name gcloud
 * would not accept.  Caller frees.
 */
static char *
gcloud_active_name(const char *dir)
{
	const char	*env;
	char		*path = NULL, *data = NULL, *name = NULL;
	size_t		 len;

	if ((env = file_getenv("CLOUDSDK_ACTIVE_CONFIG_NAME")) != NULL) {
		name = xstrdup(env);
		goto check;
	}
	path = xasprintf("%s/active_config", dir);
	if (gcloud_read(path, GCLOUD_NAME_MAX, &data, &len) == 0) {
		if (memchr(data, '\0', len) != NULL) {
			log_debug("ignoring '%s': not a configuration name",
			    path);
			goto out;
		}
		g_strstrip(data);
		if (*data != '\0') {
			name = data;
			data = NULL;
		}
	}
	if (name == NULL)
		name = xstrdup("default");
check:
	if (strcmp(name, "NONE") == 0) {
		log_debug("gcloud configuration NONE: no project");
		free(name);
		name = NULL;
	} else if (!gcloud_valid_name(name)) {
		log_debug("ignoring gcloud configuration name: not "
		    "^[a-z][-a-z0-9]*$");
		free(name);
		name = NULL;
	}
out:
	free(data);
	free(path);
	return name;
}

/* What `gcloud config get project` would say, without running it. */
int
gcloud_project(char **project, char **origin)
{
	GKeyFile	*kf = NULL;
	GError		*error = NULL;
	char		*dir = NULL, *name = NULL, *path = NULL;
	char		*data = NULL;
	gchar		*value = NULL;
	size_t		 len;
	int		 found = 0;

	*project = NULL;
	*origin = NULL;
	if ((dir = gcloud_config_dir()) == NULL)
		goto out;
	if ((name = gcloud_active_name(dir)) == NULL)
		goto out;
	path = xasprintf("%s/configurations/config_%s", dir, name);
	if (gcloud_read(path, VT_FILE_MAX, &data, &len) != 0)
		goto out;

	kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE,
	    &error)) {
		log_debug("ignoring '%s': %s", path, error->message);
		goto out;
	}
	/* Raw value: configparser does not decode GKeyFile's escapes. */
	if ((value = g_key_file_get_value(kf, "core", "project",
	    NULL)) == NULL)
		goto out;
	g_strstrip(value);
	if (*value == '\0')
		goto out;

	*project = xstrdup(value);
	*origin = xasprintf("gcloud configuration '%s'", name);
	found = 1;
out:
	g_free(value);
	if (error != NULL)
		g_error_free(error);
	if (kf != NULL)
		g_key_file_free(kf);
	free(data);
	free(path);
	free(name);
	free(dir);
	return found;
}
