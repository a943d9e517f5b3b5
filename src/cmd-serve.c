/*
 * cmd-serve.c: `vtoken serve`, the token broker (PRODUCT.md, "The
 * broker"), and the program's half of it: the listening socket, the local
 * key, the state file, and the hooks through which the vtoken-serve
 * module (mod-serve.h) gets tokens from the same resolution and cache as
 * every other command.  `exec --serve` and `env --serve` use it too.
 *
 * Files, in $XDG_RUNTIME_DIR/vtoken (else the cache directory), 0600 in
 * a 0700 directory, written by rename: serve-PROFILE.key, the local key,
 * which outlives the broker so that a restart does not break clients;
 * serve-PROFILE.json, the state, while the broker runs; serve-PROFILE.lock,
 * which the running broker holds (flock), so that one runs a profile and
 * a state file is trusted only while it is held.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <glib.h>
#include <json-c/json.h>

#include "vtoken.h"
#include "b64url.h"
#include "cache.h"
#include "cmd.h"
#include "conf.h"
#include "file.h"
#include "keyring.h"
#include "log.h"
#include "module.h"
#include "mod-serve.h"
#include "options.h"
#include "resolve.h"
#include "secret.h"
#include "serve-cmd.h"
#include "settings.h"
#include "source.h"
#include "url.h"
#include "xmalloc.h"

#define SERVE_KEY_PREFIX	"vtk-"
#define SERVE_KEY_BYTES		32
#define SERVE_MAX_BODY		(32 * 1024 * 1024)
#define SERVE_MAX_REQUESTS	768	/* in flight at once, then 503 */
#define SERVE_MAX_REQUESTS_CAP	4096
#define SERVE_IDLE_TIMEOUT	60	/* seconds a connection may idle */

extern char **environ;

/* What the hooks work with: the run's context and its credential. */
struct serve_host {
	struct vt_ctx	*ctx;
	struct source	*src;
	struct serve_listen *ln;
	const char	*key;
	int		 private;	/* exec --serve: no files */
	int		 metadata;	/* --metadata */
	char		*state_path;	/* written by ready() */
};

/* --- the runtime directory and the key -------------------------------- */

static int
serve_dir_open(int create, int *dfd, char **pathp)
{
	char	*path;
	int	 bad;

	if ((path = file_xdg_dir("XDG_RUNTIME_DIR", NULL)) == NULL &&
	    (path = cache_file_dir()) == NULL)
		return vt_err(VT_ERR_CONFIG, "no directory for the broker's "
		    "files: set XDG_RUNTIME_DIR or HOME");
	bad = file_dir_open(path, create ? FILE_MKDIR | FILE_PARENTS : 0, dfd);
	if (bad == FILE_BAD_ERRNO && !create && errno == ENOENT) {
		free(path);
		return 1;
	}
	if (bad != FILE_OK) {
		char why[128];

		snprintf(why, sizeof why, "%s", bad == FILE_BAD_ERRNO ||
		    bad == FILE_BAD_MKDIR ? strerror(errno) :
		    "it is not a private directory of this user");
		free(path);
		return vt_err(VT_ERR_CONFIG, "cannot use the broker's "
		    "directory: %s", why);
	}
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return 0;
}

/* The profile as part of a file name. */
static int
serve_file_name(const struct vt_ctx *ctx, const char *ext, char **out)
{
	const char	*p = ctx->profile.value, *c;

	for (c = p; *c != '\0'; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' &&
		    *c != '.')
			break;
	if (*p == '\0' || *p == '.' || *c != '\0')
		return vt_err(VT_ERR_CONFIG, "profile name '%s' cannot name "
		    "the broker's files: use letters, digits, '-', '_', '.'",
		    p);
	*out = xasprintf("serve-%s.%s", p, ext);
	return 0;
}

int
serve_key_valid(const char *key)
{
	size_t	i, n = strlen(SERVE_KEY_PREFIX);

	if (strncmp(key, SERVE_KEY_PREFIX, n) != 0 ||
	    strlen(key) != n + 43)
		return 0;
	for (i = n; key[i] != '\0'; i++)
		if (b64url_value((unsigned char)key[i]) < 0)
			return 0;
	return 1;
}

