/*
 * serve-upstream.c: the broker's upstream thread, every transfer in one
 * libcurl multi handle (one connection cache, HTTP/2 multiplexing where
 * the server offers it).
 *
 * A request is retried only before its first byte is committed to the
 * client: the reply's status is known when its headers end, and a reply
 * that will be retried (429, 5xx, a 401 that a new token may fix) is
 * read to its end and dropped.  The last attempt's reply, whatever it
 * is, goes to the client as it arrives.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "vtoken.h"
#include "log.h"
#include "retry.h"
#include "secret.h"
#include "serve.h"
#include "url.h"
#include "xmalloc.h"

void
serve_upstream_wake(struct broker *b)
{
	if (b->multi != NULL)
		curl_multi_wakeup(b->multi);
}

void
serve_upstream_submit(struct broker *b, struct sreq *r)
{
	r->refs++;
	r->state = SREQ_QUEUED;
	r->next = b->incoming;
	b->incoming = r;
	serve_upstream_wake(b);
}

void
serve_headers_free(struct serve_header *h, size_t n)
{
	size_t	i;

	/* A client's Authorization holds the local key; a reply's headers
	 * may hold cookies. */
	for (i = 0; i < n; i++) {
		free(h[i].name);
		secret_free(h[i].value);
	}
	free(h);
}

/* End r with a local answer (lock held); resumes it after unlock. */
static int
serve_upstream_fail(struct sreq *r, int status, const char *msg,
    const char *type)
{
	free(r->local_body);
	r->local_body = serve_error_json(msg, type, NULL);
	r->local_status = status;
	r->committed = 1;
	r->done = 1;
	r->state = SREQ_DONE;
	if (r->suspended) {
		r->suspended = 0;
		return 1;
	}
	return 0;
}

/* --- one attempt ------------------------------------------------------ */

static size_t
serve_up_header(char *ptr, size_t size, size_t nmemb, void *arg);
static size_t
serve_up_write(char *ptr, size_t size, size_t nmemb, void *arg);

/* Drop a finished attempt's handle and headers (lock held). */
static void
serve_attempt_end(struct broker *b, struct sreq *r)
{
	struct curl_slist	*l;

	if (r->easy != NULL) {
		curl_multi_remove_handle(b->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	/* One of the headers is the bearer token. */
	for (l = r->slist; l != NULL; l = l->next)
		secret_wipe(l->data, strlen(l->data));
	curl_slist_free_all(r->slist);
	r->slist = NULL;
}

static struct curl_slist *
serve_slist_add(struct curl_slist *l, const char *name, const char *value)
{
	struct curl_slist	*n;
	char			*line;

	/* "Name;" sends an empty header; "Name:" (NULL) removes one. */
	if (value == NULL)
		line = xasprintf("%s:", name);
	else if (*value == '\0')
		line = xasprintf("%s;", name);
	else
		line = xasprintf("%s: %s", name, value);
	n = curl_slist_append(l, line);
	secret_free(line);
	if (n == NULL) {
		log_error("out of memory");
		abort();
	}
	return n;
}

static struct curl_slist *
serve_request_headers(struct broker *b, struct sreq *r, const char *token)
{
	struct curl_slist	*l = NULL;
	const char		*conn = NULL;
	char			*bearer;
	size_t			 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, "connection") == 0)
			conn = r->hdr[i].value;
	for (i = 0; i < r->nhdr; i++) {
		if (serve_hop_header(r->hdr[i].name, conn) ||
		    strcasecmp(r->hdr[i].name, "authorization") == 0 ||
		    (b->up.quota_project != NULL && strcasecmp(r->hdr[i].name,
		    "x-goog-user-project") == 0))
			continue;
		l = serve_slist_add(l, r->hdr[i].name, r->hdr[i].value);
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	l = serve_slist_add(l, "Expect", NULL);
	bearer = xasprintf("Bearer %s", token);
	l = serve_slist_add(l, "Authorization", bearer);
	secret_free(bearer);
	if (b->up.quota_project != NULL)
		l = serve_slist_add(l, "x-goog-user-project",
		    b->up.quota_project);
	return l;
}

/*
 * A SIGHUP may have replaced the location list since r last looked: then
 * r->loc indexes a list that is gone, and r starts over at the first
 * location of the new one, its deadline unchanged.  Lock held.
 */
static void
serve_loc_check(struct broker *b, struct sreq *r)
{
	if (r->up_gen == b->up_gen)
		return;
	r->up_gen = b->up_gen;
	r->loc = 0;
	r->loc_attempts = 0;
}

/* Set up and start one attempt with token (lock held). */
static int
serve_attempt_start(struct broker *b, struct sreq *r, const char *token)
{
	CURL		*h;
	char		*url;
	const char	*ca, *rest = r->uri + 3;	/* after "/v1" */
	int		 bad = 0;

	if ((h = curl_easy_init()) == NULL)
		return -1;
	serve_loc_check(b, r);
	url = xasprintf("%s%s", b->up.base_url[r->loc], rest);
	r->slist = serve_request_headers(b, r, token);
	bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
	free(url);
	bad |= curl_easy_setopt(h, CURLOPT_PRIVATE, r) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
#else
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	/* The client's path, byte for byte (its dot segments were refused). */
	bad |= curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	if ((ca = http_ca_bundle()) != NULL)
		bad |= curl_easy_setopt(h, CURLOPT_CAINFO, ca) != CURLE_OK;
	if (http_url_is_loopback(b->up.base_url[r->loc]))
		bad |= curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	/* Through an HTTPS proxy: the reply's headers only, not CONNECT's. */
	bad |= curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L) !=
	    CURLE_OK;
	/* Wait for a multiplexed HTTP/2 connection rather than open more. */
	bad |= curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    (long)b->cfg->timeout_sec) != CURLE_OK;
	/* A reply may take minutes to generate, but not stall for ever. */
	bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 600L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->slist) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, serve_up_header) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, r) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, serve_up_write) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, r) != CURLE_OK;
	if (strcmp(r->method, "GET") == 0)
		bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	else if (strcmp(r->method, "HEAD") == 0)
		bad |= curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK;
	else {
		if (r->body_len > 0 || strcmp(r->method, "POST") == 0) {
			bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS,
			    r->body != NULL ? r->body : "") != CURLE_OK;
			bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)r->body_len) != CURLE_OK;
		}
		if (strcmp(r->method, "POST") != 0)
			bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
			    r->method) != CURLE_OK;
	}
	if (bad || curl_multi_add_handle(b->multi, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		return -1;
	}
	r->easy = h;
	r->state = SREQ_ACTIVE;
	r->attempts++;
	r->loc_attempts++;
	r->discard = 0;
	r->discarded = 0;
	r->upstream_status = 0;
	r->retry_after = 0;
	return 0;
}

