/*
 * cmd.h: the command table.  Each command lives in cmd-<name>.c and
 * exports one struct cmd_entry; cmd.c holds the table, the lookup and the
 * help text, so help, usage and completion all read the same data.
 */
#ifndef VTOKEN_CMD_H
#define VTOKEN_CMD_H

#include "vtoken.h"
#include "output.h"

struct vt_ctx;
struct source;
struct token;

/* Command options; a command's entry says which it accepts. */
#define CMDOPT_JSON	0x01	/* --json */
#define CMDOPT_SHELL	0x02	/* --shell NAME */
#define CMDOPT_UNSET	0x04	/* --unset */
#define CMDOPT_VARS	0x08	/* --key-var NAME, --url-var NAME */
#define CMDOPT_ALL	0x10	/* --all */
#define CMDOPT_WRITE	0x20	/* --write-env FILE, --write-token FILE */
#define CMDOPT_SERVE	0x40	/* --serve */
#define CMDOPT_SERVER	0x80	/* --no-openai, --rotate-key */
#define CMDOPT_METADATA	0x400	/* --metadata (serve, exec --serve) */
#define CMDOPT_DRY_RUN	0x100	/* --dry-run */
#define CMDOPT_IDTOKEN	0x200	/* --id-token AUDIENCE, --include-email */

/* The command runs without settings or config (help). */
#define CMD_F_NOSETUP	0x01
/*
 * The command's arguments are a command line to run (exec): vtoken's
 * options end at its first word, or at "--", and the rest is the child's.
 */
#define CMD_F_ARGV	0x02
/*
 * A helper protocol (git's, Docker's): a request for a host that is not
 * vtoken's gets the protocol's "not mine" even when a setting of the
 * profile is bad, since the client asks every helper it has; the
 * setting's error is for requests that are vtoken's (cmd_helper_setup).
 */
#define CMD_F_HELPER	0x04

/* What the command line gave a command, besides global options. */
struct cmd_args {
	int		 json;
	int		 unset;
	const char	*shell;
	const char	*key_var;
	const char	*url_var;
	int		 all;
	const char	*write_env;
	const char	*write_token;
	int		 serve;		/* env, exec: the broker's variables */
	int		 no_openai;
	int		 rotate_key;
	int		 metadata;	/* the metadata server emulator */
	int		 dry_run;
	const char	*id_token;	/* token: an ID token's audience */
	int		 include_email;
	int		 argc;		/* positional arguments */
	char		**argv;
};

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* options and arguments, for help */
	const char	*summary;	/* one line */
	int		 options;	/* CMDOPT_* accepted */
	int		 flags;		/* CMD_F_* */
	int		 min_args;
	int		 max_args;	/* -1: any */
	/* Default --min-ttl when it is not "5m" (env: the value outlives
	 * the call). */
	const char	*min_ttl;
	/* Run it.  Returns 0 or a negative VT_ERR_*. */
	int		(*exec)(struct vt_ctx *ctx, struct cmd_args *args);
};

extern const struct cmd_entry cmd_cache_entry;
extern const struct cmd_entry cmd_env_entry;
extern const struct cmd_entry cmd_refresh_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_exec_entry;
extern const struct cmd_entry cmd_git_credential_entry;
extern const struct cmd_entry cmd_header_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_key_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_token_entry;
extern const struct cmd_entry cmd_docker_credential_entry;
extern const struct cmd_entry cmd_configure_docker_entry;
extern const struct cmd_entry cmd_kube_credential_entry;

/* The table, NULL-terminated. */
extern const struct cmd_entry *cmd_table[];

/* Exact name lookup (no prefixes: a helper must not guess).  NULL if none. */
const struct cmd_entry *cmd_find(const char *name);
/* Print the program's usage (to stdout when asked for, else stderr). */
void	 cmd_usage(int to_stdout);
/* Print one command's usage line. */
void	 cmd_usage_one(const struct cmd_entry *entry, int to_stdout);
/*
 * Write s to stdout and flush it.  VT_ERR_INTERNAL when stdout is closed
 * or full: a caller must never believe a token reached its reader when it
 * did not.  s may be a secret; the caller still owns and wipes it.
 */
int	 cmd_print(const char *s);
/* --shell NAME into *sh (left as it is for NULL); VT_ERR_USAGE if unknown. */
int	 cmd_shell(const char *name, enum shell *sh);
/*
 * When vtoken runs as git-credential-vtoken (git's name for the helper
 * "vtoken") or docker-credential-vtoken (Docker's), an argv with
 * "git-credential" or "docker-credential" inserted as the command;
 * otherwise argv itself.  *argcp is updated.
 */