/* A new key: 32 random bytes, base64url. */
static int
serve_key_new(char **out)
{
	unsigned char	 raw[SERVE_KEY_BYTES];
	char		*b64;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return vt_err(VT_ERR_INTERNAL, "cannot make a key: getrandom: "
		    "%s", strerror(errno));
	b64 = b64url_encode(raw, sizeof raw);
	secret_wipe(raw, sizeof raw);
	*out = xasprintf("%s%s", SERVE_KEY_PREFIX, b64);
	secret_free(b64);
	return 0;
}

/* Read a small private file of ours from dfd: 0, 1 missing, VT_ERR_*. */
static int
serve_read_private(int dfd, const char *name, char **buf, size_t *cap)
{
	size_t	len;
	int	fd, bad;

	*buf = NULL;
	if ((fd = file_open_read(dfd, name, FILE_NOFOLLOW)) == -1)
		return errno == ENOENT ? 1 : vt_err(VT_ERR_CONFIG, "cannot "
		    "read %s: %s", name, strerror(errno));
	if ((bad = file_check(fd, FILE_PRIVATE, NULL)) != FILE_OK) {
		close(fd);
		return vt_err(VT_ERR_CONFIG, "refusing %s: it is not a "
		    "private file of this user", name);
	}
	if (file_read_fd(fd, 4096, buf, &len, cap) == -1) {
		close(fd);
		return vt_err(VT_ERR_CONFIG, "cannot read %s: %s", name,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

/* The profile's key: kept from the last start unless rotate. */
static int
serve_key_load(struct vt_ctx *ctx, int rotate, char **key)
{
	char	*name = NULL, *buf = NULL;
	size_t	 cap = 0;
	int	 dfd = -1, r;

	*key = NULL;
	if ((r = serve_file_name(ctx, "key", &name)) != 0 ||
	    (r = serve_dir_open(1, &dfd, NULL)) != 0)
		goto out;
	if (!rotate && (r = serve_read_private(dfd, name, &buf, &cap)) < 0)
		goto out;
	if (!rotate && buf != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (serve_key_valid(buf)) {
			*key = xstrdup(buf);
			r = 0;
			goto out;
		}
		log_warn("%s does not hold a key; making a new one", name);
	}
	if ((r = serve_key_new(key)) != 0)
		goto out;
	{
		char *line = xasprintf("%s\n", *key);

		if (file_replace_at(dfd, name, line, strlen(line)) == -1)
			r = vt_err(VT_ERR_CONFIG, "cannot write %s: %s", name,
			    strerror(errno));
		secret_free(line);
	}
	if (r == 0)
		log_info("a new key in %s", name);
out:
	if (buf != NULL)
		secret_freezero(buf, cap);
	if (dfd != -1)
		close(dfd);
	free(name);
	if (r != 0) {
		secret_free(*key);
		*key = NULL;
	}
	return r;
}

/* --- the state file --------------------------------------------------- */

/*
 * 1 if a broker runs for the profile: one holds serve-PROFILE.lock for as
 * long as it serves (serve_lock_take).  The pid in a state file proves
 * nothing: a broker that was killed leaves its file, and its pid may be
 * anybody's by now.
 */
static int
serve_running(const struct vt_ctx *ctx, int dfd)
{
	char	*name, why[128];
	int	 fd, held;

	if (serve_file_name(ctx, "lock", &name) != 0) {
		vt_err_clear();
		return 0;
	}
	fd = file_lock_try(dfd, name, FILE_LOCK_SHARED | FILE_LOCK_NOCREATE,
	    why, sizeof why);
	held = fd == -1 && errno == EWOULDBLOCK;
	if (fd != -1)
		close(fd);
	free(name);
	return held;
}

/* A string member of o, or NULL (absent, null, or not a string). */
static const char *
serve_json_str(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
serve_state_read(struct vt_ctx *ctx, struct serve_state *st)
{
	struct json_tokener	*tk = NULL;
	json_object		*o = NULL;
	const char		*url, *key, *meta;
	char			*name = NULL, *buf = NULL;
	size_t			 cap = 0;
	int			 dfd = -1, r;

	memset(st, 0, sizeof *st);
	if ((r = serve_file_name(ctx, "json", &name)) != 0 ||
	    (r = serve_dir_open(0, &dfd, NULL)) < 0 ||
	    (r == 0 && (r = serve_read_private(dfd, name, &buf, &cap)) < 0))
		goto out;
	/* It holds the key: parsed where the copies can be wiped. */
	if (r == 0 && (tk = secret_json_tokener(strlen(buf),
	    JSON_TOKENER_DEFAULT_DEPTH)) != NULL)
		o = json_tokener_parse_ex(tk, buf, (int)strlen(buf));
	if (r == 0 && json_object_is_type(o, json_type_object) &&
	    (url = serve_json_str(o, "openai_base_url")) != NULL &&
	    (key = serve_json_str(o, "api_key")) != NULL &&
	    serve_key_valid(key) && serve_running(ctx, dfd)) {
		st->base_url = xstrdup(url);
		st->key = xstrdup(key);
		if ((meta = serve_json_str(o, "metadata_host")) != NULL)
			st->metadata_host = xstrdup(meta);
		r = 0;
		goto out;
	}
	r = vt_err(VT_ERR_CONFIG, "no broker runs for profile '%s': start "
	    "one with 'vtoken serve'", ctx->profile.value);
out:
	secret_json_put(o);
	secret_json_tokener_free(tk);
	if (buf != NULL)
		secret_freezero(buf, cap);
	if (dfd != -1)
		close(dfd);
	free(name);
	return r;
}

void
serve_state_release(struct serve_state *st)
{
	free(st->base_url);
	secret_free(st->key);
	free(st->metadata_host);
	memset(st, 0, sizeof *st);
}

static int
serve_state_write(struct serve_host *h)
{
	json_object	*ln, *url;
	char		*name = NULL, *dir = NULL, *text;
	const char	*lns;
	int		 dfd = -1, r;

	if ((r = serve_file_name(h->ctx, "json", &name)) != 0 ||
	    (r = serve_dir_open(1, &dfd, &dir)) != 0)
		goto out;
	/*
	 * Built by hand, as the file cache's entries are: the key is
	 * base64url (serve_key_valid), the rest escaped by json-c, so the
	 * one buffer holding the key is ours to wipe.
	 */
	ln = json_object_new_string(h->ln->name);
	url = json_object_new_string(h->ln->base_url);
	lns = json_object_to_json_string_ext(ln, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	text = xasprintf("{\n  \"pid\": %ld,\n  \"listen\": %s,\n  "
	    "\"openai_base_url\": %s,\n  \"api_key\": \"%s\"%s%s\n}\n",
	    (long)getpid(), lns, json_object_to_json_string_ext(url,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), h->key,
	    h->metadata ? ",\n  \"metadata_host\": " : "",
	    h->metadata ? lns : "");
	if (file_replace_at(dfd, name, text, strlen(text)) == -1)
		r = vt_err(VT_ERR_CONFIG, "cannot write %s/%s: %s", dir, name,
		    strerror(errno));
	else
		h->state_path = xasprintf("%s/%s", dir, name);
	secret_free(text);
	json_object_put(ln);
	json_object_put(url);
out:
	if (dfd != -1)
		close(dfd);
	free(dir);
	free(name);
	return r;
}

/*
 * One broker a profile: it holds serve-PROFILE.lock (exclusive) until it
 * exits, so a second one is refused however close together they start,
 * and only the holder writes or removes the state file.  A state file
 * that a broker killed outright left behind is removed here.
 */
static int
serve_lock_take(struct vt_ctx *ctx, int *lockfd)
{
	char	*name = NULL, *state = NULL, *dir = NULL, why[128];
	int	 dfd = -1, r;

	*lockfd = -1;
	if ((r = serve_file_name(ctx, "lock", &name)) != 0 ||
	    (r = serve_file_name(ctx, "json", &state)) != 0 ||
	    (r = serve_dir_open(1, &dfd, &dir)) != 0)
		goto out;
	if ((*lockfd = file_lock_try(dfd, name, 0, why, sizeof why)) == -1) {
		if (errno == EWOULDBLOCK)
			r = vt_err(VT_ERR_CONFIG, "a broker for profile '%s' "
			    "runs already; 'vtoken env --serve' prints its "
			    "variables", ctx->profile.value);
		else
			r = vt_err(VT_ERR_CONFIG, "cannot lock %s/%s: %s", dir,
			    name, why);
		goto out;
	}
	if (unlinkat(dfd, state, 0) == 0)
		log_info("removed the state file of a broker that is gone");
	r = 0;
out:
	if (dfd != -1)
		close(dfd);
	free(dir);
	free(state);
	free(name);
	return r;
}

/* --- upstream ---------------------------------------------------------- */

static void
serve_upstream_release(struct serve_upstream *up)
{
	xstrv_free(up->base_url);
	free(up->quota_project);
	free(up->email);
	free(up->scopes);
	free(up->project_id);
	free(up->project_number);
	free(up->universe);
	memset(up, 0, sizeof *up);
}

/* What the metadata emulator says of the account and the project. */
static int
serve_upstream_describe(struct vt_ctx *ctx, const struct source *src,
    struct serve_upstream *up)
{
	const char	*who, *num;

	who = src->impersonate != NULL ? src->impersonate : src->identity;
	if (who != NULL && strchr(who, '@') != NULL)
		up->email = xstrdup(who);
	up->scopes = settings_scopes_join(ctx->scope_list, ',');
	if (ctx->project.value != NULL)
		up->project_id = xstrdup(ctx->project.value);
	if ((num = config_get(ctx->config, "project_number")) != NULL) {
		if (*num == '\0' || strspn(num, "0123456789") != strlen(num))
			return vt_err(VT_ERR_CONFIG, "invalid project_number "
			    "'%s' in profile '%s': expected digits", num,
			    ctx->profile.value);
		up->project_number = xstrdup(num);
	}
	up->universe = xstrdup(ctx->universe_domain.value != NULL ?
	    ctx->universe_domain.value : "googleapis.com");
	return 0;
}

/*
 * The metadata emulator hands its token to client libraries, which send
 * it on as a bearer token: never an API key.
 */
static int
serve_meta_credential(int metadata, const struct source *src)
{
	if (metadata && source_is_api_key(src))
		return vt_err(VT_ERR_CONFIG, "--metadata needs an OAuth "
		    "credential, and an API key was chosen (%s); use --vertex "
		    "to pass it over", src->origin);
	return 0;
}

/* Each location's base URL (failover order) and the quota project. */
static int
serve_upstream_build(struct vt_ctx *ctx, struct source **src,
    struct serve_upstream *up)
{
	char	*locs = NULL, *loc, *rest, *saved, *url;
	size_t	 n = 0, len;
	int	 r;

	memset(up, 0, sizeof *up);
	if ((r = resolve_credentials(ctx, src)) != 0 ||
	    (r = resolve_project(ctx, *src)) != 0)
		return r;
	saved = ctx->location.value;
	locs = xstrdup(saved);
	for (rest = locs; (loc = strsep(&rest, ",")) != NULL; ) {
		ctx->location.value = loc;
		r = resolve_base_url(ctx, &url);
		ctx->location.value = saved;
		if (r != 0)
			break;
		if ((len = strlen(url)) > 0 && url[len - 1] == '/')
			url[len - 1] = '\0';
		up->base_url = xreallocarray(up->base_url, n + 2,
		    sizeof *up->base_url);
		up->base_url[n++] = url;
		up->base_url[n] = NULL;
		/* A base URL given whole is the same for every location,
		 * unless it names one ({location}). */
		if (ctx->gemini || (ctx->base_url.value != NULL &&
		    strstr(ctx->base_url.value, "{location}") == NULL))
			break;
	}
	free(locs);
	if (r == 0 && (*src)->quota_project_id != NULL)
		up->quota_project = xstrdup((*src)->quota_project_id);
	if (r == 0)
		r = serve_upstream_describe(ctx, *src, up);
	if (r != 0)
		serve_upstream_release(up);
	return r;
}

/* --- the hooks (the module's token thread calls them) ----------------- */

/* A hook's failure: the recorded message into err, for the module. */
static int
serve_hook_fail(int r, char *err, size_t errsz, const char *fallback)
{
	snprintf(err, errsz, "%s", vt_errmsg() != NULL ? vt_errmsg() :
	    fallback);
	vt_err_clear();
	return r;
}

static int
serve_hook_mint(void *arg, int force, struct token *tok, char *err,
    size_t errsz)
{
	struct serve_host	*h = arg;
	struct vt_ctx		*ctx = h->ctx;
	int			 r;

	memset(tok, 0, sizeof *tok);
	ctx->deadline = vt_now_mono() + ctx->timeout_sec;
	if (h->src == NULL && (r = resolve_credentials(ctx, &h->src)) != 0)
		goto out;
	if (force)
		cache_forget(ctx, h->src);
	r = cache_token(ctx, h->src, tok);
out:
	return r != 0 ? serve_hook_fail(r, err, errsz, "cannot get a token") :
	    0;
}

/* The emulator's: a token for other scopes, and a longer least life. */
static int
serve_hook_mint_scoped(void *arg, const char *scopes, long min_ttl,
    struct token *tok, char *err, size_t errsz)
{
	struct serve_host	*h = arg;
	struct vt_ctx		*ctx = h->ctx;
	char			**saved = ctx->scope_list, **list = NULL;
	long			 saved_ttl = ctx->min_ttl_sec;
	int			 r;

	memset(tok, 0, sizeof *tok);
	if (scopes != NULL && (list = settings_parse_scopes(scopes)) == NULL) {
		snprintf(err, errsz, "invalid scopes '%.200s'", scopes);
		return VT_ERR_USAGE;
	}
	if (list != NULL)
		ctx->scope_list = list;
	if (min_ttl > ctx->min_ttl_sec)
		ctx->min_ttl_sec = min_ttl;
	r = serve_hook_mint(arg, 0, tok, err, errsz);
	ctx->scope_list = saved;
	ctx->min_ttl_sec = saved_ttl;
	xstrv_free(list);
	return r;
}

static int
serve_hook_id_token(void *arg, const char *audience, int full,
    struct token *tok, char *err, size_t errsz)
{
	struct serve_host	*h = arg;
	struct vt_ctx		*ctx = h->ctx;
	int			 r;

	memset(tok, 0, sizeof *tok);
	ctx->deadline = vt_now_mono() + ctx->timeout_sec;
	if ((h->src != NULL || (r = resolve_credentials(ctx, &h->src)) == 0))
		r = source_id_token(h->src, ctx, audience, full, tok);
	return r != 0 ? serve_hook_fail(r, err, errsz,
	    "cannot get an ID token") : 0;
}

static int
serve_hook_reload(void *arg, struct serve_upstream *up, char *err,
    size_t errsz)
{
	struct serve_host	*h = arg;
	struct vt_ctx		 nctx = { 0 };
	struct source		*src = NULL;
	int			 r;

	nctx.command = h->ctx->command;
	if ((r = options_resolve(&nctx, h->ctx->cli)) == 0 &&
	    (r = serve_upstream_build(&nctx, &src, up)) == 0 &&
	    (r = serve_meta_credential(h->metadata, src)) == 0) {
		source_free(h->src);
		h->src = src;
		ctx_release(h->ctx);
		*h->ctx = nctx;
		return 0;
	}
	serve_hook_fail(r, err, errsz, "cannot reload");
	serve_upstream_release(up);
	source_free(src);
	ctx_release(&nctx);
	return r;
}

/* Tell systemd (Type=notify) that the broker serves. */
static void
serve_sd_notify(const char *msg)
{
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	const char		*path = file_getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	int			 fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sa.sun_path)
		return;
	memcpy(sa.sun_path, path, strlen(path));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	    len) == -1)
		log_info("cannot notify systemd: %s", strerror(errno));
	close(fd);
}

static int
serve_hook_ready(void *arg)
{
	struct serve_host	*h = arg;
	int			 r;

	if (!h->private && (r = serve_state_write(h)) != 0)
		return r;
	if (!h->private) {
		serve_sd_notify("READY=1");
		log_note("serving profile '%s' at %s", h->ctx->profile.value,
		    h->ln->base_url);
	} else
		log_info("serving at %s", h->ln->base_url);
	return 0;
}

static const struct serve_hooks serve_hooks_table = {
	.mint = serve_hook_mint,
	.mint_scoped = serve_hook_mint_scoped,
	.id_token = serve_hook_id_token,
	.reload = serve_hook_reload,
	.upstream_free = serve_upstream_release,
	.ready = serve_hook_ready,
};

/* --- running the broker ----------------------------------------------- */

/* A profile number in [1, max], or def when the key is not there. */
static int
serve_profile_number(struct vt_ctx *ctx, const char *key,
    unsigned long long def, unsigned long long max, const char *what,
    unsigned long long *out)
{
	const char		*v = config_get(ctx->config, key);
	char			*end;
	unsigned long long	 n;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n == 0 || n > max ||
	    v[0] == '-')
		return vt_err(VT_ERR_CONFIG, "invalid %s '%s' in profile '%s': "
		    "expected %s up to %llu", key, v, ctx->profile.value, what,
		    max);
	*out = n;
	return 0;
}

/* The profile's limits: max_body, max_requests, idle_timeout. */
static int
serve_limits(struct vt_ctx *ctx, struct serve_config *cfg)
{
	unsigned long long	n;
	const char		*v;
	long			secs;
	int			r;

	if ((r = serve_profile_number(ctx, "max_body", SERVE_MAX_BODY,
	    (unsigned long long)1 << 32, "a number of bytes", &n)) != 0)
		return r;
	cfg->max_body = (size_t)n;
	if ((r = serve_profile_number(ctx, "max_requests", SERVE_MAX_REQUESTS,
	    SERVE_MAX_REQUESTS_CAP, "a number of requests", &n)) != 0)
		return r;
	cfg->max_requests = (int)n;
	cfg->idle_timeout = SERVE_IDLE_TIMEOUT;
	if ((v = config_get(ctx->config, "idle_timeout")) != NULL) {
		if (settings_parse_duration(v, &secs) != 0 || secs < 1 ||
		    secs > 3600)
			return vt_err(VT_ERR_CONFIG, "invalid idle_timeout '%s' "
			    "in profile '%s': expected a duration from 1s to "
			    "1h", v, ctx->profile.value);
		cfg->idle_timeout = (int)secs;
	}
	return 0;
}

/* A broker being set up and run: the hooks' state and the module's. */
struct serve_run {
	struct serve_host		 h;
	struct serve_hooks		 hooks;
	struct serve_config		 cfg;
	const struct vt_serve_api	*api;
};

/*
 * Everything that can fail before serving, the credential and the
 * module included, so that exec --serve starts its command only once
 * the broker can run.  Release with serve_finish, even on failure.
 */
static int
serve_prepare(struct vt_ctx *ctx, const struct cmd_args *args,
    struct serve_listen *ln, const char *key, int private,
    struct serve_run *sr)
{
	const void	*p;
	int		 r;

	memset(sr, 0, sizeof *sr);
	sr->h.ctx = ctx;
	sr->h.ln = ln;
	sr->h.key = key;
	sr->h.private = private;
	sr->hooks = serve_hooks_table;
	sr->hooks.arg = &sr->h;
	sr->cfg.fd = ln->fd;
	sr->cfg.unix_socket = ln->unix_socket;
	sr->cfg.hosts = ln->hosts;
	sr->cfg.key = key;
	sr->cfg.timeout_sec = ctx->timeout_sec;
	sr->cfg.openai = !args->no_openai;
	sr->cfg.metadata = sr->h.metadata = args->metadata;
	sr->cfg.quiet_requests = private;
	/* Client libraries reach a metadata server over TCP only. */
	if (args->metadata && ln->unix_socket)
		return vt_err(VT_ERR_USAGE, "--metadata needs a TCP listen "
		    "address: client libraries cannot use a unix socket");
	if (args->no_openai && !args->metadata)
		return vt_err(VT_ERR_USAGE, "--no-openai leaves nothing to "
		    "serve: add --metadata");
	if ((r = serve_limits(ctx, &sr->cfg)) != 0 ||
	    (r = serve_upstream_build(ctx, &sr->h.src, &sr->cfg.up)) != 0)
		return r;
	if ((r = serve_meta_credential(args->metadata, sr->h.src)) != 0 ||
	    (r = module_load("serve", "vt_serve_api", VT_SERVE_API_VERSION,
	    &p)) != 0)
		return r;
	sr->api = p;
	return 0;
}

/* Serve until a signal, or until child exits (its status in *st). */
static int
serve_go(struct serve_run *sr, pid_t child, int *st)
{
	struct serve_result	res;

	sr->cfg.child = child;
	sr->api->run(&sr->cfg, &sr->hooks, &res);
	*st = res.child_status;
	return res.status;
}

static void
serve_finish(struct serve_run *sr)
{
	if (sr->h.state_path != NULL) {
		unlink(sr->h.state_path);
		free(sr->h.state_path);
	}
	serve_upstream_release(&sr->cfg.up);
	source_free(sr->h.src);
	memset(sr, 0, sizeof *sr);
}

static int
cmd_serve_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct serve_listen	 ln;
	struct serve_run	 sr;
	char			*key = NULL;
	int			 r, st, lockfd;

	memset(&sr, 0, sizeof sr);
	if ((r = serve_lock_take(ctx, &lockfd)) != 0)
		return r;
	if ((r = serve_listen_open(ctx, &ln)) != 0) {
		close(lockfd);
		return r;
	}
	if ((r = serve_key_load(ctx, args->rotate_key, &key)) == 0 &&
	    (r = serve_prepare(ctx, args, &ln, key, 0, &sr)) == 0)
		r = serve_go(&sr, 0, &st);
	serve_finish(&sr);	/* the state file goes while the lock is held */
	close(lockfd);
	secret_free(key);
	serve_listen_close(&ln);
	return r;
}