/* --- the reply ---------------------------------------------------------- */

/*
 * Whether a reply with status (0: no reply) may be retried, and where:
 * 1 and r->loc and r->retry_at set for the next attempt, or 0: this one
 * is the client's.  Lock held.
 */
static int
serve_retry_plan(struct broker *b, struct sreq *r, int status, double now)
{
	double	delay, deadline = r->start + b->cfg->timeout_sec;

	serve_loc_check(b, r);
	if (status == 401)
		return !r->reminted;
	if (status != 0 && !retry_status(status))
		return 0;
	if (r->loc_attempts < SERVE_ATTEMPTS) {
		/*
		 * The tests' scale shortens backoff, never Retry-After.  No
		 * attempt yet at this location (a reload during the one that
		 * just ended put r at a new list's first): no backoff.
		 */
		delay = r->loc_attempts > 0 ?
		    retry_backoff(r->loc_attempts + 1) : 0;
		if (now + delay > deadline || now + r->retry_after > deadline)
			return 0;
		delay *= retry_scale();
		if (r->retry_after > delay)
			delay = r->retry_after;
		r->retry_at = now + delay;
		return 1;
	}
	/* Retries here are spent: the next location, at once. */
	if ((status == 0 || status == 429 || status == 503) &&
	    b->up.base_url[r->loc + 1] != NULL && now < deadline) {
		r->retry_at = now;
		return 2;
	}
	return 0;
}

/* The end of a reply's headers: keep it for the client, or retry. */
static int
serve_headers_done(struct sreq *r, CURL *h)
{
	struct broker	*b = r->b;
	long		 code = 0;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200) {
		/* An interim reply (1xx), or a proxy's answer to CONNECT
		 * (code 0, should curl pass it on): not the reply's. */
		serve_headers_free(r->rhdr, r->nrhdr);
		r->rhdr = NULL;
		r->nrhdr = 0;
		return 0;
	}
	r->upstream_status = (int)code;
	if ((r->plan = serve_retry_plan(b, r, (int)code,
	    vt_now_mono())) != 0) {
		r->discard = 1;
		return 0;
	}
	r->committed = 1;
	r->discard = 0;
	r->status = (int)code;
	if (r->suspended) {
		r->suspended = 0;
		return 1;
	}
	return 0;
}

