/*
 * conf.h: the configuration file, $XDG_CONFIG_HOME/vtoken/config (default
 * ~/.config/vtoken/config), read with GLib's GKeyFile: one group per
 * profile ([default], [prod], ...), keys are the long option names with
 * '_' for '-'.  (Named conf.h: config.h is autoconf's.)
 */
#ifndef VTOKEN_CONF_H
#define VTOKEN_CONF_H

struct config;

/* The file's path: $XDG_CONFIG_HOME/vtoken/config, else $HOME/.config/...,
 * else the passwd home.  Caller frees; NULL if no home is known. */
char	*config_path(void);

/*
 * Load path and select profile.  A missing file is not an error: *out is
 * set to NULL unless explicit is set (the user named the profile), in
 * which case the profile must exist.  Errors, all VT_ERR_CONFIG with the
 * message recorded: a file that does not parse ("'<path>' line N: ..."),
 * one owned by another user or writable by group or others, a profile
 * named explicitly that the file lacks.  Unknown keys in the selected
 * profile are a warning, not an error.
 */
int	 config_load(const char *path, const char *profile, int explicit,
	    struct config **out);
/* The value of key in the profile, or NULL; borrowed until config_free. */
const char *config_get(const struct config *cfg, const char *key);
/* A list value ("a;b;c") as a NULL-terminated vector; caller frees with
 * xstrv_free.  NULL when absent. */
char	**config_get_list(const struct config *cfg, const char *key);
/* The selected profile's name and the file's path; borrowed. */
const char *config_profile(const struct config *cfg);
/* Every profile the file has, a fresh NULL-ended vector. */
char	**config_profiles(const struct config *cfg);
const char *config_file(const struct config *cfg);
void	 config_free(struct config *cfg);

#endif /* VTOKEN_CONF_H */
