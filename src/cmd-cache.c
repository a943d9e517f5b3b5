/*
 * cmd-cache.c: `cache list` shows what is cached (backend, key, the
 * credential, expiry, time left; never a token) and `cache clear` forgets
 * the selected credential's token, or every token with --all.  Both look
 * at every backend they can reach, since a token cached by cron without
 * a keyring sits in the file backend.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "vtoken.h"
#include "cache.h"
#include "cmd.h"
#include "keyring.h"
#include "log.h"
#include "output.h"
#include "resolve.h"
#include "source.h"
#include "xmalloc.h"

/* The backends to look at: the file always, the keyring if it answers. */
static size_t
cache_backends(struct vt_ctx *ctx, const struct cache_backend **v)
{
	const char	*why;
	size_t		 n = 0;

	if ((ctx->cache_mode == CACHE_AUTO ||
	    ctx->cache_mode == CACHE_KEYRING) && keyring_open(ctx, &why) == 0)
		v[n++] = &cache_keyring_backend;
	vt_err_clear();
	if (ctx->cache_mode == CACHE_AUTO || ctx->cache_mode == CACHE_FILE)
		v[n++] = &cache_file_backend;
	return n;
}

static int
cache_list_json(const struct cache_backend *b, const struct cache_entry *e,
    size_t n, json_object *arr)
{
	json_object	*o;
	char		 when[32];
	time_t		 now = time(NULL);
	size_t		 i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "backend",
		    json_object_new_string(b->name));
		json_object_object_add(o, "key", json_object_new_string(
		    e[i].key));
		json_object_object_add(o, "credential",
		    json_object_new_string(e[i].desc));
		json_object_object_add(o, "scopes", json_object_new_string(
		    e[i].scopes));
		json_object_object_add(o, "issued_at", json_object_new_string(
		    output_rfc3339(e[i].issued_at, when, sizeof when)));
		json_object_object_add(o, "expires_at", json_object_new_string(
		    output_rfc3339(e[i].expires_at, when, sizeof when)));
		json_object_object_add(o, "expires_in", json_object_new_int64(
		    e[i].expires_at > now ? (int64_t)(e[i].expires_at - now) :
		    0));
		json_object_array_add(arr, o);
	}
	return 0;
}

static void
cache_list_text(const struct cache_backend *b, const struct cache_entry *e,
    size_t n)
{
	char	 when[32], left_s[32], *desc;
	time_t	 now = time(NULL);
	long	 left;
	size_t	 i;

	for (i = 0; i < n; i++) {
		left = (long)(e[i].expires_at - now);
		/* The description came from a file: escape it. */
		desc = log_escape(e[i].desc, strlen(e[i].desc));
		if (left > 0)
			snprintf(left_s, sizeof left_s, "%ldm%02lds left",
			    left / 60, left % 60);
		else
			snprintf(left_s, sizeof left_s, "expired");
		printf("%-7s  %.12s  %s  %-13s  %s\n", b->name, e[i].key,
		    output_rfc3339(e[i].expires_at, when, sizeof when),
		    left_s, desc);
		free(desc);
	}
}

static int
cache_list(struct vt_ctx *ctx, struct cmd_args *args)
{
	const struct cache_backend	*v[2];
	struct cache_entry		*e;
	json_object			*arr = NULL;
	size_t				 nb, i, n;
	int				 r = 0;

	nb = cache_backends(ctx, v);
	if (args->json)
		arr = json_object_new_array();
	for (i = 0; i < nb; i++) {
		if ((r = v[i]->list(&e, &n)) != 0)
			goto out;
		if (arr != NULL)
			cache_list_json(v[i], e, n, arr);
		else
			cache_list_text(v[i], e, n);
		cache_entries_free(e, n);
	}
	if (arr != NULL)
		printf("%s\n", json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (fflush(stdout) != 0)
		r = vt_err(VT_ERR_INTERNAL, "cannot write to stdout");
out:
	json_object_put(arr);
	return r;
}

static int
cache_clear(struct vt_ctx *ctx, struct cmd_args *args)
{
	const struct cache_backend	*v[2];
	struct cache_entry		*e;
	struct source			*src = NULL;
	size_t				 nb, i, j, n, removed = 0;
	char				*key = NULL;
	int				 r = 0;

	if (!args->all) {
		if ((r = resolve_credentials(ctx, &src)) != 0)
			return r;
		if ((key = cache_key(ctx, src)) == NULL) {
			r = vt_err(VT_ERR_USAGE, "%s credentials are not "
			    "cached; nothing to clear", src->ops->type);
			source_free(src);
			return r;
		}
	}
	nb = cache_backends(ctx, v);
	for (i = 0; i < nb && r == 0; i++) {
		if (key != NULL) {
			if ((r = v[i]->del(key)) == 0)
				removed++;
			if (r == 1)
				r = 0;
			continue;
		}
		if ((r = v[i]->list(&e, &n)) != 0)
			break;
		for (j = 0; j < n && r == 0; j++) {
			if ((r = v[i]->del(e[j].key)) == 0)
				removed++;
			if (r == 1)
				r = 0;
		}
		cache_entries_free(e, n);
	}
	if (r == 0 && ctx->verbosity >= 0) {
		printf("removed %zu cached token%s\n", removed,
		    removed == 1 ? "" : "s");
		if (fflush(stdout) != 0)
			r = vt_err(VT_ERR_INTERNAL, "cannot write to stdout");
	}
	free(key);
	source_free(src);
	return r;
}

static int
cmd_cache_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	const char	*sub = args->argv[0];

	if (strcmp(sub, "list") == 0) {
		if (args->all)
			return vt_err(VT_ERR_USAGE, "'cache list' takes no "
			    "--all: it lists everything");
		return cache_list(ctx, args);
	}
	if (strcmp(sub, "clear") == 0) {
		if (args->json)
			return vt_err(VT_ERR_USAGE, "'cache clear' takes no "
			    "--json");
		return cache_clear(ctx, args);
	}
	return vt_err(VT_ERR_USAGE, "unknown cache command '%s': use list or "
	    "clear", sub);
}

const struct cmd_entry cmd_cache_entry = {
	.name = "cache",
	.usage = "list [--json] | clear [--all]",
	.summary = "List cached tokens (never the tokens), or forget them.",
	.options = CMDOPT_JSON | CMDOPT_ALL,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_cache_exec
};