static size_t
serve_up_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sreq	*r = arg;
	struct broker	*b = r->b;
	size_t		 len = size * nmemb, n = len, i;
	const char	*colon, *v;
	long		 secs;
	int		 resume = 0;

	while (n > 0 && (ptr[n - 1] == '\n' || ptr[n - 1] == '\r'))
		n--;
	pthread_mutex_lock(&b->lock);
	if (n == 0)
		resume = serve_headers_done(r, r->easy);
	else if (n > 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		serve_headers_free(r->rhdr, r->nrhdr);
		r->rhdr = NULL;
		r->nrhdr = 0;
		r->content_length = -1;
	} else if ((colon = memchr(ptr, ':', n)) != NULL && colon > ptr) {
		for (v = colon + 1; v < ptr + n && (*v == ' ' || *v == '\t');
		    v++)
			;
		i = r->nrhdr++;
		r->rhdr = xreallocarray(r->rhdr, r->nrhdr, sizeof *r->rhdr);
		r->rhdr[i].name = xstrndup(ptr, (size_t)(colon - ptr));
		r->rhdr[i].value = xstrndup(v, (size_t)(ptr + n - v));
		if (strcasecmp(r->rhdr[i].name, "retry-after") == 0 &&
		    (secs = retry_after_parse(r->rhdr[i].value,
		    strlen(r->rhdr[i].value))) >= 0)
			r->retry_after = (double)secs;
		else if (strcasecmp(r->rhdr[i].name, "content-length") == 0 &&
		    isdigit((unsigned char)*r->rhdr[i].value))
			r->content_length = strtoll(r->rhdr[i].value, NULL,
			    10);
	}
	pthread_mutex_unlock(&b->lock);
	if (resume)
		serve_http_resume(r);
	return len;
}

static size_t
serve_up_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sreq	*r = arg;
	struct broker	*b = r->b;
	size_t		 len = size * nmemb;
	int		 resume = 0;

	pthread_mutex_lock(&b->lock);
	if (r->discard && (r->discarded += len) > SERVE_DISCARD_MAX) {
		/* A reply to be retried: read no more of it than this. */
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	if (r->discard || r->aborted || !r->committed) {
		pthread_mutex_unlock(&b->lock);
		return len;
	}
	if (r->len - r->off >= SERVE_BUF_HIGH) {
		/* The client reads slower than upstream sends: wait. */
		r->paused = 1;
		pthread_mutex_unlock(&b->lock);
		return CURL_WRITEFUNC_PAUSE;
	}
	if (r->off > 0 && r->off == r->len)
		r->off = r->len = 0;
	if (r->len + len > r->cap) {
		if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len + len > r->cap) {
			r->cap = r->len + len > 2 * r->cap ? r->len + len :
			    2 * r->cap;
			r->buf = xreallocarray(r->buf, r->cap, 1);
		}
	}
	memcpy(r->buf + r->len, ptr, len);
	r->len += len;
	if (r->suspended) {
		r->suspended = 0;
		resume = 1;
	}
	pthread_mutex_unlock(&b->lock);
	if (resume)
		serve_http_resume(r);
	return len;
}

/* --- the thread ------------------------------------------------------- */

/* Move r to the waiting list (lock held). */
static void
serve_park(struct broker *b, struct sreq *r, enum sreq_state state)
{
	r->state = state;
	r->next = b->waiting;
	b->waiting = r;
}

/* Upstream is done with r (lock held); 1 if its connection must resume. */
static int
serve_release(struct broker *b, struct sreq *r)
{
	int	resume = 0;

	serve_attempt_end(b, r);
	r->state = SREQ_DONE;
	if (!r->done) {
		r->done = 1;
		if (r->suspended) {
			r->suspended = 0;
			resume = 1;
		}
	}
	return resume;
}

/*
 * Start r's next attempt if it may go (lock held).  Returns 1 when its
 * connection must be resumed (it ended), 0 otherwise.
 */
