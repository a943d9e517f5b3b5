/*
 * serve-cmd.h: the program's side of the broker, shared by `serve`,
 * `exec --serve` and `env --serve` (cmd-serve.c, serve-listen.c).
 */
#ifndef VTOKEN_SERVE_CMD_H
#define VTOKEN_SERVE_CMD_H

#include <sys/types.h>

struct vt_ctx;
struct cmd_args;

/* Where the broker listens. */
struct serve_listen {
	int	  fd;
	int	  unix_socket;
	char	 *name;		/* "127.0.0.1:PORT", "unix:/path" */
	char	 *base_url;	/* "http://127.0.0.1:PORT/v1" */
	char	**hosts;	/* Host headers accepted; NULL: unix */
	char	 *unlink_path;	/* the socket file to remove, or NULL */
};

/* A running broker's state file. */
struct serve_state {
	char	*base_url;
	char	*key;
	char	*metadata_host;	/* or NULL */
};

/*
 * The listening socket: systemd's (LISTEN_FDS) if it passed one, else
 * the listen setting, which must be loopback or unix:PATH.
 */
int	 serve_listen_open(struct vt_ctx *ctx, struct serve_listen *ln);
/* 127.0.0.1 on a free port, for exec --serve. */
int	 serve_listen_private(struct serve_listen *ln);
void	 serve_listen_close(struct serve_listen *ln);
/* 1 if addr is a listen address vtoken accepts (pure; for settings.c). */
int	 serve_listen_valid(const char *addr);
/* The longest unix:PATH the kernel takes (sun_path, less its NUL). */
size_t	 serve_listen_path_max(void);

/* The profile's running broker, or VT_ERR_CONFIG if none runs. */
int	 serve_state_read(struct vt_ctx *ctx, struct serve_state *st);
void	 serve_state_release(struct serve_state *st);
/* 1 if key looks like a key the broker makes ("vtk-" and 43 chars). */
int	 serve_key_valid(const char *key);

/*
 * The variables of env --serve into v (names of v[0] and v[1], the key
 * and base URL variables, set by the caller): the key, the base URL and,
 * with meta_host, the metadata server's three.  Returns how many.
 */
#define SERVE_ENV_MAX	5
struct env_var;
size_t	 serve_env_vars(const char *key, const char *url,
	    const char *meta_host, struct env_var *v);
/* exec --serve: a private broker for the command's life. */
int	 serve_exec(struct vt_ctx *ctx, struct cmd_args *args);

#endif /* VTOKEN_SERVE_CMD_H */