/* --- exec --serve ------------------------------------------------------ */

size_t
serve_env_vars(const char *key, const char *url, const char *meta_host,
    struct env_var *v)
{
	size_t	n = 2;

	v[0].value = key;
	v[1].value = url;
	/* The host each client library reads (reference/metadata-
	 * clients.md): all HOST:PORT. */
	if (meta_host != NULL) {
		v[n].name = "GCE_METADATA_HOST";
		v[n++].value = meta_host;
		v[n].name = "GCE_METADATA_ROOT";
		v[n++].value = meta_host;
		v[n].name = "GCE_METADATA_IP";
		v[n++].value = meta_host;
	}
	return n;
}

/* environ, with name=value set (replacing) for each of vars. */
static char **
serve_child_env(const struct env_var *vars, size_t n)
{
	char	**env;
	size_t	  i, j, k = 0, len;

	for (i = 0; environ[i] != NULL; i++)
		;
	env = xcalloc(i + n + 1, sizeof *env);
	for (i = 0; environ[i] != NULL; i++) {
		for (j = 0; j < n; j++) {
			len = strlen(vars[j].name);
			if (strncmp(environ[i], vars[j].name, len) == 0 &&
			    environ[i][len] == '=')
				break;
		}
		if (j == n && !keyring_env_ours(environ[i]))
			env[k++] = xstrdup(environ[i]);
	}
	for (j = 0; j < n; j++)
		if (vars[j].value != NULL)
			env[k++] = xasprintf("%s=%s", vars[j].name,
			    vars[j].value);
	return env;
}