static int
serve_dispatch(struct broker *b, struct sreq *r, double now)
{
	char	*token;
	char	 msg[600];

	if (r->aborted)
		return serve_release(b, r);
	if (r->state == SREQ_WAIT_RETRY && r->retry_at > now) {
		serve_park(b, r, SREQ_WAIT_RETRY);
		return 0;
	}
	if ((token = serve_token_get(b, r)) == NULL) {
		if (r->state != SREQ_WAIT_TOKEN) {
			r->mints_seen = b->mints;
			r->wait_since = now;
		} else if (b->mints > r->mints_seen && b->err[0] != '\0') {
			r->token_wait += now - r->wait_since;
			snprintf(msg, sizeof msg, "vtoken: %s", b->err);
			return serve_upstream_fail(r, 502, msg,
			    "vtoken_credentials");
		}
		serve_park(b, r, SREQ_WAIT_TOKEN);
		return 0;
	}
	if (r->state == SREQ_WAIT_TOKEN)
		r->token_wait += now - r->wait_since;
	if (serve_attempt_start(b, r, token) != 0) {
		secret_free(token);
		return serve_upstream_fail(r, 500, "vtoken: cannot start the "
		    "upstream request", "vtoken_internal");
	}
	secret_free(token);
	return 0;
}

/* A transfer ended: retry it, or let the client have the end of it. */
static int
serve_finished(struct broker *b, struct sreq *r, CURLcode rc)
{
	char	msg[CURL_ERROR_SIZE + 64];
	int	plan, status = r->upstream_status;

	if (r->aborted)
		return serve_release(b, r);
	if (r->committed) {
		r->broken = rc != CURLE_OK;
		if (r->broken)
			log_info("upstream broke off a reply: %s",
			    curl_easy_strerror(rc));
		return serve_release(b, r);
	}
	/* Not committed: a reply to retry, or no reply at all. */
	if (!r->discard) {
		status = 0;
		if ((plan = serve_retry_plan(b, r, 0, vt_now_mono())) == 0) {
			serve_attempt_end(b, r);
			snprintf(msg, sizeof msg, "vtoken: upstream request "
			    "failed: %s", curl_easy_strerror(rc));
			return serve_upstream_fail(r, 502, msg,
			    "vtoken_upstream");
		}
	} else
		plan = r->plan;
	serve_attempt_end(b, r);
	if (status == 401) {
		r->reminted = 1;
		serve_token_rejected(b, r->token_gen);
		r->mints_seen = b->mints;
		r->wait_since = vt_now_mono();
		serve_park(b, r, SREQ_WAIT_TOKEN);
		return 0;
	}
	if (plan == 2) {
		r->loc++;
		r->loc_attempts = 0;
	}
	log_debug("retrying upstream (%s) in %.1f s",
	    status != 0 ? "a retryable status" : "no reply",
	    r->retry_at - vt_now_mono());
	serve_park(b, r, SREQ_WAIT_RETRY);
	return 0;
}

/* Take every request off list and dispatch it; resumes collected. */
static void
serve_dispatch_all(struct broker *b, struct sreq *list, struct sreq **res)
{
	struct sreq	*r, *next;
	double		 now = vt_now_mono();

	for (r = list; r != NULL; r = next) {
		next = r->next;
		r->next = NULL;
		if (serve_dispatch(b, r, now)) {
			r->next = *res;
			*res = r;
		} else if (r->state == SREQ_DONE)
			sreq_unref(r);
	}
}

/* Resume the connections in list (lock not held), then drop the refs
 * the resume list does not hold. */
static void
serve_resume_all(struct sreq *list)
{
	struct sreq	*r, *next;

	for (r = list; r != NULL; r = next) {
		next = r->next;
		serve_http_resume(r);
	}
}

/* Drop upstream's reference to requests it is done with (lock held). */
static void
serve_drop_done(struct broker *b, struct sreq *list)
{
	struct sreq	*r, *next;

	(void)b;
	for (r = list; r != NULL; r = next) {
		next = r->next;
		if (r->state == SREQ_DONE)
			sreq_unref(r);
	}
}

/* The MHD thread's news: transfers to resume or to end. */
static void
serve_flagged(struct broker *b, struct sreq **res)
{
	struct sreq	*r, *next, *list = b->flagged;
	struct sreq	*unpause = NULL;

	b->flagged = NULL;
	for (r = list; r != NULL; r = next) {
		next = r->next_flag;
		r->next_flag = NULL;
		r->on_flag_list = 0;
		if (r->state != SREQ_ACTIVE) {
			sreq_unref(r);
			continue;
		}
		if (r->aborted) {
			if (serve_release(b, r)) {
				r->next = *res;
				*res = r;
			} else
				sreq_unref(r);
			sreq_unref(r);	/* the flag list's */
			continue;
		}
		r->next_flag = unpause;
		unpause = r;
	}
	/* curl_easy_pause() may call the write callback: unlocked. */
	pthread_mutex_unlock(&b->lock);
	for (r = unpause; r != NULL; r = r->next_flag)
		curl_easy_pause(r->easy, CURLPAUSE_CONT);
	pthread_mutex_lock(&b->lock);
	for (r = unpause; r != NULL; r = next) {
		next = r->next_flag;
		r->next_flag = NULL;
		sreq_unref(r);
	}
}

