/*
 * serve-token.c: the broker's token thread.
 *
 * It alone calls the program's hooks (mod-serve.h), so there is one mint
 * at a time however many requests arrive: single flight.  It mints once
 * at start, then again when fewer than 5 minutes, or half the token's
 * life, remain, so that requests always find a fresh token; a request
 * waits only when there is none (the first, or after upstream rejected
 * one).  A failed refresh is retried while the old token lasts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtoken.h"
#include "log.h"
#include "secret.h"
#include "serve.h"
#include "xmalloc.h"

/* Refresh this long before expiry, or at half the life if shorter. */
#define SERVE_REFRESH_BEFORE	300
/* A token this close to expiry is not handed out at all. */
#define SERVE_TOKEN_SLACK	5
/* A failed refresh is tried again after this long (less near expiry). */
#define SERVE_RETRY_SECONDS	30

static time_t
serve_refresh_at(const struct token *tok, time_t now)
{
	time_t	life, before;

	if (tok->expires_at == 0)
		return 0;
	life = tok->expires_at - (tok->issued_at != 0 && tok->issued_at <=
	    now ? tok->issued_at : now);
	before = life / 2 < SERVE_REFRESH_BEFORE ? life / 2 :
	    SERVE_REFRESH_BEFORE;
	return tok->expires_at - before;
}

/* 1 if the current token may be handed out.  Lock held. */
static int
serve_token_usable(const struct broker *b, time_t now)
{
	return b->token != NULL && (b->expires_at == 0 ||
	    now + SERVE_TOKEN_SLACK < b->expires_at);
}

char *
serve_token_get(struct broker *b, struct sreq *r)
{
	if (serve_token_usable(b, time(NULL))) {
		r->token_gen = b->gen;
		return xstrdup(b->token);
	}
	b->want_mint = 1;
	pthread_cond_signal(&b->token_cond);
	return NULL;
}

void
serve_token_submit(struct broker *b, struct sreq *r)
{
	r->refs++;
	r->state = SREQ_QUEUED;
	r->next = b->meta_queue;
	b->meta_queue = r;
	pthread_cond_signal(&b->token_cond);
}

void
serve_token_rejected(struct broker *b, unsigned long gen)
{
	if (gen != b->gen || b->token == NULL)
		return;		/* already replaced */
	secret_free(b->token);
	b->token = NULL;
	b->force_gen = gen;
	b->want_mint = 1;
	pthread_cond_signal(&b->token_cond);
}

/* Take tok as the current token.  Lock held. */
static void
serve_token_set(struct broker *b, struct token *tok, time_t now)
{
	secret_free(b->token);
	b->token = tok->access_token;
	tok->access_token = NULL;
	b->expires_at = tok->expires_at;
	b->refresh_at = serve_refresh_at(tok, now);
	b->gen++;
	b->err[0] = '\0';
	b->retry_mint_at = 0;
}

/* What to do next: 1 mint now, 0 wait until *until (0: no bound). */
static int
serve_token_due(const struct broker *b, time_t now, double *until)
{
	double	t = 0;

	*until = 0;
	if (b->want_reload || b->want_mint)
		return 1;
	if (b->token == NULL)
		return 0;	/* nobody asked: mint on demand */
	if (b->retry_mint_at > 0)
		t = b->retry_mint_at;
	else if (b->refresh_at > 0)
		t = (double)b->refresh_at;
	if (t > 0 && t <= (double)now)
		return 1;
	*until = t;
	return 0;
}

/* The SIGHUP half: new settings, then a new token. */
static void
serve_token_reload(struct broker *b)
{
	struct serve_upstream	up = { 0 };
	char			err[512];

	pthread_mutex_unlock(&b->lock);
	err[0] = '\0';
	if (b->hooks->reload(b->hooks->arg, &up, err, sizeof err) != 0) {
		pthread_mutex_lock(&b->lock);
		log_error("cannot reload: %s; still serving with the old "
		    "settings", err);
		return;
	}
	pthread_mutex_lock(&b->lock);
	b->hooks->upstream_free(&b->up);
	b->up = up;
	/* Requests in flight index the old list: they start this one over. */
	b->up_gen++;
	secret_free(b->token);
	b->token = NULL;
	b->want_mint = 1;
	log_note("reloaded the configuration and credentials");
}

