/*
 * serve.h: the broker's parts inside the vtoken-serve module.
 *
 * Three threads besides the main one, which only waits for signals:
 *
 *   - libmicrohttpd's polling thread (serve-http.c) reads requests,
 *     answers the ones it can at once (401, 403, 404, 413) and hands the
 *     rest to the upstream thread, suspending the connection until a
 *     response begins;
 *   - the upstream thread (serve-upstream.c) runs every upstream
 *     transfer in one libcurl multi handle: retries, failover and the
 *     401 re-mint happen there, before the first byte is committed;
 *   - the token thread (serve-token.c) is the only caller of the
 *     program's hooks: it mints ahead of expiry, single-flight, so that
 *     requests find a fresh token waiting.
 *
 * One mutex (struct broker's lock) guards every shared field, in the
 * broker and in each request.  libmicrohttpd's resume is always called
 * with it released.
 */
#ifndef VTOKEN_SERVE_H
#define VTOKEN_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "mod-serve.h"

struct MHD_Connection;
struct MHD_Daemon;

/* Bounds; PRODUCT.md "The broker". */
/* Connections: max_requests and this many more (idle keep-alive ones),
 * then libmicrohttpd refuses new ones. */
#define SERVE_SPARE_CONNECTIONS	256
#define SERVE_HEADER_MAX	(64 * 1024)	/* per-connection memory */
#define SERVE_ATTEMPTS		3	/* upstream tries per location */
#define SERVE_DRAIN_SECONDS	10	/* SIGTERM: in-flight requests */
#define SERVE_BUF_HIGH		(1024 * 1024)	/* pause upstream above */
#define SERVE_DISCARD_MAX	(1024 * 1024)	/* of a reply to retry */
/* Other users' connections open at once (each gets a 403 and is closed);
 * past this, new ones are cut at once, so that they cannot take the
 * owner's connection slots by sending their headers a byte at a time. */
#define SERVE_FOREIGN_MAX	16

/* One header, as it will be sent on. */
struct serve_header {
	char	*name;
	char	*value;
};

#define SREQ_META_TOKEN		1
#define SREQ_META_IDENTITY	2

enum sreq_state {
	SREQ_BODY,		/* reading the client's body */
	SREQ_QUEUED,		/* handed to the upstream thread */
	SREQ_WAIT_TOKEN,	/* upstream thread: no fresh token yet */
	SREQ_WAIT_RETRY,	/* upstream thread: backing off */
	SREQ_ACTIVE,		/* in the multi handle */
	SREQ_DONE		/* upstream is finished with it */
};

/* One client request and its upstream transfer. */
struct sreq {
	struct broker		*b;
	struct MHD_Connection	*conn;
	int			 refs;		/* MHD's, upstream's */
	enum sreq_state		 state;
	struct sreq		*next;		/* incoming or waiting list */
	struct sreq		*next_flag;	/* unpause or cancel list */
	int			 on_flag_list;
	struct sreq		*all_prev;	/* every live request */
	struct sreq		*all_next;

	/* From the client (the MHD thread sets these, then hands over). */
	char			*method;
	int			 started;	/* the checks have run */
	char			*uri;		/* as sent: path and query */
	struct serve_header	*hdr;
	size_t			 nhdr;
	char			*body;
	size_t			 body_len;
	size_t			 body_cap;
	double			 start;		/* monotonic */

	/* A local answer instead of the upstream one. */
	int			 local_status;	/* 0: none */
	char			*local_body;
	const char		*local_ctype;	/* NULL: application/json */
	char			*local_location; /* a redirect's, or NULL */
	int			 local_meta;	/* Metadata-Flavor: Google */
	int			 local_close;	/* Connection: close */

	/* The metadata emulator's: a token or an ID token to answer. */
	int			 meta;		/* SREQ_META_* or 0 */
	char			*meta_arg;	/* scopes (or NULL); audience */
	int			 meta_full;	/* format=full */

	/* The upstream attempt. */
	void			*easy;		/* CURL * */
	void			*slist;		/* struct curl_slist * */
	int			 attempts;	/* in all, for the log */
	int			 loc_attempts;	/* at the current location */
	size_t			 loc;		/* index into base_url */
	unsigned long		 up_gen;	/* of the base_url it indexes */
	int			 reminted;	/* a 401 was retried already */
	unsigned long		 token_gen;	/* of the token it carries */
	unsigned long		 mints_seen;	/* broker's mints at parking */
	double			 wait_since;	/* parked for a token since */
	double			 token_wait;	/* seconds waited in all */
	double			 retry_at;	/* monotonic */
	double			 retry_after;	/* the reply's Retry-After */
	int			 discard;	/* this reply is to be retried */
	size_t			 discarded;	/* bytes of it read and dropped */
	int			 plan;		/* 1 here again, 2 next location */
	int			 upstream_status;
	struct serve_header	*rhdr;		/* reply headers */
	size_t			 nrhdr;
	long long		 content_length; /* -1: unknown */

