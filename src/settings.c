/*
 * settings.c: the settings table (settings.h), the precedence that picks
 * each value, and the checks that parse them into struct vt_ctx.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "cmd.h"
#include "conf.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "options.h"
#include "serve-cmd.h"
#include "settings.h"
#include "vertex.h"
#include "xmalloc.h"

#define AT(field)	offsetof(struct vt_ctx, field)

static int check_project(struct vt_ctx *, const struct setting *);
static int check_location(struct vt_ctx *, const struct setting *);
static int check_endpoint(struct vt_ctx *, const struct setting *);
static int check_api_version(struct vt_ctx *, const struct setting *);
static int check_base_url(struct vt_ctx *, const struct setting *);
static int check_credentials(struct vt_ctx *, const struct setting *);
static int check_api_key_file(struct vt_ctx *, const struct setting *);
static int check_backend(struct vt_ctx *, const struct setting *);
static int check_scopes(struct vt_ctx *, const struct setting *);
static int check_timeout(struct vt_ctx *, const struct setting *);
static int check_cache(struct vt_ctx *, const struct setting *);
static int check_no_cache(struct vt_ctx *, const struct setting *);
static int check_min_ttl(struct vt_ctx *, const struct setting *);
static int check_lifetime(struct vt_ctx *, const struct setting *);
static int check_universe(struct vt_ctx *, const struct setting *);
static int check_listen(struct vt_ctx *, const struct setting *);

/* In the order of --help; the profile row must come first. */
const struct setting_def settings_table[] = {
	{ .name = "profile", .option = "profile", .arg = "NAME",
	  .env = { "VTOKEN_PROFILE" }, .def = "default", .offset = AT(profile),
	  .help = "profile of the config file (VTOKEN_PROFILE)" },
	{ .name = "project", .option = "project", .arg = "ID",
	  .env = { "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT",
	  "CLOUDSDK_CORE_PROJECT" }, .key = "project", .offset = AT(project),
	  .check = check_project, .trace = "project",
	  .help = "Google Cloud project (GOOGLE_CLOUD_PROJECT)" },
	{ .name = "location", .option = "location", .arg = "LOC",
	  .env = { "GOOGLE_CLOUD_LOCATION" }, .key = "location",
	  .def = VT_DEFAULT_LOCATION, .offset = AT(location),
	  .check = check_location,
	  .help = "Vertex AI location, default " VT_DEFAULT_LOCATION },
	{ .name = "endpoint", .option = "endpoint", .arg = "ID",
	  .key = "endpoint", .def = VT_DEFAULT_ENDPOINT, .offset = AT(endpoint),
	  .check = check_endpoint,
	  .help = "Vertex AI endpoint, default " VT_DEFAULT_ENDPOINT },
	{ .name = "api_version", .option = "api-version", .arg = "V",
	  .key = "api_version", .def = VT_DEFAULT_API_VERSION,
	  .offset = AT(api_version), .check = check_api_version,
	  .help = "v1 (default) or v1beta1" },
	{ .name = "base_url", .option = "base-url", .arg = "URL",
	  .key = "base_url", .offset = AT(base_url), .check = check_base_url,
	  .help = "the whole base URL, for private endpoints" },
	{ .name = "credentials", .option = "credentials", .arg = "FILE",
	  .key = "credentials", .offset = AT(credentials),
	  .check = check_credentials,
	  .help = "credential file; else GOOGLE_APPLICATION_CREDENTIALS,\n"
	  "else gcloud's application default credentials" },
	{ .name = "api_key_file", .option = "api-key-file", .arg = "FILE",
	  .key = "api_key_file", .offset = AT(api_key_file),
	  .check = check_api_key_file,
	  .help = "a Gemini API key, read from FILE (one line)" },
	{ .name = "backend", .option = "vertex", .flag_value = "vertex",
	  .alt_option = "gemini", .alt_value = "gemini", .key = "backend",
	  .offset = AT(backend), .check = check_backend,
	  .help = "Vertex AI only: ignore API keys",
	  .alt_help = "the Gemini API: an API key is required" },
	{ .name = "scopes", .option = "scopes", .arg = "LIST",
	  .key = "scopes", .def = VT_SCOPE_CLOUD_PLATFORM, .offset = AT(scopes),
	  .check = check_scopes,
	  .help = "OAuth scopes, default cloud-platform" },
	{ .name = "timeout", .option = "timeout", .arg = "DURATION",
	  .key = "timeout", .def = "30s", .offset = AT(timeout),
	  .check = check_timeout,
	  .help = "bound on the whole call, default 30s" },
	{ .name = "cache", .option = "cache", .arg = "BACKEND",
	  .env = { "VTOKEN_CACHE" }, .key = "cache", .def = "auto",
	  .offset = AT(cache), .check = check_cache,
	  .help = "auto (default), keyring, file or none (VTOKEN_CACHE)" },
	{ .name = "no_cache", .option = "no-cache", .flag_value = "yes",
	  .offset = AT(no_cache_opt), .check = check_no_cache,
	  .help = "mint a new token; neither read nor store one" },
	/* env and exec export a value that outlives the call. */
	{ .name = "min_ttl", .option = "min-ttl", .arg = "DURATION",
	  .key = "min_ttl", .def = "5m", .cmd_default = 1,
	  .offset = AT(min_ttl), .check = check_min_ttl,
	  .help = "least life a cached token needs, default 5m\n"
	  "(30m for env, 15m for refresh)" },
	/* Parsed where it is used (source-impersonated.c). */
	{ .name = "impersonate", .option = "impersonate-service-account",
	  .arg = "[DELEGATE,...]SA", .key = "impersonate",
	  .offset = AT(impersonate),
	  .help = "mint for service account SA via IAM" },
	{ .name = "lifetime", .option = "lifetime", .arg = "DURATION",
	  .key = "lifetime", .offset = AT(lifetime), .check = check_lifetime,
	  .help = "life of impersonated tokens (IAM default 1h)" },
	{ .name = "listen", .option = "listen", .arg = "ADDR",
	  .key = "listen", .def = "127.0.0.1:0", .offset = AT(listen),
	  .check = check_listen,
	  .help = "serve: 127.0.0.1:PORT (default: a free port),\n"
	  "[::1]:PORT, localhost:PORT or unix:PATH" },
	{ .name = "universe_domain", .env = { "GOOGLE_CLOUD_UNIVERSE_DOMAIN" },
	  .key = "universe_domain", .offset = AT(universe_domain),
	  .check = check_universe },
	/* Profile keys the commands read themselves (config_get). */
	{ .name = "git_hosts", .key = "git_hosts",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "git_username", .key = "git_username",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "key_var", .key = "key_var", .offset = SETTING_PROFILE_ONLY },
	{ .name = "url_var", .key = "url_var", .offset = SETTING_PROFILE_ONLY },
	{ .name = "max_body", .key = "max_body",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "project_number", .key = "project_number",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "max_requests", .key = "max_requests",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "idle_timeout", .key = "idle_timeout",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "docker_hosts", .key = "docker_hosts",
	  .offset = SETTING_PROFILE_ONLY },
	{ .name = "docker_locations", .key = "docker_locations",
	  .offset = SETTING_PROFILE_ONLY },
};
const size_t settings_count = sizeof settings_table / sizeof settings_table[0];