static void
serve_token_mint(struct broker *b)
{
	struct token	tok = { 0 };
	char		err[512];
	time_t		now;
	int		force, r;

	force = b->force_gen != 0 && b->force_gen == b->gen;
	b->want_mint = 0;
	pthread_mutex_unlock(&b->lock);
	err[0] = '\0';
	r = b->hooks->mint(b->hooks->arg, force, &tok, err, sizeof err);
	now = time(NULL);
	/* A token from the cache that is already due: mint a new one. */
	if (r == 0 && !force && tok.expires_at != 0 &&
	    serve_refresh_at(&tok, now) <= now) {
		token_release(&tok);
		r = b->hooks->mint(b->hooks->arg, 1, &tok, err, sizeof err);
		now = time(NULL);
	}
	pthread_mutex_lock(&b->lock);
	b->mints++;
	b->force_gen = 0;
	if (r == 0) {
		serve_token_set(b, &tok, now);
		log_debug("new token, expires in %ld s",
		    (long)(b->expires_at != 0 ? b->expires_at - now : 0));
	} else {
		snprintf(b->err, sizeof b->err, "%s", err[0] != '\0' ? err :
		    "cannot get a token");
		log_error("%s", b->err);
		if (serve_token_usable(b, now))
			b->retry_mint_at = (double)now + (b->expires_at - now >
			    4 * SERVE_RETRY_SECONDS ? SERVE_RETRY_SECONDS :
			    (b->expires_at - now) / 4 + 1);
		else {
			secret_free(b->token);
			b->token = NULL;
		}
	}
	token_release(&tok);
	serve_upstream_wake(b);
}

static void *
serve_token_main(void *arg)
{
	struct broker	*b = arg;
	struct timespec	 ts;
	double		 until;

	pthread_mutex_lock(&b->lock);
	while (!b->token_stopping) {
		if (b->meta_queue != NULL) {
			serve_meta_serve(b);
			continue;
		}
		if (!serve_token_due(b, time(NULL), &until)) {
			if (until > 0) {
				ts.tv_sec = (time_t)until;
				ts.tv_nsec = 0;
				pthread_cond_timedwait(&b->token_cond,
				    &b->lock, &ts);
			} else
				pthread_cond_wait(&b->token_cond, &b->lock);
			continue;
		}
		if (b->want_reload) {
			b->want_reload = 0;
			serve_token_reload(b);
			continue;
		}
		serve_token_mint(b);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int
serve_token_start(struct broker *b)
{
	pthread_condattr_t	ca;
	int			e;

	/* The waits are until wall-clock times (token expiry). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_REALTIME);
	e = pthread_cond_init(&b->token_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (e != 0)
		return vt_err(VT_ERR_INTERNAL, "cannot start the token "
		    "thread: %s", strerror(e));
	/* The first token is minted at once, before any request. */
	b->want_mint = 1;
	if ((e = pthread_create(&b->token_thread, NULL, serve_token_main,
	    b)) != 0) {
		pthread_cond_destroy(&b->token_cond);
		return vt_err(VT_ERR_INTERNAL, "cannot start the token "
		    "thread: %s", strerror(e));
	}
	return 0;
}

void
serve_token_stop(struct broker *b)
{
	pthread_mutex_lock(&b->lock);
	b->token_stopping = 1;
	pthread_cond_signal(&b->token_cond);
	pthread_mutex_unlock(&b->lock);
	/* A mint in progress ends within --timeout. */
	pthread_join(b->token_thread, NULL);
}

void
serve_token_cleanup(struct broker *b)
{
	pthread_cond_destroy(&b->token_cond);
	secret_free(b->token);
	b->token = NULL;
	serve_meta_cache_free(b);
}
