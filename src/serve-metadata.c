/*
 * serve-metadata.c: the metadata server emulator (vtoken serve
 * --metadata), so that Google's own client libraries, pointed at the
 * broker by GCE_METADATA_HOST, get vtoken's tokens.  The routes and
 * replies are the real server's, as clients use them
 * (reference/metadata-clients.md): every reply carries
 * "Metadata-Flavor: Google", a request without that header is refused
 * (but "/", the detection ping), and so is any X-Forwarded-For.
 *
 * Clients send no secret, so who may ask is decided as for the proxy by
 * the connection's owner (serve-peer.c), plus a Host header naming this
 * server (against DNS rebinding).  Tokens and ID tokens come from the
 * token thread, cached here by scope set and by audience, and are never
 * handed out with less than SERVE_META_MIN_TTL left when their life
 * allows, since each client refreshes on its own schedule.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "vtoken.h"
#include "log.h"
#include "output.h"
#include "secret.h"
#include "serve.h"
#include "xmalloc.h"

#define SERVE_META_MIN_TTL	600	/* seconds a token must have left */
#define SERVE_META_CACHE_MAX	64	/* tokens kept: scope sets, audiences */
#define META_ROOT		"/computeMetadata/v1/"
#define META_SA			META_ROOT "instance/service-accounts/"

/* A token the emulator handed out: by scope set, or by audience. */
struct meta_cached {
	struct meta_cached	*next;
	char			*key;		/* "s:SCOPES" or "a:FULL:AUD" */
	char			*token;
	time_t			 expires_at;
	time_t			 issued_at;
};

int
serve_meta_path(const char *uri)
{
	size_t	n = strcspn(uri, "?#");

	return n == 1 || (n >= 16 && strncmp(uri, "/computeMetadata", 16) ==
	    0 && (n == 16 || uri[16] == '/'));
}

/* --- answers made at once --------------------------------------------- */

static void
meta_reply(struct sreq *r, int status, const char *ctype, const char *body)
{
	secret_free(r->local_body);
	r->local_body = xstrdup(body);
	r->local_ctype = ctype;
	r->local_status = status;
	r->status = status;
	r->local_meta = 1;
}

static void
meta_text(struct sreq *r, int status, const char *body)
{
	meta_reply(r, status, "application/text", body);
}

/* The real server redirects a directory named without its slash; the
 * query goes along (?recursive=true). */
static void
meta_redirect(struct sreq *r, const char *path)
{
	const char	*q = r->uri + strcspn(r->uri, "?#");

	free(r->local_location);
	r->local_location = xasprintf("%s/%s", path, *q == '?' ? q : "");
	meta_text(r, 301, "");
}

/* 1 if the Host header names this server, as a client may. */
static int
meta_host_ok(const struct broker *b, struct MHD_Connection *c)
{
	static const char *const names[] = {
		"metadata.google.internal", "metadata", "169.254.169.254",
		NULL
	};
	const char	*host, *colon;
	size_t		 i, n;

	if (b->cfg->hosts == NULL)
		return 1;
	if ((host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST)) == NULL)
		return 0;
	for (i = 0; b->cfg->hosts[i] != NULL; i++)
		if (strcasecmp(host, b->cfg->hosts[i]) == 0)
			return 1;
	/* The well-known names, bare or with this server's port. */
	colon = strrchr(b->cfg->hosts[0], ':');
	n = strcspn(host, ":");
	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && strncasecmp(host, names[i], n) ==
		    0 && (host[n] == '\0' || (colon != NULL &&
		    strcmp(host + n, colon) == 0)))
			return 1;
	return 0;
}