_Static_assert(sizeof settings_table / sizeof settings_table[0] <=
    SETTINGS_MAX, "struct cli holds SETTINGS_MAX values");

/* The struct setting a row keeps its value in. */
static struct setting *
setting_of(struct vt_ctx *ctx, const struct setting_def *d)
{
	return (struct setting *)(void *)((char *)ctx + d->offset);
}

const struct setting_def *
settings_find(const char *name)
{
	int	i;

	return (i = settings_index(name)) < 0 ? NULL : &settings_table[i];
}

int
settings_index(const char *name)
{
	size_t	i;

	for (i = 0; i < settings_count; i++)
		if (strcmp(settings_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
settings_is_key(const char *key)
{
	size_t	i;

	for (i = 0; i < settings_count; i++)
		if (settings_table[i].key != NULL &&
		    strcmp(settings_table[i].key, key) == 0)
			return 1;
	return 0;
}

/* One --help entry: the option (and argument), then the text's lines. */
static void
settings_help_one(FILE *f, const char *option, const char *arg,
    const char *help)
{
	char		 opt[128];
	const char	*nl;

	snprintf(opt, sizeof opt, "--%s%s%s", option, arg != NULL ? " " : "",
	    arg != NULL ? arg : "");
	if (strlen(opt) > 21)
		fprintf(f, "  %s\n%24s", opt, "");
	else
		fprintf(f, "  %-21s ", opt);
	for (; (nl = strchr(help, '\n')) != NULL; help = nl + 1)
		fprintf(f, "%.*s\n%24s", (int)(nl - help), help, "");
	fprintf(f, "%s\n", help);
}

void
settings_help(FILE *f)
{
	const struct setting_def	*d;
	size_t				 i;

	for (i = 0; i < settings_count; i++) {
		d = &settings_table[i];
		if (d->option == NULL || d->help == NULL)
			continue;
		settings_help_one(f, d->option, d->arg, d->help);
		if (d->alt_option != NULL)
			settings_help_one(f, d->alt_option, NULL, d->alt_help);
	}
}

int
setting_bad_code(const struct setting *s)
{
	return s->from == FROM_CLI ? VT_ERR_USAGE : VT_ERR_CONFIG;
}

/* --- picking a value ------------------------------------------------- */

/* The origin name of a command-line value of d. */
static char *
settings_cli_origin(const struct setting_def *d, const char *value)
{
	if (d->alt_option != NULL && strcmp(value, d->alt_value) == 0)
		return xasprintf("--%s", d->alt_option);
	return xasprintf("--%s", d->option);
}

/* Trace the environment variables left and the profile as skipped. */
static void
settings_trace_skip(struct vt_ctx *ctx, const char *trace,
    const char *const *envs, const char *profile)
{
	for (; *envs != NULL; envs++)
		ctx_trace(ctx, trace, *envs, TRACE_SKIPPED,
		    "an earlier step was chosen");
	ctx_trace(ctx, trace, profile, TRACE_SKIPPED,
	    "an earlier step was chosen");
}

/* Take d's value from the first of cli, the environment, the profile. */
static void
settings_pick(struct vt_ctx *ctx, const struct setting_def *d,
    const char *cli_value, const char *def)
{
	struct setting	*s = setting_of(ctx, d);
	const char	*v;
	char		*origin, *profile;
	size_t		 i;

	profile = xasprintf("profile '%s'", ctx->config != NULL ?
	    config_profile(ctx->config) : ctx->profile.value != NULL ?
	    ctx->profile.value : "default");
	origin = d->option != NULL ? xasprintf("--%s", d->option) :
	    xstrdup("(no option)");
	if (cli_value != NULL) {
		free(origin);
		origin = settings_cli_origin(d, cli_value);
		setting_set(s, cli_value, origin, FROM_CLI);
		if (d->trace != NULL) {
			ctx_trace(ctx, d->trace, origin, TRACE_CHOSEN, "%s",
			    cli_value);
			settings_trace_skip(ctx, d->trace, d->env, profile);
		}
		goto out;
	}
	if (d->trace != NULL)
		ctx_trace(ctx, d->trace, origin, TRACE_ABSENT, NULL);
	for (i = 0; d->env[i] != NULL; i++) {
		if ((v = file_getenv(d->env[i])) != NULL) {
			setting_set(s, v, d->env[i], FROM_ENV);
			if (d->trace != NULL) {
				ctx_trace(ctx, d->trace, d->env[i],
				    TRACE_CHOSEN, "%s", v);
				settings_trace_skip(ctx, d->trace,
				    d->env + i + 1, profile);
			}
			goto out;
		}
		if (d->trace != NULL)
			ctx_trace(ctx, d->trace, d->env[i], TRACE_ABSENT,
			    NULL);
	}
	if (d->key != NULL && (v = config_get(ctx->config, d->key)) != NULL &&
	    *v != '\0') {
		setting_set(s, v, profile, FROM_PROFILE);
		if (d->trace != NULL)
			ctx_trace(ctx, d->trace, profile, TRACE_CHOSEN, "%s",
			    v);
		goto out;
	}
	if (d->trace != NULL)
		ctx_trace(ctx, d->trace, profile, TRACE_ABSENT, NULL);
	if (def != NULL)
		setting_set(s, def, "default", FROM_DEFAULT);
out:
	free(origin);
	free(profile);
}

int
settings_resolve(struct vt_ctx *ctx, const struct cli *cli)
{
	const struct setting_def	*d;
	const char			*def;
	char				*path;
	size_t				 i;
	int				 r;

	/* The profile names the part of the config file the rest reads. */
	settings_pick(ctx, &settings_table[0], cli->value[0],
	    settings_table[0].def);
	path = config_path();
	r = config_load(path, ctx->profile.value,
	    ctx->profile.from != FROM_DEFAULT, &ctx->config);
	free(path);
	if (r != 0)
		return r;
	ctx->config_ok = 1;
	for (i = 1; i < settings_count; i++) {
		d = &settings_table[i];
		if (d->offset == SETTING_PROFILE_ONLY)
			continue;
		def = d->def;
		if (d->cmd_default && cli->cmd != NULL &&
		    cli->cmd->min_ttl != NULL)
			def = cli->cmd->min_ttl;
		settings_pick(ctx, d, cli->value[i], def);
	}
	for (i = 0; i < settings_count; i++) {
		d = &settings_table[i];
		if (d->check != NULL &&
		    (r = d->check(ctx, setting_of(ctx, d))) != 0)
			return r;
	}
	return 0;
}

void
settings_release(struct vt_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < settings_count; i++)
		if (settings_table[i].offset != SETTING_PROFILE_ONLY)
			setting_release(setting_of(ctx, &settings_table[i]));
}

/* --- parsing values ---------------------------------------------------- */

int
settings_parse_duration(const char *s, long *out)
{
	char		*end;
	long		 v, mult = 1;
	unsigned long	 u;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	u = strtoul(s, &end, 10);
	if (errno != 0 || u > 100000000UL)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0')
			return -1;
		switch (*end) {
		case 's':	mult = 1; break;
		case 'm':	mult = 60; break;
		case 'h':	mult = 3600; break;
		default:	return -1;
		}
	}
	v = (long)u * mult;
	*out = v;
	return 0;
}

/* 1 if c may appear in a scope (RFC 6749 section 3.3 scope-token). */
static int
settings_scope_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

char **
settings_parse_scopes(const char *s)
{
	char		**v = NULL, *scope;
	const char	 *p, *start;
	size_t		  n = 0, i, len;
	int		  dup;

	for (p = s; *p != '\0';) {
		while (*p == ',' || *p == ';' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (start = p; *p != '\0' && *p != ',' && *p != ';' &&
		    *p != ' ' && *p != '\t'; p++) {
			if (!settings_scope_char((unsigned char)*p))
				goto fail;
		}
		len = (size_t)(p - start);
		if (memchr(start, '/', len) == NULL &&
		    memchr(start, ':', len) == NULL)
			scope = xasprintf("https://www.googleapis.com/auth/%.*s",
			    (int)len, start);
		else
			scope = xstrndup(start, len);
		for (dup = 0, i = 0; i < n; i++)
			dup |= strcmp(v[i], scope) == 0;
		if (dup) {
			free(scope);
			continue;
		}
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = scope;
		v[n] = NULL;
	}
	return v;
fail:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

char *
settings_scopes_join(char *const *v, char sep)
{
	char	*s, *p;
	size_t	 i, len = 1;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		len += strlen(v[i]) + 1;
	p = s = xmalloc(len);
	for (i = 0; v != NULL && v[i] != NULL; i++) {
		if (i > 0)
			*p++ = sep;
		memcpy(p, v[i], strlen(v[i]));
		p += strlen(v[i]);
	}
	*p = '\0';
	return s;
}

/* --- the checks -------------------------------------------------------- */

/* A duration in [lo, hi] seconds; what names it in the message. */
static int
check_duration(const struct setting *s, const char *what, long lo, long hi,
    const char *range, long *out)
{
	long	secs;

	if (settings_parse_duration(s->value, &secs) != 0 || secs < lo ||
	    secs > hi)
		return vt_err(setting_bad_code(s), "invalid %s '%s' (from %s): "
		    "use whole seconds, or a number with s, m or h, %s", what,
		    s->value, s->origin, range);
	*out = secs;
	return 0;
}

static int
check_project(struct vt_ctx *ctx, const struct setting *s)
{
	(void)ctx;
	if (s->value != NULL && !vertex_valid_project(s->value))
		return vt_err(setting_bad_code(s), "invalid project ID '%s' "
		    "(from %s)", s->value, s->origin);
	return 0;
}

static int
check_location(struct vt_ctx *ctx, const struct setting *s)
{
	char	*list, *rest, *loc;
	int	 ok = 1, n = 0;

	/* The broker takes a list, in failover order. */
	list = rest = xstrdup(s->value);
	while (ok && (loc = strsep(&rest, ",")) != NULL) {
		ok = vertex_valid_location(loc);
		n++;
	}
	free(list);
	if (!ok)
		return vt_err(setting_bad_code(s), "invalid location '%s' "
		    "(from %s): expected a region such as us-central1, or "
		    "global", s->value, s->origin);
	/* The others use the first: the one a broker would try first. */
	if (n > 1 && strcmp(ctx->command, "serve") != 0 &&
	    strcmp(ctx->command, "exec") != 0)
		s->value[strcspn(s->value, ",")] = '\0';
	return 0;
}

static int
check_listen(struct vt_ctx *ctx, const struct setting *s)
{
	(void)ctx;
	if (strncmp(s->value, "unix:/", 6) == 0 &&
	    strlen(s->value + 5) > serve_listen_path_max())
		return vt_err(setting_bad_code(s), "invalid listen address "
		    "(from %s): a unix socket's path is at most %zu bytes, "
		    "this one is %zu; choose a shorter one", s->origin,
		    serve_listen_path_max(), strlen(s->value + 5));
	if (!serve_listen_valid(s->value))
		return vt_err(setting_bad_code(s), "invalid listen address "
		    "'%s' (from %s): expected 127.0.0.1:PORT, [::1]:PORT, "
		    "localhost:PORT or unix:/PATH (loopback only)", s->value,
		    s->origin);
	return 0;
}

static int
check_endpoint(struct vt_ctx *ctx, const struct setting *s)
{
	(void)ctx;
	if (!vertex_valid_endpoint(s->value))
		return vt_err(setting_bad_code(s), "invalid endpoint '%s' "
		    "(from %s): expected openapi or a numeric endpoint ID",
		    s->value, s->origin);
	return 0;
}

static int
check_api_version(struct vt_ctx *ctx, const struct setting *s)
{
	(void)ctx;
	if (!vertex_valid_api_version(s->value))
		return vt_err(setting_bad_code(s), "invalid API version '%s' "
		    "(from %s): expected v1 or v1beta1", s->value, s->origin);
	return 0;
}

static int
check_base_url(struct vt_ctx *ctx, const struct setting *s)
{
	char	*what, *url;
	int	 r;

	(void)ctx;
	if (s->value == NULL)
		return 0;
	what = xasprintf("base URL (from %s)", s->origin);
	/* Checked as it will be used, with a location in its place. */
	url = vertex_url_location(s->value, VT_DEFAULT_LOCATION);
	r = http_url_check(url, what);
	free(url);
	free(what);
	/* The message stands; only the exit status differs. */
	return r != 0 ? setting_bad_code(s) : 0;
}

static int
check_credentials(struct vt_ctx *ctx, const struct setting *s)
{
	(void)ctx;
	if (s->value != NULL && *s->value == '\0')
		return vt_err(setting_bad_code(s), "empty credential file name "
		    "(from %s)", s->origin);
	return 0;
}

static int
check_api_key_file(struct vt_ctx *ctx, const struct setting *s)
{
	(void)ctx;
	if (s->value != NULL && *s->value == '\0')
		return vt_err(setting_bad_code(s), "empty API key file name "
		    "(from %s)", s->origin);
	return 0;
}

static int
check_backend(struct vt_ctx *ctx, const struct setting *s)
{
	ctx->backend_kind = BACKEND_ANY;
	if (s->value == NULL)
		return 0;
	if (strcmp(s->value, "vertex") == 0)
		ctx->backend_kind = BACKEND_VERTEX;
	else if (strcmp(s->value, "gemini") == 0)
		ctx->backend_kind = BACKEND_GEMINI;
	else
		return vt_err(setting_bad_code(s), "invalid backend '%s' (from "
		    "%s): expected vertex or gemini", s->value, s->origin);
	ctx->gemini = ctx->backend_kind == BACKEND_GEMINI;
	return 0;
}

static int
check_scopes(struct vt_ctx *ctx, const struct setting *s)
{
	if ((ctx->scope_list = settings_parse_scopes(s->value)) == NULL)
		return vt_err(setting_bad_code(s), "invalid scopes '%s' (from "
		    "%s): give scope URLs or names separated by commas",
		    s->value, s->origin);
	return 0;
}

static int
check_timeout(struct vt_ctx *ctx, const struct setting *s)
{
	long	secs;
	int	r;

	if ((r = check_duration(s, "timeout", 1, 3600, "between 1s and 1h",
	    &secs)) != 0)
		return r;
	ctx->timeout_sec = (int)secs;
	return 0;
}

static int
check_cache(struct vt_ctx *ctx, const struct setting *s)
{
	static const struct {
		const char	*name;
		enum cache_mode	 mode;
	} modes[] = {
		{ "auto", CACHE_AUTO }, { "keyring", CACHE_KEYRING },
		{ "file", CACHE_FILE }, { "none", CACHE_NONE },
	};
	size_t	i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (strcmp(s->value, modes[i].name) == 0) {
			ctx->cache_mode = modes[i].mode;
			return 0;
		}
	}
	return vt_err(setting_bad_code(s), "invalid cache '%s' (from %s): "
	    "expected auto, keyring, file or none", s->value, s->origin);
}

static int
check_no_cache(struct vt_ctx *ctx, const struct setting *s)
{
	ctx->no_cache = s->value != NULL;
	return 0;
}

static int
check_min_ttl(struct vt_ctx *ctx, const struct setting *s)
{
	return check_duration(s, "minimum lifetime", 0, 86400, "up to 24h",
	    &ctx->min_ttl_sec);
}

static int
check_lifetime(struct vt_ctx *ctx, const struct setting *s)
{
	ctx->lifetime_sec = 0;
	if (s->value == NULL)
		return 0;
	return check_duration(s, "lifetime", 1, 43200, "between 1s and 12h",
	    &ctx->lifetime_sec);
}

static int
check_universe(struct vt_ctx *ctx, const struct setting *s)
{
	const char	*u = s->value;

	(void)ctx;
	if (u != NULL && (strspn(u, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(u) ||
	    strchr(u, '.') == NULL || u[0] == '.' || u[0] == '-'))
		return vt_err(setting_bad_code(s), "invalid universe domain "
		    "'%s' (from %s): expected a domain name such as "
		    "googleapis.com", u, s->origin);
	return 0;
}
