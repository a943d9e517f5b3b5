/*
 * options.h: the command line and the precedence of settings.
 *
 * Global options are accepted before or after the command name.  Each
 * setting is taken from, in order: the command line, the environment, the
 * profile, what was discovered, the built-in default; its origin is kept
 * for `status`.  A bad value is VT_ERR_USAGE from the command line and
 * VT_ERR_CONFIG from the environment or a profile.
 */
#ifndef VTOKEN_OPTIONS_H
#define VTOKEN_OPTIONS_H

struct vt_ctx;
struct cmd_entry;
struct cmd_args;

/* What the command line said; pointers borrow argv. */
struct cli {
	const char	*profile;
	const char	*project;
	const char	*location;
	const char	*endpoint;
	const char	*api_version;
	const char	*base_url;
	const char	*credentials;
	const char	*api_key_file;
	const char	*backend;	/* "vertex" (--vertex), "gemini" */
	const char	*scopes;
	const char	*timeout;
	const char	*cache;
	const char	*min_ttl;
	int		 no_cache;
	const char	*impersonate;
	const char	*lifetime;
	int		 verbose;	/* count of -v */
	int		 quiet;
	int		 help;
	int		 version;
	const struct cmd_entry *cmd;	/* NULL: none given */
};

/*
 * Parse argv into cli and args.  VT_ERR_USAGE with the message recorded
 * for an unknown command or option, a missing argument, an option the
 * command does not take, or a wrong number of arguments.
 */
int	 options_parse(int argc, char **argv, struct cli *cli,
	    struct cmd_args *args);

/*
 * Apply the precedence: fill ctx's settings from cli, the environment and
 * the profile (loads the config file into ctx->config), then check and
 * parse what must be valid before any command runs (durations, scopes,
 * location, endpoint, API version, base URL; the project when it came
 * from the command line, the environment or the profile).
 */
int	 options_resolve(struct vt_ctx *ctx, const struct cli *cli);

/*
 * Parse a duration: whole seconds, or a whole number with s, m or h.
 * Returns 0 and *out, or -1.
 */
int	 options_parse_duration(const char *s, long *out);

/*
 * Split a scope list (commas, semicolons and/or spaces) into a NULL-terminated vector,
 * expanding a bare name ("cloud-platform") to
 * https://www.googleapis.com/auth/<name>; duplicates are dropped.  NULL
 * for an empty list or a scope with characters a scope cannot have.
 */
char	**options_parse_scopes(const char *s);

#endif /* VTOKEN_OPTIONS_H */