/* The value of query parameter name (decoded by libmicrohttpd). */
static const char *
meta_arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int
meta_true(const char *v)
{
	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* The account's directory: "default" or the e-mail, with its rest. */
static const char *
meta_account(const struct broker *b, const char *p, size_t *len)
{
	const char	*email = b->up.email;

	if (strncmp(p, "default", 7) == 0 && (p[7] == '/' || p[7] == '\0')) {
		*len = 7;
		return p + 7;
	}
	if (email != NULL && strncmp(p, email, strlen(email)) == 0 &&
	    (p[strlen(email)] == '/' || p[strlen(email)] == '\0')) {
		*len = strlen(email);
		return p + strlen(email);
	}
	return NULL;
}

/* "?recursive=true" on an account: what Python and gcloud read. */
static void
meta_account_json(const struct broker *b, struct sreq *r)
{
	json_object	*o, *a, *sc;
	char		*list, *p, *s;

	o = json_object_new_object();
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("default"));
	json_object_object_add(o, "aliases", a);
	json_object_object_add(o, "email", json_object_new_string(
	    b->up.email != NULL ? b->up.email : "default"));
	sc = json_object_new_array();
	list = xstrdup(b->up.scopes != NULL ? b->up.scopes : "");
	for (p = list; (s = strsep(&p, ",")) != NULL; )
		if (*s != '\0')
			json_object_array_add(sc, json_object_new_string(s));
	free(list);
	json_object_object_add(o, "scopes", sc);
	meta_reply(r, 200, "application/json", json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void
meta_scopes_text(const struct broker *b, struct sreq *r)
{
	char	*s, *p;

	s = xasprintf("%s\n", b->up.scopes != NULL ? b->up.scopes : "");
	for (p = s; *p != '\0'; p++)
		if (*p == ',')
			*p = '\n';
	meta_text(r, 200, s);
	free(s);
}

/* An account's entries: /computeMetadata/v1/instance/service-accounts/X... */
static void
meta_route_account(struct broker *b, struct sreq *r, struct MHD_Connection *c,
    const char *path)
{
	const char	*rest, *aud;
	size_t		 n;

	if ((rest = meta_account(b, path + strlen(META_SA), &n)) == NULL) {
		meta_text(r, 404, "vtoken: no such service account\n");
		return;
	}
	if (*rest == '\0')
		meta_redirect(r, path);
	else if (strcmp(rest, "/") == 0) {
		if (meta_true(meta_arg(c, "recursive")))
			meta_account_json(b, r);
		else
			meta_text(r, 200, "aliases\nemail\nidentity\nscopes\n"
			    "token\n");
	} else if (strcmp(rest, "/email") == 0)
		meta_text(r, 200, b->up.email != NULL ? b->up.email :
		    "default");
	else if (strcmp(rest, "/aliases") == 0)
		meta_text(r, 200, "default\n");
	else if (strcmp(rest, "/scopes") == 0)
		meta_scopes_text(b, r);
	else if (strcmp(rest, "/token") == 0) {
		r->meta = SREQ_META_TOKEN;
		if ((aud = meta_arg(c, "scopes")) != NULL && *aud != '\0')
			r->meta_arg = xstrdup(aud);
	} else if (strcmp(rest, "/identity") == 0) {
		if ((aud = meta_arg(c, "audience")) == NULL || *aud == '\0') {
			meta_text(r, 400, "vtoken: an audience is required: "
			    "identity?audience=AUD\n");
			return;
		}
		r->meta = SREQ_META_IDENTITY;
		r->meta_arg = xstrdup(aud);
		r->meta_full = meta_arg(c, "format") != NULL &&
		    strcmp(meta_arg(c, "format"), "full") == 0;
	} else
		meta_text(r, 404, "vtoken: not found\n");
}

/* Everything under /computeMetadata/v1/ (path without its query). */
static void
meta_route(struct broker *b, struct sreq *r, struct MHD_Connection *c,
    const char *path)
{
	char	*s;

	if (strcmp(path, "/computeMetadata/v1") == 0 ||
	    strcmp(path, "/computeMetadata/v1/project") == 0 ||
	    strcmp(path, "/computeMetadata/v1/universe") == 0 ||
	    strcmp(path, "/computeMetadata/v1/instance/service-accounts") == 0)
		meta_redirect(r, path);
	else if (strcmp(path, META_ROOT) == 0)
		meta_text(r, 200, "instance/\nproject/\nuniverse/\n");
	/* Node's detection asks /instance, without the slash. */
	else if (strcmp(path, META_ROOT "instance") == 0 ||
	    strcmp(path, META_ROOT "instance/") == 0)
		meta_text(r, 200, "service-accounts/\n");
	else if (strcmp(path, META_SA) == 0) {
		s = xasprintf("default/\n%s%s", b->up.email != NULL ?
		    b->up.email : "", b->up.email != NULL ? "/\n" : "");
		meta_text(r, 200, s);
		free(s);
	} else if (strncmp(path, META_SA, strlen(META_SA)) == 0)
		meta_route_account(b, r, c, path);
	else if (strcmp(path, META_ROOT "project/") == 0)
		meta_text(r, 200, "numeric-project-id\nproject-id\n");
	else if (strcmp(path, META_ROOT "project/project-id") == 0 &&
	    b->up.project_id != NULL)
		meta_text(r, 200, b->up.project_id);
	else if (strcmp(path, META_ROOT "project/numeric-project-id") == 0 &&
	    b->up.project_number != NULL)
		meta_text(r, 200, b->up.project_number);
	else if (strcmp(path, META_ROOT "universe/") == 0)
		meta_text(r, 200, "universe-domain\n");
	/* Python and Go spell it differently. */
	else if (strcmp(path, META_ROOT "universe/universe-domain") == 0 ||
	    strcmp(path, META_ROOT "universe/universe_domain") == 0)
		meta_text(r, 200, b->up.universe != NULL ? b->up.universe :
		    "googleapis.com");
	else
		meta_text(r, 404, "vtoken: not found\n");
}

void
serve_meta_begin(struct broker *b, struct sreq *r, struct MHD_Connection *c,
    int own)
{
	char	*path;

	if (!own) {
		meta_text(r, 403, "vtoken: this metadata server serves only "
		    "its own user\n");
		return;
	}
	if (!meta_host_ok(b, c)) {
		meta_text(r, 403, "vtoken: the Host header does not name this "
		    "metadata server\n");
		return;
	}
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-Forwarded-For") != NULL) {
		meta_text(r, 403, "vtoken: a request with X-Forwarded-For is "
		    "refused\n");
		return;
	}
	if (strcmp(r->method, "GET") != 0) {
		meta_text(r, 405, "vtoken: the metadata server answers GET "
		    "only\n");
		return;
	}
	if (b->draining || b->inflight > b->cfg->max_requests) {
		meta_text(r, 503, b->draining ? "vtoken: the broker is "
		    "shutting down\n" : "vtoken: too many requests in flight; "
		    "try again\n");
		return;
	}
	path = xstrndup(r->uri, strcspn(r->uri, "?#"));
	if (strcmp(path, "/") == 0) {
		/* Python's detection ping: no Metadata-Flavor needed. */
		meta_text(r, 200, "computeMetadata/\n");
		goto out;
	}
	{
		const char *fl = MHD_lookup_connection_value(c,
		    MHD_HEADER_KIND, "Metadata-Flavor");

		if (fl == NULL || strcasecmp(fl, "Google") != 0) {
			meta_text(r, 403, "vtoken: missing Metadata-Flavor: "
			    "Google header\n");
			goto out;
		}
	}
	if (meta_true(meta_arg(c, "wait_for_change"))) {
		meta_text(r, 400, "vtoken: wait_for_change is not supported\n");
		goto out;
	}
	meta_route(b, r, c, path);
out:
	free(path);
}

/* --- answers from the token thread ------------------------------------ */

static struct meta_cached *
meta_cache_find(struct broker *b, const char *key)
{
	struct meta_cached	*m;

	for (m = b->meta_cache; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

/* 1 if a token may be handed out: 10 minutes left, or half its life. */
static int
meta_fresh(time_t issued, time_t expires, time_t now)
{
	time_t	need = SERVE_META_MIN_TTL;

	if (issued > 0 && issued < expires && (expires - issued) / 2 < need)
		need = (expires - issued) / 2;
	return expires > now + need;
}

static void
meta_cached_free(struct meta_cached *m)
{
	free(m->key);
	secret_free(m->token);
	free(m);
}

/*
 * Before a new entry: drop the expired ones, and the oldest past
 * SERVE_META_CACHE_MAX, so that asking for many scope sets or audiences
 * does not grow the cache for ever.  New entries go first in the list.
 */
static void
meta_cache_prune(struct broker *b, time_t now)
{
	struct meta_cached	**mp, *m;
	size_t			  n = 0;

	for (mp = &b->meta_cache; (m = *mp) != NULL;) {
		if (m->expires_at <= now ||
		    ++n >= SERVE_META_CACHE_MAX) {
			*mp = m->next;
			meta_cached_free(m);
		} else
			mp = &m->next;
	}
}

static void
meta_cache_put(struct broker *b, const char *key, struct token *tok)
{
	struct meta_cached	*m;

	if ((m = meta_cache_find(b, key)) == NULL) {
		meta_cache_prune(b, time(NULL));
		m = xcalloc(1, sizeof *m);
		m->key = xstrdup(key);
		m->next = b->meta_cache;
		b->meta_cache = m;
	}
	secret_free(m->token);
	m->token = xstrdup(tok->access_token);
	m->expires_at = tok->expires_at;
	m->issued_at = tok->issued_at;
}

void
serve_meta_cache_free(struct broker *b)
{
	struct meta_cached	*m, *next;

	for (m = b->meta_cache; m != NULL; m = next) {
		next = m->next;
		meta_cached_free(m);
	}
	b->meta_cache = NULL;
}

/*
 * The token route's JSON, with the true remaining life.  Written by hand
 * so that no library keeps a copy of the token: the cache only holds
 * tokens of token characters (output_token_valid), nothing to escape.
 */
static void
meta_token_json(struct sreq *r, const struct meta_cached *m, time_t now)
{
	char	*body;

	body = xasprintf("{\"access_token\": \"%s\", \"expires_in\": %lld, "
	    "\"token_type\": \"Bearer\"}", m->token, m->expires_at > now ?
	    (long long)(m->expires_at - now) : 0LL);
	meta_reply(r, 200, "application/json", body);
	secret_free(body);
}

static int
meta_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A scope set's cache key: its scopes sorted, duplicates dropped
 * ("b,a,b" and "a,b" are one set). */
static char *
meta_scopes_key(const char *scopes)
{
	char	*list, *p, *s, **v = NULL, *key;
	size_t	 n = 0, i, len = 3;

	list = xstrdup(scopes != NULL ? scopes : "");
	for (p = list; (s = strsep(&p, ", ")) != NULL; )
		if (*s != '\0') {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = s;
			len += strlen(s) + 1;
		}
	if (n > 0)
		qsort(v, n, sizeof *v, meta_strcmp);
	key = xmalloc(len);
	strcpy(key, "s:");
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0) {
			strcat(key, v[i]);
			strcat(key, ",");
		}
	free(v);
	free(list);
	return key;
}

/* Answer one ask; the lock is held, and released around the hook. */
static void
meta_answer(struct broker *b, struct sreq *r)
{
	struct meta_cached	*m;
	struct token		 tok = { 0 };
	char			*key, err[512];
	time_t			 now = time(NULL);
	int			 rc;

	if (r->meta == SREQ_META_TOKEN)
		key = meta_scopes_key(r->meta_arg);
	else
		key = xasprintf("a:%d:%s", r->meta_full, r->meta_arg);
	if ((m = meta_cache_find(b, key)) == NULL ||
	    !meta_fresh(m->issued_at, m->expires_at, now)) {
		pthread_mutex_unlock(&b->lock);
		err[0] = '\0';
		if (r->meta == SREQ_META_TOKEN)
			rc = b->hooks->mint_scoped(b->hooks->arg, r->meta_arg,
			    SERVE_META_MIN_TTL, &tok, err, sizeof err);
		else
			rc = b->hooks->id_token(b->hooks->arg, r->meta_arg,
			    r->meta_full, &tok, err, sizeof err);
		pthread_mutex_lock(&b->lock);
		now = time(NULL);
		/* Checked again: it goes into JSON as it is. */
		if (rc == 0 && !output_token_valid(tok.access_token)) {
			snprintf(err, sizeof err, "the token is not printable "
			    "token characters");
			rc = VT_ERR_CRED;
		}
		if (rc != 0) {
			char *msg = xasprintf("vtoken: %s\n", err);

			/*
			 * A bad audience or scope list is the client's; no
			 * way to mint an ID token is "not here", as on GCE;
			 * the rest is the credential's failure.
			 */
			meta_text(r, rc == VT_ERR_USAGE ? 400 : rc ==
			    VT_ERR_CONFIG && r->meta == SREQ_META_IDENTITY ?
			    404 : 502, msg);
			free(msg);
			token_release(&tok);
			free(key);
			return;
		}
		meta_cache_put(b, key, &tok);
		token_release(&tok);
		m = meta_cache_find(b, key);
	}
	free(key);
	if (r->meta == SREQ_META_TOKEN)
		meta_token_json(r, m, now);
	else
		meta_reply(r, 200, "application/text", m->token);
}

void
serve_meta_serve(struct broker *b)
{
	struct sreq	*r;
	int		 resume;

	while ((r = b->meta_queue) != NULL) {
		b->meta_queue = r->next;
		r->next = NULL;
		r->state = SREQ_WAIT_TOKEN;
		meta_answer(b, r);
		r->committed = 1;
		r->done = 1;
		r->state = SREQ_DONE;
		resume = r->suspended;
		r->suspended = 0;
		if (resume) {
			pthread_mutex_unlock(&b->lock);
			serve_http_resume(r);
			pthread_mutex_lock(&b->lock);
		}
		sreq_unref(r);
	}
}