static void
serve_child_env_free(char **env)
{
	size_t	i;

	for (i = 0; env[i] != NULL; i++)
		secret_free(env[i]);
	free(env);
}

/*
 * Start argv with env; the broker's threads do not exist yet.  An exec
 * that fails comes back through a close-on-exec pipe as its errno.
 */
static int
serve_spawn(char **argv, char **env, const sigset_t *mask, pid_t *pid)
{
	int	p[2], e = 0;
	ssize_t	n;

	if (pipe2(p, O_CLOEXEC) == -1)
		return vt_err(VT_ERR_INTERNAL, "pipe: %s", strerror(errno));
	if ((*pid = fork()) == -1) {
		e = errno;
		close(p[0]);
		close(p[1]);
		return vt_err(VT_ERR_INTERNAL, "fork: %s", strerror(e));
	}
	if (*pid == 0) {
		close(p[0]);
		process_restore();
		sigprocmask(SIG_SETMASK, mask, NULL);
		execvpe(argv[0], argv, env);
		e = errno;
		(void)!write(p[1], &e, sizeof e);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], &e, sizeof e)) == -1 && errno == EINTR)
		;
	close(p[0]);
	if (n != (ssize_t)sizeof e)
		return 0;
	waitpid(*pid, NULL, 0);
	*pid = 0;
	if (e == ENOENT || e == ENOTDIR)
		return vt_err(VT_ERR_NOTFOUND, "cannot run '%s': command not "
		    "found; check its name and PATH", argv[0]);
	return vt_err(VT_ERR_NOEXEC, "cannot run '%s': %s", argv[0],
	    strerror(e));
}

