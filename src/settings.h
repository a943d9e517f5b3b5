/*
 * settings.h: every setting vtoken reads, one row each (tmux's
 * options-table.c is the model).
 *
 * A row says everything about a setting: its command-line option, the
 * environment variables and profile key it is also read from, its default,
 * how it is checked and parsed, where it is kept in struct vt_ctx, and its
 * line in --help.  getopt's option list (options.c), the config file's
 * known keys (conf.c), --help (cmd.c) and the precedence with its trace
 * for `status` all come from the table, so adding a setting is adding a
 * row (and, if the program reads it, a field of struct vt_ctx).
 *
 * Precedence (PRODUCT.md): command line, environment (in the order of
 * env), profile, then the default.
 */
#ifndef VTOKEN_SETTINGS_H
#define VTOKEN_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

struct vt_ctx;
struct cli;
struct setting;

/* The most rows the table may have (struct cli keeps one value each). */
#define SETTINGS_MAX		32

/* A row's "not kept in struct vt_ctx": read by a command from the profile. */
#define SETTING_PROFILE_ONLY	((size_t)-1)

struct setting_def {
	const char	*name;		/* in messages and for lookups */
	/*
	 * --option and its argument in --help ("ID"); a NULL arg makes a
	 * flag, whose value is flag_value.  A second flag (alt_option,
	 * alt_value, alt_help) may set the same setting (--vertex,
	 * --gemini).  NULL option: none.
	 */
	const char	*option;
	const char	*arg;
	const char	*flag_value;
	const char	*alt_option;
	const char	*alt_value;
	const char	*env[4];	/* NULL-ended */
	const char	*key;		/* profile key, or NULL */
	const char	*def;		/* built-in default, or NULL */
	/* The command's own default wins over def (cmd_entry min_ttl). */
	int		 cmd_default;
	size_t		 offset;	/* of the struct setting in vt_ctx */
	/*
	 * Check (and parse into ctx) the value once every setting is
	 * picked: 0, or VT_ERR_USAGE (from the command line) or
	 * VT_ERR_CONFIG with the message.  NULL: any value.
	 */
	int		(*check)(struct vt_ctx *, const struct setting *);
	const char	*trace;		/* traced under this name, or NULL */
	const char	*help;		/* --help text; lines split by \n */
	const char	*alt_help;
};

extern const struct setting_def settings_table[];
extern const size_t settings_count;

/* The row named name, or NULL. */
const struct setting_def *settings_find(const char *name);
/* Its index in settings_table (and in struct cli's values), or -1. */
int	 settings_index(const char *name);
/* 1 if key is a profile key some row reads. */
int	 settings_is_key(const char *key);
/* The options part of --help. */
void	 settings_help(FILE *f);

/*
 * Apply the precedence for every row: the profile first (it names the
 * profile the config file is read for, loaded into ctx->config), then
 * the others from cli, the environment, the profile and the defaults,
 * each with its origin; then every check, in table order.
 */
int	 settings_resolve(struct vt_ctx *ctx, const struct cli *cli);
/* Release every setting of ctx. */
void	 settings_release(struct vt_ctx *ctx);

/* The error code for a bad value of s: usage if from the command line. */
int	 setting_bad_code(const struct setting *s);

/*
 * Parse a duration: whole seconds, or a whole number with s, m or h.
 * Returns 0 and *out, or -1.
 */
int	 settings_parse_duration(const char *s, long *out);

/*
 * Split a scope list (commas, semicolons and/or spaces) into a
 * NULL-terminated vector, expanding a bare name ("cloud-platform") to
 * https://www.googleapis.com/auth/<name>; duplicates are dropped.  NULL
 * for an empty list or a scope with characters a scope cannot have.
 */
char	**settings_parse_scopes(const char *s);

/*
 * The scopes of v joined by sep ("a b" for a claim or form, "a,b" for the
 * metadata server's query); "" for none.  The caller frees it.
 */
char	*settings_scopes_join(char *const *v, char sep);

#endif /* VTOKEN_SETTINGS_H */