char	**cmd_helper_argv(int *argcp, char **argv);
/*
 * The profile's list key (git_hosts, docker_hosts, docker_locations),
 * blanks around each entry trimmed and empty entries dropped, each
 * checked with valid(): VT_ERR_CONFIG naming a bad one, which "is not
 * <what>".  *out is NULL when the key is absent; free it with
 * xstrv_free().
 */
int	 cmd_profile_list(struct vt_ctx *ctx, const char *key,
	    int (*valid)(const char *), const char *what, char ***out);
#define CMD_HOSTS_WHAT	"a host, host:port or *.domain"
/*
 * Resolve the credential and mint a token with it (cmd.c).  On success
 * the caller owns *src and tok; on failure both are released.
 */
int	 cmd_mint(struct vt_ctx *ctx, struct source **src, struct token *tok);
/*
 * A helper protocol's answer (git, Docker, kubectl; cmd.c): mint with
 * cmd_mint, then print what render makes of the token and arg, a string
 * holding the token that is secret_free()d here.  When render returns
 * NULL (the answer cannot be written), nothing is printed and the error
 * is bad_code with the message bad_msg.
 */
int	 cmd_answer(struct vt_ctx *ctx,
	    char *(*render)(const struct token *tok, const void *arg),
	    const void *arg, int bad_code, const char *bad_msg);
/*
 * Forget the cached token of the credential that would be used (a
 * helper's erase; cmd.c): 0 also when nothing was cached.
 */
int	 cmd_forget(struct vt_ctx *ctx);
/*
 * For a helper whose server takes only OAuth (Docker's registries, a
 * kubectl cluster): an API key, which never expires, must not go there.
 * The credential is then resolved as under --vertex; asking for the
 * Gemini API is VT_ERR_USAGE (from the command line) or VT_ERR_CONFIG.
 * Call before cmd_answer or cmd_forget.  (cmd.c)
 */
int	 cmd_oauth_only(struct vt_ctx *ctx);
/*
 * A helper's request is now known to be vtoken's (ours) or not: the
 * settings error held back (ctx->setup_err) is returned for one that is,
 * and dropped for one that is not.
 */
int	 cmd_helper_setup(struct vt_ctx *ctx, int ours);

/*
 * env's variables (cmd.c): the key (the token or API key) under
 * --key-var, the profile's key_var or OPENAI_API_KEY; the base URL under
 * --url-var, url_var or OPENAI_BASE_URL; VTOKEN_EXPIRES_AT (NULL value
 * for an API key, which does not expire).
 */
#define CMD_ENV_KEY_VAR		"OPENAI_API_KEY"
#define CMD_ENV_URL_VAR		"OPENAI_BASE_URL"
#define CMD_ENV_EXPIRES_VAR	"VTOKEN_EXPIRES_AT"
struct cmd_env {
	struct env_var	 var[3];	/* key, base URL, expiry */
	char		*base_url;
	struct token	 tok;
	char		 when[32];
};
/*
 * Fill ev: the names, and unless unset the values, resolving the
 * credential, project and base URL first, then minting through the
 * cache (have: a token already minted for ctx, used instead).  sh, when
 * not NULL, is the shell the values will be quoted for: a base URL it
 * cannot hold is refused before anything is minted.  key_opt and url_opt
 * are --key-var and --url-var, or NULL.  Release with cmd_env_release
 * (the values hold the token).
 */
int	 cmd_env_vars(struct vt_ctx *ctx, const enum shell *sh,
	    const char *key_opt, const char *url_opt, int unset,
	    const struct token *have, struct cmd_env *ev);
void	 cmd_env_release(struct cmd_env *ev);
/* The two variable names: option, profile key (key_var, url_var) or
 * OPENAI_API_KEY and OPENAI_BASE_URL; checked, and different. */
int	 cmd_env_names(struct vt_ctx *ctx, const char *key_opt,
	    const char *url_opt, const char **key_var, const char **url_var);
/* cmd_env_vars rendered for shell sh into *text (secret_free it). */
int	 cmd_env_render(struct vt_ctx *ctx, enum shell sh, const char *key_opt,
	    const char *url_opt, int unset, const struct token *have,
	    char **text);

#endif /* VTOKEN_CMD_H */