int
serve_exec(struct vt_ctx *ctx, struct cmd_args *args)
{
	struct serve_listen	 ln;
	struct serve_run	 sr;
	struct env_var		 vars[SERVE_ENV_MAX + 4];
	sigset_t		 sigs, old;
	char			*key = NULL, **env = NULL, *loc = NULL;
	pid_t			 child = 0;
	size_t			 n;
	int			 r, st = 0;

	memset(&sr, 0, sizeof sr);
	if ((r = cmd_env_names(ctx, NULL, NULL, &vars[0].name,
	    &vars[1].name)) != 0 ||
	    (r = serve_listen_private(&ln)) != 0)
		return r;
	if ((r = serve_key_new(&key)) != 0 ||
	    (r = serve_prepare(ctx, args, &ln, key, 1, &sr)) != 0)
		goto out;
	n = serve_env_vars(key, ln.base_url, args->metadata ? ln.name : NULL,
	    vars);
	/*
	 * With the emulator, the command's libraries must end at it: a key
	 * file named here would win over the metadata server.
	 */
	if (args->metadata) {
		vars[n].name = "GOOGLE_APPLICATION_CREDENTIALS";
		vars[n++].value = NULL;
	}
	/* The key never expires: an expiry inherited from a plain env or
	 * exec around this one would be a false one. */
	vars[n].name = "VTOKEN_EXPIRES_AT";
	vars[n++].value = NULL;
	/* As plain exec: Google's own SDKs read these in Vertex mode. */
	loc = xstrndup(ctx->location.value, strcspn(ctx->location.value,
	    ","));
	vars[n].name = "GOOGLE_CLOUD_LOCATION";
	vars[n++].value = loc;
	if (ctx->project.value != NULL) {
		vars[n].name = "GOOGLE_CLOUD_PROJECT";
		vars[n++].value = ctx->project.value;
	}
	env = serve_child_env(vars, n);
	/*
	 * From here the signals are the broker's to forward: blocked now,
	 * so that one sent as soon as the command runs is not lost (the
	 * command gets the mask vtoken had).
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	if ((r = serve_spawn(args->argv, env, &old, &child)) != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	log_info("running '%s'", args->argv[0]);
	if ((r = serve_go(&sr, child, &st)) != 0) {
		/* The broker could not start: the command must not wait. */
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
out:
	serve_finish(&sr);
	free(loc);
	if (env != NULL)
		serve_child_env_free(env);
	secret_free(key);
	serve_listen_close(&ln);
	if (r != 0 || child == 0)
		return r;
	/* The command's status is ours, as if it had been exec'd. */
	fflush(stdout);
	if (WIFSIGNALED(st)) {
		process_restore();
		signal(WTERMSIG(st), SIG_DFL);
		sigemptyset(&sigs);
		sigaddset(&sigs, WTERMSIG(st));
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		raise(WTERMSIG(st));
	}
	exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

const struct cmd_entry cmd_serve_entry = {
	.name = "serve",
	.usage = "[--listen ADDR] [--metadata] [--no-openai] [--rotate-key]",
	.summary = "Run the token broker: a local OpenAI-compatible proxy.",
	.options = CMDOPT_SERVER | CMDOPT_METADATA,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_serve_exec
};