	/* The response as the MHD thread takes it. */
	int			 committed;	/* status and headers final */
	int			 queued;	/* MHD has the response */
	int			 suspended;	/* MHD connection suspended */
	int			 paused;	/* curl transfer paused */
	int			 done;		/* no more bytes will come */
	int			 broken;	/* and the last was cut off */
	int			 aborted;	/* the client went away */
	char			*buf;		/* bytes not yet sent */
	size_t			 off, len, cap;
	unsigned long long	 sent;
	int			 status;	/* for the log */
};

struct broker {
	struct serve_config	*cfg;
	const struct serve_hooks *hooks;
	struct MHD_Daemon	*mhd;
	pthread_mutex_t		 lock;

	/* Token thread. */
	pthread_t		 token_thread;
	pthread_cond_t		 token_cond;
	char			*token;		/* NULL: none usable */
	time_t			 expires_at;	/* 0: never (an API key) */
	time_t			 refresh_at;
	unsigned long		 gen;		/* bumped by each new token */
	unsigned long		 mints;		/* attempts finished */
	unsigned long		 force_gen;	/* re-mint if gen is this */
	int			 want_mint;
	int			 want_reload;
	double			 retry_mint_at;	/* after a failed refresh */
	char			 err[512];	/* the last mint's failure */
	struct sreq		*meta_queue;	/* the emulator's asks */
	struct meta_cached	*meta_cache;	/* its tokens, by scopes */

	/* Upstream thread. */
	pthread_t		 up_thread;
	void			*multi;		/* CURLM * */
	struct serve_upstream	 up;
	unsigned long		 up_gen;	/* bumped by each reload */
	struct sreq		*incoming;	/* from the MHD thread */
	struct sreq		*waiting;	/* for a token or a retry */
	/* The MHD thread's news for active transfers: drained (resume
	 * the transfer) or the client went away (end it). */
	struct sreq		*flagged;
	struct sreq		*all;		/* every live request */

	int			 inflight;	/* requests begun, not ended */
	int			 draining;	/* SIGTERM: no new requests */
	int			 stopping;	/* the upstream thread: end now */
	int			 token_stopping; /* the token thread: end now */
	unsigned long long	 served;
	int			 foreign;	/* the MHD thread's: other
						 * users' connections open */
};

/* serve-http.c */
struct MHD_Daemon *serve_http_start(struct broker *b);
/* Let the connection of r run again (lock not held). */
void	 serve_http_resume(struct sreq *r);
/* Drop one reference; the last frees r.  Lock held. */
void	 sreq_unref(struct sreq *r);
/* An OpenAI-shaped error body. */
char	*serve_error_json(const char *message, const char *type,
	    const char *code);

/* 1 if the raw request URI is under /v1 and cannot climb out of it. */
int	 serve_path_ok(const char *uri);

/* serve-upstream.c */
/* Free n headers, wiping the values. */
void	 serve_headers_free(struct serve_header *h, size_t n);
/* 1 if a header of this name is hop-by-hop (or named by connection). */
int	 serve_hop_header(const char *name, const char *connection);
int	 serve_upstream_start(struct broker *b);
void	 serve_upstream_stop(struct broker *b);
/* Hand r over (lock held); takes a reference. */
void	 serve_upstream_submit(struct broker *b, struct sreq *r);
/* Wake the upstream thread (any thread, lock held or not). */
void	 serve_upstream_wake(struct broker *b);

/* serve-token.c */
int	 serve_token_start(struct broker *b);
/* End the thread; what it has queued stays for serve_upstream_stop. */
void	 serve_token_stop(struct broker *b);
/* Then, once no thread is left, release its state. */
void	 serve_token_cleanup(struct broker *b);
/*
 * The current token for r, copied into *tok (caller frees with
 * secret_free), or NULL: then a mint is asked for.  Lock held.
 */
char	*serve_token_get(struct broker *b, struct sreq *r);
/* Upstream said 401 to the token of generation gen.  Lock held. */
void	 serve_token_rejected(struct broker *b, unsigned long gen);

/* serve-token.c, for the metadata emulator: answer r (lock held). */
void	 serve_token_submit(struct broker *b, struct sreq *r);

/* serve-metadata.c */
/* 1 if uri is the metadata server's ("/" or /computeMetadata...). */
int	 serve_meta_path(const char *uri);
/* Check and route a metadata request (lock held): a local answer, or
 * r->meta set for the token thread. */
void	 serve_meta_begin(struct broker *b, struct sreq *r,
	    struct MHD_Connection *c, int own);
/* The token thread's part: answer the queued asks (lock held; released
 * around the hooks). */
void	 serve_meta_serve(struct broker *b);
/* Free the cached tokens (lock held). */
void	 serve_meta_cache_free(struct broker *b);

/* serve-peer.c */
/*
 * The uid on the other end of the accepted connection fd (the local
 * address is fd's own), or -1 with errno: SO_PEERCRED on a unix socket,
 * the kernel's socket diagnostics (sock_diag) for loopback TCP.
 */
int	 serve_peer_uid(int fd, int unix_socket, uid_t *uid);

#endif /* VTOKEN_SERVE_H */