/* The next retry's time, as a poll timeout in ms (at most 1 s). */
static int
serve_poll_ms(struct broker *b, double now)
{
	struct sreq	*r;
	double		 t = now + 1.0;

	for (r = b->waiting; r != NULL; r = r->next)
		if (r->state == SREQ_WAIT_RETRY && r->retry_at < t)
			t = r->retry_at;
	return t <= now ? 0 : (int)((t - now) * 1000) + 1;
}

static void
serve_read_done(struct broker *b)
{
	CURLMsg		*m;
	struct sreq	*r, *res = NULL;
	int		 left;

	pthread_mutex_lock(&b->lock);
	while ((m = curl_multi_info_read(b->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r == NULL)
			continue;
		if (serve_finished(b, r, m->data.result)) {
			r->next = res;
			res = r;
		} else if (r->state == SREQ_DONE)
			sreq_unref(r);
	}
	pthread_mutex_unlock(&b->lock);
	serve_resume_all(res);
	pthread_mutex_lock(&b->lock);
	serve_drop_done(b, res);
	pthread_mutex_unlock(&b->lock);
}

static void *
serve_upstream_main(void *arg)
{
	struct broker	*b = arg;
	struct sreq	*in, *res;
	int		 running, ms;

	pthread_mutex_lock(&b->lock);
	while (!b->stopping) {
		res = NULL;
		in = b->incoming;
		b->incoming = NULL;
		serve_dispatch_all(b, in, &res);
		in = b->waiting;
		b->waiting = NULL;
		serve_dispatch_all(b, in, &res);
		serve_flagged(b, &res);
		pthread_mutex_unlock(&b->lock);

		serve_resume_all(res);
		pthread_mutex_lock(&b->lock);
		serve_drop_done(b, res);
		pthread_mutex_unlock(&b->lock);

		curl_multi_perform(b->multi, &running);
		serve_read_done(b);
		/* After the transfers that ended have scheduled their retries. */
		pthread_mutex_lock(&b->lock);
		ms = serve_poll_ms(b, vt_now_mono());
		pthread_mutex_unlock(&b->lock);
		curl_multi_poll(b->multi, NULL, 0, ms, NULL);
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int
serve_upstream_start(struct broker *b)
{
	int	e;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (b->multi = curl_multi_init()) == NULL)
		return vt_err(VT_ERR_INTERNAL, "cannot set up libcurl");
	curl_multi_setopt(b->multi, CURLMOPT_PIPELINING,
	    (long)CURLPIPE_MULTIPLEX);
	if ((e = pthread_create(&b->up_thread, NULL, serve_upstream_main,
	    b)) != 0) {
		curl_multi_cleanup(b->multi);
		b->multi = NULL;
		return vt_err(VT_ERR_INTERNAL, "cannot start the upstream "
		    "thread: %s", strerror(e));
	}
	return 0;
}

/* End every transfer still running, then the thread. */
void
serve_upstream_stop(struct broker *b)
{
	struct sreq	*r, *next, *res = NULL;
	void		*multi;

	pthread_mutex_lock(&b->lock);
	b->stopping = 1;
	serve_upstream_wake(b);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->up_thread, NULL);

	pthread_mutex_lock(&b->lock);
	for (r = b->all; r != NULL; r = next) {
		next = r->all_next;
		if (r->suspended) {
			r->suspended = 0;
			r->next = res;
			res = r;
		}
		if (r->state == SREQ_DONE || r->state == SREQ_BODY)
			continue;
		if (!r->committed)
			serve_upstream_fail(r, 503, "vtoken: the broker is "
			    "shutting down", "vtoken_unavailable");
		r->broken = 1;
		serve_attempt_end(b, r);
		r->state = SREQ_DONE;
		r->done = 1;
		r->refs--;	/* upstream's; MHD's is still held */
	}
	b->incoming = b->waiting = b->meta_queue = NULL;
	for (r = b->flagged; r != NULL; r = next) {
		next = r->next_flag;
		r->on_flag_list = 0;
		sreq_unref(r);
	}
	b->flagged = NULL;
	multi = b->multi;
	b->multi = NULL;
	pthread_mutex_unlock(&b->lock);
	serve_resume_all(res);
	curl_multi_cleanup(multi);
}
