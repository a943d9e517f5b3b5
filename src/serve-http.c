/*
 * serve-http.c: the broker's HTTP server, libmicrohttpd with its own
 * polling thread (epoll) and suspended connections for everything that
 * waits on upstream.
 *
 * Each request is checked in the order that reveals least: who is
 * connecting (the socket's owner, serve-peer.c), the Host header (a web
 * page's DNS rebinding), the route, then the route's own key.  A
 * request that passes is handed to the upstream thread and its
 * connection suspended; it is resumed when the reply's status is final,
 * and again each time bytes arrive while the client has drained them
 * all, so that a server-sent event goes out as soon as it comes in.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "vtoken.h"
#include "log.h"
#include "secret.h"
#include "serve.h"
#include "xmalloc.h"

/* What the connection notification found out about the peer. */
#define PEER_OWN	((void *)(uintptr_t)1)
#define PEER_OTHER	((void *)(uintptr_t)2)

char *
serve_error_json(const char *message, const char *type, const char *code)
{
	json_object	*o, *e;
	char		*s;

	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(e, "type", json_object_new_string(type));
	if (code != NULL)
		json_object_object_add(e, "code",
		    json_object_new_string(code));
	json_object_object_add(o, "error", e);
	s = xstrdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

void
serve_http_resume(struct sreq *r)
{
	MHD_resume_connection(r->conn);
}

static void
sreq_free(struct sreq *r)
{
	struct broker	*b = r->b;

	if (r->all_prev != NULL)
		r->all_prev->all_next = r->all_next;
	else if (b->all == r)
		b->all = r->all_next;
	if (r->all_next != NULL)
		r->all_next->all_prev = r->all_prev;
	serve_headers_free(r->hdr, r->nhdr);
	serve_headers_free(r->rhdr, r->nrhdr);
	free(r->method);
	free(r->uri);
	free(r->body);
	/* It may be the metadata emulator's token or ID token. */
	secret_free(r->local_body);
	free(r->local_location);
	free(r->meta_arg);
	free(r->buf);
	free(r);
}

void
sreq_unref(struct sreq *r)
{
	if (--r->refs == 0)
		sreq_free(r);
}

/* --- replies made here ------------------------------------------------- */

/*
 * Send r's local answer.  Its fields are final once set (before the
 * connection resumed, or on the MHD thread itself): read unlocked.
 */
static enum MHD_Result
serve_reply(struct MHD_Connection *c, struct sreq *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	resp = MHD_create_response_from_buffer(strlen(r->local_body),
	    r->local_body, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->local_ctype != NULL ? r->local_ctype : "application/json");
	if (r->local_status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer");
	if (r->local_location != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
		    r->local_location);
	/* The metadata server's mark, on every one of its replies. */
	if (r->local_meta)
		MHD_add_response_header(resp, "Metadata-Flavor", "Google");
	/* Another user's connection does not stay for a next request. */
	if (r->local_close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	ret = MHD_queue_response(c, (unsigned)r->local_status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answer r here with status and an OpenAI-shaped error. */
static void
serve_local(struct sreq *r, int status, const char *message,
    const char *type, const char *code)
{
	free(r->local_body);
	r->local_body = serve_error_json(message, type, code);
	r->local_status = status;
	r->status = status;
}

/* --- the checks --------------------------------------------------------- */

static int
serve_host_ok(const struct broker *b, struct MHD_Connection *c)
{
	const char	*host;
	size_t		 i;

	if (b->cfg->hosts == NULL)
		return 1;	/* a unix socket: no browser gets here */
	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	for (i = 0; host != NULL && b->cfg->hosts[i] != NULL; i++)
		if (strcasecmp(host, b->cfg->hosts[i]) == 0)
			return 1;
	return 0;
}

static int
serve_key_ok(const struct broker *b, struct MHD_Connection *c)
{
	const char	*auth;
	size_t		 n = strlen(b->cfg->key);

	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	auth += 7;
	/* The length is no secret: every key has the same. */
	return strlen(auth) == n && CRYPTO_memcmp(auth, b->cfg->key, n) == 0;
}

static int
serve_method_ok(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 ||
	    strcmp(m, "DELETE") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0;
}

static enum MHD_Result
serve_collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct sreq	*r = cls;

	(void)kind;
	r->hdr = xreallocarray(r->hdr, r->nhdr + 1, sizeof *r->hdr);
	r->hdr[r->nhdr].name = xstrdup(key);
	r->hdr[r->nhdr].value = xstrdup(value != NULL ? value : "");
	r->nhdr++;
	return MHD_YES;
}

/* The first call for a request: run every check (lock held). */
static void
serve_begin(struct broker *b, struct sreq *r, struct MHD_Connection *c,
    const char *method)
{
	const union MHD_ConnectionInfo	*ci;
	const char			*cl;
	char				*end;
	unsigned long long		 len;
	int				 own;

	r->started = 1;
	r->conn = c;
	r->method = xstrdup(method);
	r->start = vt_now_mono();
	b->inflight++;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	own = ci != NULL && ci->socket_context == PEER_OWN;
	r->local_close = !own;
	/* The emulator's refusals are its own: plain text, its header. */
	if (b->cfg->metadata && serve_meta_path(r->uri)) {
		serve_meta_begin(b, r, c, own);
		return;
	}
	if (!own) {
		serve_local(r, 403, "vtoken: this broker serves only its own "
		    "user", "vtoken_forbidden", NULL);
		return;
	}
	if (!serve_host_ok(b, c)) {
		serve_local(r, 403, "vtoken: the Host header does not name "
		    "this broker", "vtoken_forbidden", NULL);
		return;
	}
	if (!b->cfg->openai || !serve_path_ok(r->uri)) {
		serve_local(r, 404, "vtoken: no such path; the OpenAI API is "
		    "under /v1", "invalid_request_error", "not_found");
		return;
	}
	if (!serve_key_ok(b, c)) {
		serve_local(r, 401, "vtoken: missing or wrong API key: use "
		    "the key 'vtoken env --serve' prints",
		    "invalid_request_error", "invalid_api_key");
		return;
	}
	if (!serve_method_ok(method)) {
		serve_local(r, 405, "vtoken: method not allowed",
		    "invalid_request_error", NULL);
		return;
	}
	if (b->draining || b->inflight > b->cfg->max_requests) {
		serve_local(r, 503, b->draining ? "vtoken: the broker is "
		    "shutting down" : "vtoken: too many requests in flight; "
		    "try again", "vtoken_unavailable", NULL);
		return;
	}
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && ((len = strtoull(cl, &end, 10)) >
	    b->cfg->max_body || *end != '\0')) {
		serve_local(r, 413, "vtoken: the request body is larger than "
		    "max_body", "invalid_request_error", NULL);
		return;
	}
	MHD_get_connection_values(c, MHD_HEADER_KIND, serve_collect_header, r);
}

/* Body bytes: kept up to max_body, then dropped for a 413. */
static void
serve_body(struct broker *b, struct sreq *r, const char *data, size_t n)
{
	if (r->local_status != 0)
		return;
	if (n > b->cfg->max_body - r->body_len) {
		free(r->body);
		r->body = NULL;
		r->body_len = r->body_cap = 0;
		serve_local(r, 413, "vtoken: the request body is larger than "
		    "max_body", "invalid_request_error", NULL);
		return;
	}
	if (r->body_len + n > r->body_cap) {
		r->body_cap = r->body_len + n > 2 * r->body_cap ?
		    r->body_len + n : 2 * r->body_cap;
		r->body = xreallocarray(r->body, r->body_cap, 1);
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
}

/* --- streaming the reply ---------------------------------------------- */

static ssize_t
serve_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sreq	*r = cls;
	struct broker	*b = r->b;
	size_t		 n;
	ssize_t		 ret;

	(void)pos;
	pthread_mutex_lock(&b->lock);
	if (r->len > r->off) {
		n = r->len - r->off < max ? r->len - r->off : max;
		memcpy(buf, r->buf + r->off, n);
		r->off += n;
		r->sent += n;
		if (r->paused && r->len - r->off < SERVE_BUF_HIGH / 2 &&
		    !r->on_flag_list) {
			/* Room again: let upstream go on. */
			r->paused = 0;
			r->refs++;
			r->on_flag_list = 1;
			r->next_flag = b->flagged;
			b->flagged = r;
			serve_upstream_wake(b);
		}
		ret = (ssize_t)n;
	} else if (r->done)
		ret = r->broken ? MHD_CONTENT_READER_END_WITH_ERROR :
		    MHD_CONTENT_READER_END_OF_STREAM;
	else {
		/* Nothing yet: sleep until serve-upstream.c has some. */
		r->suspended = 1;
		MHD_suspend_connection(r->conn);
		ret = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static void
serve_read_free(void *cls)
{
	struct sreq	*r = cls;
	struct broker	*b = r->b;

	pthread_mutex_lock(&b->lock);
	sreq_unref(r);
	pthread_mutex_unlock(&b->lock);
}

/* The upstream reply's status and headers are final: queue it. */
static enum MHD_Result
serve_reply_upstream(struct broker *b, struct sreq *r)
{
	struct MHD_Response	*resp;
	const char		*conn = NULL;
	uint64_t		 size = MHD_SIZE_UNKNOWN;
	size_t			 i;
	enum MHD_Result		 ret;

	for (i = 0; i < r->nrhdr; i++)
		if (strcasecmp(r->rhdr[i].name, "connection") == 0)
			conn = r->rhdr[i].value;
	if (r->content_length >= 0)
		size = (uint64_t)r->content_length;
	resp = MHD_create_response_from_callback(size, 16 * 1024, serve_read,
	    r, serve_read_free);
	if (resp == NULL)
		return MHD_NO;
	r->refs++;	/* the response's, until serve_read_free */
	for (i = 0; i < r->nrhdr; i++)
		if (!serve_hop_header(r->rhdr[i].name, conn))
			MHD_add_response_header(resp, r->rhdr[i].name,
			    r->rhdr[i].value);
	pthread_mutex_unlock(&b->lock);
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	pthread_mutex_lock(&b->lock);
	return ret;
}

/* --- libmicrohttpd's callbacks ---------------------------------------- */

/* Called with the request line's raw URI, before anything is decoded. */
static void *
serve_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct broker	*b = cls;
	struct sreq	*r;

	(void)c;
	r = xcalloc(1, sizeof *r);
	r->b = b;
	r->uri = xstrdup(uri);
	r->refs = 1;		/* MHD's, until serve_completed */
	r->content_length = -1;
	r->state = SREQ_BODY;
	pthread_mutex_lock(&b->lock);
	r->all_next = b->all;
	if (b->all != NULL)
		b->all->all_prev = r;
	b->all = r;
	pthread_mutex_unlock(&b->lock);
	return r;
}

static enum MHD_Result
serve_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
	struct broker	*b = cls;
	struct sreq	*r = *con_cls;
	enum MHD_Result	 ret = MHD_YES;

	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO;
	pthread_mutex_lock(&b->lock);
	if (!r->started) {
		serve_begin(b, r, c, method);
		if (r->local_status == 0)
			goto out;
		/* Refused: say so now, and read no body. */
		r->queued = 1;
		pthread_mutex_unlock(&b->lock);
		return serve_reply(c, r);
	}
	if (*upload_size != 0) {
		serve_body(b, r, upload_data, *upload_size);
		*upload_size = 0;
		goto out;
	}
	if (r->local_status != 0 && !r->queued) {
		r->queued = 1;
		pthread_mutex_unlock(&b->lock);
		return serve_reply(c, r);
	}
	if (r->state == SREQ_BODY && (b->stopping || b->token_stopping)) {
		/* The threads that would answer it are ending: no one would
		 * resume the connection, and MHD_stop_daemon must find none
		 * suspended. */
		serve_local(r, 503, "vtoken: the broker is shutting down",
		    "vtoken_unavailable", NULL);
		r->local_meta = r->meta != 0;
		r->queued = 1;
		pthread_mutex_unlock(&b->lock);
		return serve_reply(c, r);
	}
	if (r->state == SREQ_BODY && r->meta != 0) {
		/* The metadata emulator's token or ID token: the token
		 * thread's to answer. */
		serve_token_submit(b, r);
		r->suspended = 1;
		MHD_suspend_connection(c);
		goto out;
	}
	if (r->state == SREQ_BODY) {
		/* The whole body is in: over to the upstream thread. */
		serve_upstream_submit(b, r);
		r->suspended = 1;
		MHD_suspend_connection(c);
		goto out;
	}
	if (r->committed && !r->queued) {
		r->queued = 1;
		ret = serve_reply_upstream(b, r);
	}
out:
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/* One line per request; nothing the client or upstream wrote in it. */
static void
serve_log_request(const struct sreq *r)
{
	char	*line;
	int	 len = (int)strcspn(r->uri, "?#");

	line = xasprintf("request %s %.*s status=%d bytes=%llu ms=%.0f "
	    "attempts=%d token_wait_ms=%.0f", r->method, len, r->uri,
	    r->status, r->sent, (vt_now_mono() - r->start) * 1000,
	    r->attempts, r->token_wait * 1000);
	if (r->status >= 500 || r->status == 0)
		log_error("%s", line);
	else if (r->b->cfg->quiet_requests)
		log_info("%s", line);
	else
		log_note("%s", line);
	free(line);
}

static void
serve_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct broker	*b = cls;
	struct sreq	*r = *con_cls;

	(void)c;
	if (r == NULL)
		return;
	*con_cls = NULL;
	pthread_mutex_lock(&b->lock);
	if (r->started) {
		if (r->local_status != 0 && r->status == 0)
			r->status = r->local_status;
		if (r->local_status != 0)
			r->sent = strlen(r->local_body);
		serve_log_request(r);
		b->inflight--;
		b->served++;
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		r->aborted = 1;
		if (r->state == SREQ_ACTIVE && !r->on_flag_list) {
			r->refs++;
			r->on_flag_list = 1;
			r->next_flag = b->flagged;
			b->flagged = r;
			serve_upstream_wake(b);
		}
	}
	sreq_unref(r);
	pthread_mutex_unlock(&b->lock);
}

/*
 * A new connection: find out once whose it is.  Another user's (or one
 * whose owner cannot be told) is answered 403 and closed; past
 * SERVE_FOREIGN_MAX of them at once, it is shut down here, which
 * libmicrohttpd sees as the peer closing.  Only the MHD thread runs this.
 */
static void
serve_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct broker			*b = cls;
	const union MHD_ConnectionInfo	*ci;
	uid_t				 uid;
	int				 known;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*socket_context == PEER_OTHER)
			b->foreign--;
		return;
	}
	*socket_context = PEER_OTHER;
	b->foreign++;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	known = serve_peer_uid(ci->connect_fd, b->cfg->unix_socket,
	    &uid) == 0;
	if (known && uid == getuid()) {
		*socket_context = PEER_OWN;
		b->foreign--;
		return;
	}
	if (b->foreign > SERVE_FOREIGN_MAX) {
		/* Not logged one by one: they may come by the thousand. */
		log_debug("closing a connection: %d of other users' open",
		    SERVE_FOREIGN_MAX);
		(void)shutdown(ci->connect_fd, SHUT_RDWR);
	} else if (!known)
		log_info("cannot tell who is connecting (%s); refusing",
		    strerror(errno));
	else
		log_info("refusing a connection from uid %lu",
		    (unsigned long)uid);
}

static void
serve_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	/* libmicrohttpd's own lines end with a newline. */
	if (log_level() >= 2) {
		char *s = xvasprintf(fmt, ap);

		s[strcspn(s, "\n")] = '\0';
		log_debug("libmicrohttpd: %s", s);
		free(s);
	}
}

struct MHD_Daemon *
serve_http_start(struct broker *b)
{
	return MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    serve_access, b,
	    MHD_OPTION_LISTEN_SOCKET, b->cfg->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(b->cfg->max_requests +
	    SERVE_SPARE_CONNECTIONS),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)b->cfg->idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_HEADER_MAX,
	    MHD_OPTION_URI_LOG_CALLBACK, serve_uri, b,
	    MHD_OPTION_NOTIFY_COMPLETED, serve_completed, b,
	    MHD_OPTION_NOTIFY_CONNECTION, serve_connection, b,
	    MHD_OPTION_EXTERNAL_LOGGER, serve_mhd_log, b,
	    MHD_OPTION_END);
}
