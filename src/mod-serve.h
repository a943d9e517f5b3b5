/*
 * mod-serve.h: the table the vtoken-serve module exports (see module.h),
 * and what `vtoken serve` (cmd-serve.c) hands it.
 *
 * The module is the broker's network half: the HTTP server
 * (libmicrohttpd), the upstream side (libcurl's multi interface), the
 * token thread and the signals.  Everything that knows about credentials
 * stays in the program and reaches the module as the hooks below, which
 * the module calls from its one token thread only, never concurrently:
 * the program's resolution, cache and keyring code is single-threaded.
 * The module is loaded only by `serve` and `exec --serve`, so a cache hit
 * never pays for libmicrohttpd.
 */
#ifndef VTOKEN_MOD_SERVE_H
#define VTOKEN_MOD_SERVE_H

#include <stddef.h>
#include <sys/types.h>

#include "mod-host.h"

/* Bumped whenever the table or the structs below change. */
#define VT_SERVE_API_VERSION	2

struct token;

/* Where requests go; the program builds it, and again after SIGHUP. */
struct serve_upstream {
	/* One per location, in failover order, NULL-ended; "/v1/REST"
	 * goes to base_url[i] + "/REST" (no trailing slash kept). */
	char	**base_url;
	char	 *quota_project;	/* x-goog-user-project, or NULL */
	/* What the metadata emulator tells (--metadata); NULL: unknown. */
	char	 *email;		/* the principal's e-mail */
	char	 *scopes;		/* the default scopes, comma-separated */
	char	 *project_id;
	char	 *project_number;	/* digits */
	char	 *universe;		/* "googleapis.com" unless chosen */
};

struct serve_hooks {
	void	*arg;
	/*
	 * A token for every request: from the cache, else minted and
	 * stored (force: drop the cached one first, after upstream said
	 * 401).  0, or a negative VT_ERR_* with the one line the CLI would
	 * print in err.  The caller releases tok with token_release().
	 */
	int	(*mint)(void *arg, int force, struct token *tok, char *err,
		    size_t errsz);
	/*
	 * The metadata emulator's token for scopes (comma-separated; NULL:
	 * the default ones) with at least min_ttl seconds left where the
	 * token's life allows, cached by scope set.  As mint.
	 */
	int	(*mint_scoped)(void *arg, const char *scopes, long min_ttl,
		    struct token *tok, char *err, size_t errsz);
	/*
	 * An ID token for audience (full: the "full" format).  As mint;
	 * VT_ERR_CONFIG when the credential cannot mint ID tokens.
	 */
	int	(*id_token)(void *arg, const char *audience, int full,
		    struct token *tok, char *err, size_t errsz);
	/*
	 * SIGHUP: re-read the config and the credentials, then fill up
	 * (released with upstream_free).  0 or VT_ERR_* with err; on error
	 * the old settings stay.
	 */
	int	(*reload)(void *arg, struct serve_upstream *up, char *err,
		    size_t errsz);
	void	(*upstream_free)(struct serve_upstream *up);
	/* Serving: write the state file, tell systemd.  0 or VT_ERR_*. */
	int	(*ready)(void *arg);
};

struct serve_config {
	int		 fd;		/* bound and listening */
	int		 unix_socket;	/* fd is AF_UNIX: SO_PEERCRED */
	/* Host header values accepted ("127.0.0.1:PORT"...), NULL-ended;
	 * NULL for a unix socket, where any Host is fine. */
	char		**hosts;
	const char	*key;		/* the local key clients present */
	struct serve_upstream up;	/* the module takes it over */
	size_t		 max_body;
	int		 max_requests;	/* in flight at once, then 503 */
	int		 idle_timeout;	/* seconds a connection may idle */
	int		 timeout_sec;	/* --timeout: mints and retries */
	int		 openai;	/* the /v1 proxy is on */
	int		 metadata;	/* the metadata server emulator is on */
	pid_t		 child;		/* exec --serve: the command, else 0 */
	/* Request lines at -v only (exec: the terminal is the command's). */
	int		 quiet_requests;
};

/* What run() ended with. */
struct serve_result {
	int	status;		/* 0, or a negative VT_ERR_* */
	int	child_status;	/* exec --serve: the command's waitpid status */
};

struct vt_serve_api {
	struct vt_module_head	head;
	/*
	 * Serve until SIGTERM or SIGINT (or, with a child, until it exits;
	 * then signals are forwarded to it).  Call from a process with no
	 * other threads.  Failures to start are VT_ERR_* with the message
	 * recorded (vt_err).
	 */
	void	(*run)(struct serve_config *cfg, const struct serve_hooks *hooks,
		    struct serve_result *res);
};

#endif /* VTOKEN_MOD_SERVE_H */
