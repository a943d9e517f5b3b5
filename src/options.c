/*
 * options.c: the command line, and which value each setting takes.
 *
 * One getopt_long pass over the whole command line (GNU permutation), so
 * global options work before and after the command name; the first
 * non-option word is the command.  Then options_resolve() applies the
 * precedence of PRODUCT.md: command line, environment, profile,
 * discovered, built-in default, keeping each value's origin for `status`.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtoken.h"
#include "cmd.h"
#include "conf.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "options.h"
#include "vertex.h"
#include "xmalloc.h"

enum {
	OPT_PROFILE = 256,
	OPT_PROJECT,
	OPT_LOCATION,
	OPT_ENDPOINT,
	OPT_API_VERSION,
	OPT_BASE_URL,
	OPT_CREDENTIALS,
	OPT_SCOPES,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_SHELL,
	OPT_UNSET,
	OPT_KEY_VAR,
	OPT_URL_VAR,
	OPT_CACHE,
	OPT_NO_CACHE,
	OPT_MIN_TTL,
	OPT_ALL,
	OPT_WRITE_ENV,
	OPT_WRITE_TOKEN,
	OPT_API_KEY_FILE,
	OPT_VERTEX,
	OPT_GEMINI,
	OPT_IMPERSONATE,
	OPT_LIFETIME
};

static const struct option options_long[] = {
	{ "profile",		required_argument, NULL, OPT_PROFILE },
	{ "project",		required_argument, NULL, OPT_PROJECT },
	{ "location",		required_argument, NULL, OPT_LOCATION },
	{ "endpoint",		required_argument, NULL, OPT_ENDPOINT },
	{ "api-version",	required_argument, NULL, OPT_API_VERSION },
	{ "base-url",		required_argument, NULL, OPT_BASE_URL },
	{ "credentials",	required_argument, NULL, OPT_CREDENTIALS },
	{ "api-key-file",	required_argument, NULL, OPT_API_KEY_FILE },
	{ "vertex",		no_argument,	   NULL, OPT_VERTEX },
	{ "gemini",		no_argument,	   NULL, OPT_GEMINI },
	{ "scopes",		required_argument, NULL, OPT_SCOPES },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "impersonate-service-account", required_argument, NULL,
	    OPT_IMPERSONATE },
	{ "lifetime",		required_argument, NULL, OPT_LIFETIME },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "shell",		required_argument, NULL, OPT_SHELL },
	{ "unset",		no_argument,	   NULL, OPT_UNSET },
	{ "key-var",		required_argument, NULL, OPT_KEY_VAR },
	{ "url-var",		required_argument, NULL, OPT_URL_VAR },
	{ "cache",		required_argument, NULL, OPT_CACHE },
	{ "no-cache",		no_argument,	   NULL, OPT_NO_CACHE },
	{ "min-ttl",		required_argument, NULL, OPT_MIN_TTL },
	{ "all",		no_argument,	   NULL, OPT_ALL },
	{ "write-env",		required_argument, NULL, OPT_WRITE_ENV },
	{ "write-token",	required_argument, NULL, OPT_WRITE_TOKEN },
	{ NULL,			0,		   NULL, 0 }
};

/* Command options: the CMDOPT_ bit each needs and its name. */
static const struct {
	int		 id;
	int		 bit;
	const char	*name;
} options_cmd[] = {
	{ OPT_JSON,	CMDOPT_JSON,	"--json" },
	{ OPT_SHELL,	CMDOPT_SHELL,	"--shell" },
	{ OPT_UNSET,	CMDOPT_UNSET,	"--unset" },
	{ OPT_KEY_VAR,	CMDOPT_VARS,	"--key-var" },
	{ OPT_URL_VAR,	CMDOPT_VARS,	"--url-var" },
	{ OPT_ALL,	CMDOPT_ALL,	"--all" },
	{ OPT_WRITE_ENV, CMDOPT_WRITE,	"--write-env" },
	{ OPT_WRITE_TOKEN, CMDOPT_WRITE, "--write-token" },
};

/* The word getopt stopped at, for messages. */
static const char *
options_word(char **argv, int idx)
{
	if (idx <= 0 || argv[idx - 1] == NULL)
		return "?";
	return argv[idx - 1];
}

/* Store a command option, remembering which were used. */
static void
options_set_cmd(struct cmd_args *args, int id, const char *arg, int *used)
{
	size_t	i;

	for (i = 0; i < sizeof options_cmd / sizeof options_cmd[0]; i++) {
		if (options_cmd[i].id == id)
			*used |= options_cmd[i].bit;
	}
	switch (id) {
	case OPT_JSON:
		args->json = 1;
		break;
	case OPT_SHELL:
		args->shell = arg;
		break;
	case OPT_UNSET:
		args->unset = 1;
		break;
	case OPT_KEY_VAR:
		args->key_var = arg;
		break;
	case OPT_URL_VAR:
		args->url_var = arg;
		break;
	case OPT_ALL:
		args->all = 1;
		break;
	case OPT_WRITE_ENV:
		args->write_env = arg;
		break;
	case OPT_WRITE_TOKEN:
		args->write_token = arg;
		break;
	}
}

/* Refuse command options that the chosen command does not take. */
static int
options_check_cmd(const struct cmd_entry *cmd, int used)
{
	size_t	i;

	for (i = 0; i < sizeof options_cmd / sizeof options_cmd[0]; i++) {
		if ((used & options_cmd[i].bit) == 0)
			continue;
		if (cmd == NULL || (cmd->options & options_cmd[i].bit) == 0)
			return vt_err(VT_ERR_USAGE, "option '%s' is not an "
			    "option of '%s'; see 'vtoken help %s'",
			    options_cmd[i].name, cmd != NULL ? cmd->name : "vtoken",
			    cmd != NULL ? cmd->name : "");
	}
	return 0;
}

/*
 * getopt_long accepts unique abbreviations ("--proj"); refuse them, so an
 * option added later cannot change what an old script's abbreviation
 * means.  Values of options that take one are skipped.
 */
static int
options_check_exact(int argc, char **argv)
{
	const struct option	*o;
	const char		*w, *eq;
	size_t			 len;
	int			 i;

	for (i = 1; i < argc; i++) {
		w = argv[i];
		if (strcmp(w, "--") == 0)
			break;
		if (strncmp(w, "--", 2) != 0)
			continue;
		eq = strchr(w, '=');
		len = eq != NULL ? (size_t)(eq - w - 2) : strlen(w + 2);
		for (o = options_long; o->name != NULL; o++) {
			if (strlen(o->name) == len &&
			    strncmp(o->name, w + 2, len) == 0)
				break;
		}
		if (o->name == NULL)
			return vt_err(VT_ERR_USAGE, "unknown option '%.*s'; "
			    "see 'vtoken --help'", (int)len + 2, w);
		if (o->has_arg == required_argument && eq == NULL)
			i++;
	}
	return 0;
}

/*
 * Where vtoken's own part of argv ends.  For a command that runs a
 * command line (CMD_F_ARGV: exec), that is the first word after the
 * command name, or a "--" (its index; the child's words follow it), so
 * that "vtoken exec python app.py -v" passes -v to python.  For any other
 * command, argc: options may follow the command name.
 */
static int
options_argv_end(int argc, char **argv)
{
	const struct cmd_entry	*cmd = NULL;
	const struct option	*o;
	const char		*w;
	int			 i;

	for (i = 1; i < argc; i++) {
		w = argv[i];
		if (strcmp(w, "--") == 0)
			return cmd != NULL ? i : argc;
		if (w[0] == '-' && w[1] != '\0') {
			if (w[1] != '-' || strchr(w, '=') != NULL)
				continue;
			/* Skip the value of "--name VALUE". */
			for (o = options_long; o->name != NULL; o++) {
				if (strcmp(o->name, w + 2) == 0 &&
				    o->has_arg == required_argument)
					i++;
			}
			continue;
		}
		if (cmd != NULL)
			return i;
		if ((cmd = cmd_find(w)) == NULL ||
		    (cmd->flags & CMD_F_ARGV) == 0)
			return argc;
	}
	return argc;
}

int
options_parse(int argc, char **argv, struct cli *cli, struct cmd_args *args)
{
	int	c, used = 0, nargs, end, start;

	memset(cli, 0, sizeof *cli);
	memset(args, 0, sizeof *args);
	end = options_argv_end(argc, argv);
	start = end < argc && strcmp(argv[end], "--") == 0 ? end + 1 : end;
	if (options_check_exact(end, argv) != 0)
		return VT_ERR_USAGE;
	opterr = 0;
	optind = 0;	/* 0: full getopt re-initialisation (for tests) */
	while ((c = getopt_long(end, argv, ":vqhV", options_long,
	    NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE:	cli->profile = optarg; break;
		case OPT_PROJECT:	cli->project = optarg; break;
		case OPT_LOCATION:	cli->location = optarg; break;
		case OPT_ENDPOINT:	cli->endpoint = optarg; break;
		case OPT_API_VERSION:	cli->api_version = optarg; break;
		case OPT_BASE_URL:	cli->base_url = optarg; break;
		case OPT_CREDENTIALS:	cli->credentials = optarg; break;
		case OPT_API_KEY_FILE:	cli->api_key_file = optarg; break;
		case OPT_VERTEX:
		case OPT_GEMINI:
			if (cli->backend != NULL &&
			    strcmp(cli->backend, c == OPT_VERTEX ? "vertex" :
			    "gemini") != 0)
				return vt_err(VT_ERR_USAGE, "--vertex and "
				    "--gemini exclude each other; give one");
			cli->backend = c == OPT_VERTEX ? "vertex" : "gemini";
			break;
		case OPT_SCOPES:	cli->scopes = optarg; break;
		case OPT_TIMEOUT:	cli->timeout = optarg; break;
		case OPT_CACHE:		cli->cache = optarg; break;
		case OPT_NO_CACHE:	cli->no_cache = 1; break;
		case OPT_MIN_TTL:	cli->min_ttl = optarg; break;
		case OPT_IMPERSONATE:	cli->impersonate = optarg; break;
		case OPT_LIFETIME:	cli->lifetime = optarg; break;
		case 'v':		cli->verbose++; break;
		case 'q':		cli->quiet = 1; break;
		case 'h':		cli->help = 1; break;
		case 'V':		cli->version = 1; break;
		case ':':
			return vt_err(VT_ERR_USAGE, "option '%s' needs a value",
			    options_word(argv, optind));
		case '?':
			if (optopt != 0)
				return vt_err(VT_ERR_USAGE, "unknown option "
				    "'-%c'; see 'vtoken --help'", optopt);
			return vt_err(VT_ERR_USAGE, "unknown option '%s'; "
			    "see 'vtoken --help'", options_word(argv, optind));
		default:
			options_set_cmd(args, c, optarg, &used);
			break;
		}
	}
	if (optind < end) {
		if ((cli->cmd = cmd_find(argv[optind])) == NULL)
			return vt_err(VT_ERR_USAGE, "unknown command '%s'; "
			    "see 'vtoken --help'", argv[optind]);
		optind++;
	}
	if (end < argc) {
		/* The child's command line, exactly as given. */
		args->argc = argc - start;
		args->argv = argv + start;
	} else {
		args->argc = argc - optind;
		args->argv = argv + optind;
	}
	if (cli->help || cli->version)
		return 0;
	if (cli->credentials != NULL && cli->api_key_file != NULL)
		return vt_err(VT_ERR_USAGE, "--credentials and --api-key-file "
		    "name two different credentials; give one");
	if (cli->cmd == NULL)
		return options_check_cmd(NULL, used);
	if (options_check_cmd(cli->cmd, used) != 0)
		return VT_ERR_USAGE;
	nargs = args->argc;
	if (nargs < cli->cmd->min_args ||
	    (cli->cmd->max_args >= 0 && nargs > cli->cmd->max_args)) {
		if (nargs > 0 && cli->cmd->max_args >= 0 &&
		    nargs > cli->cmd->max_args)
			return vt_err(VT_ERR_USAGE, "unexpected argument '%s' "
			    "for '%s'; see 'vtoken help %s'",
			    args->argv[cli->cmd->max_args], cli->cmd->name,
			    cli->cmd->name);
		return vt_err(VT_ERR_USAGE, "'%s' needs more arguments; see "
		    "'vtoken help %s'", cli->cmd->name, cli->cmd->name);
	}
	return 0;
}

int
options_parse_duration(const char *s, long *out)
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
options_scope_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

char **
options_parse_scopes(const char *s)
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
			if (!options_scope_char((unsigned char)*p))
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

/* The error code for a bad value: usage if it came from the command line. */
static int
options_bad_code(const struct setting *s)
{
	return s->origin != NULL && s->origin[0] == '-' ?
	    VT_ERR_USAGE : VT_ERR_CONFIG;
}

/* Trace the environment variables left and the profile as skipped. */
static void
options_trace_skip(struct vt_ctx *ctx, const char *trace,
    const char *const *envs)
{
	const char	*profile;
	char		*origin;

	for (; envs != NULL && *envs != NULL; envs++)
		ctx_trace(ctx, trace, *envs, TRACE_SKIPPED,
		    "an earlier step was chosen");
	profile = ctx->config != NULL ? config_profile(ctx->config) :
	    ctx->profile.value;
	origin = xasprintf("profile '%s'", profile);
	ctx_trace(ctx, trace, origin, TRACE_SKIPPED,
	    "an earlier step was chosen");
	free(origin);
}

/*
 * Take a setting from the first of: the command line option cli_name
 * (value cli_value), the environment variables envs, the profile key, the
 * default.  With trace set, every step goes into ctx's trace.
 */
static void
options_pick(struct vt_ctx *ctx, struct setting *s, const char *trace,
    const char *cli_value, const char *cli_name, const char *const *envs,
    const char *key, const char *def)
{
	const char	*v, *profile;
	char		*origin;
	size_t		 i;

	if (cli_value != NULL) {
		setting_set(s, cli_value, cli_name);
		if (trace != NULL) {
			ctx_trace(ctx, trace, cli_name, TRACE_CHOSEN, "%s",
			    cli_value);
			options_trace_skip(ctx, trace, envs);
		}
		return;
	}
	if (trace != NULL)
		ctx_trace(ctx, trace, cli_name, TRACE_ABSENT, NULL);
	for (i = 0; envs != NULL && envs[i] != NULL; i++) {
		if ((v = file_getenv(envs[i])) != NULL) {
			setting_set(s, v, envs[i]);
			if (trace != NULL) {
				ctx_trace(ctx, trace, envs[i], TRACE_CHOSEN,
				    "%s", v);
				options_trace_skip(ctx, trace, envs + i + 1);
			}
			return;
		}
		if (trace != NULL)
			ctx_trace(ctx, trace, envs[i], TRACE_ABSENT, NULL);
	}
	profile = ctx->config != NULL ? config_profile(ctx->config) :
	    ctx->profile.value;
	origin = xasprintf("profile '%s'", profile);
	if ((v = config_get(ctx->config, key)) != NULL && *v != '\0') {
		setting_set(s, v, origin);
		if (trace != NULL)
			ctx_trace(ctx, trace, origin, TRACE_CHOSEN, "%s", v);
	} else {
		if (trace != NULL)
			ctx_trace(ctx, trace, origin, TRACE_ABSENT, NULL);
		if (def != NULL)
			setting_set(s, def, "default");
	}
	free(origin);
}

/* --lifetime and universe_domain (--impersonate-service-account is
 * parsed where it is used, source-impersonated.c). */
static int
options_check_federation(struct vt_ctx *ctx)
{
	const char	*u = ctx->universe_domain.value;
	long		 secs;

	ctx->lifetime_sec = 0;
	if (ctx->lifetime.value != NULL) {
		if (options_parse_duration(ctx->lifetime.value, &secs) != 0 ||
		    secs <= 0 || secs > 43200)
			return vt_err(options_bad_code(&ctx->lifetime),
			    "invalid lifetime '%s' (from %s): use whole "
			    "seconds, or a number with s, m or h, between 1s "
			    "and 12h", ctx->lifetime.value,
			    ctx->lifetime.origin);
		ctx->lifetime_sec = secs;
	}
	if (u != NULL && (strspn(u, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(u) ||
	    strchr(u, '.') == NULL || u[0] == '.' || u[0] == '-'))
		return vt_err(options_bad_code(&ctx->universe_domain),
		    "invalid universe domain '%s' (from %s): expected a domain "
		    "name such as googleapis.com", u,
		    ctx->universe_domain.origin);
	return 0;
}

/* Check the settings that must be valid before any command runs. */
static int
options_check(struct vt_ctx *ctx)
{
	char	*what;
	long	 secs;
	int	 r;

	if (options_parse_duration(ctx->timeout.value, &secs) != 0 ||
	    secs <= 0 || secs > 3600)
		return vt_err(options_bad_code(&ctx->timeout), "invalid "
		    "timeout '%s' (from %s): use whole seconds, or a number "
		    "with s, m or h, between 1s and 1h", ctx->timeout.value,
		    ctx->timeout.origin);
	ctx->timeout_sec = (int)secs;
	if (options_parse_duration(ctx->min_ttl.value, &secs) != 0 ||
	    secs > 86400)
		return vt_err(options_bad_code(&ctx->min_ttl), "invalid "
		    "minimum lifetime '%s' (from %s): use whole seconds, or a "
		    "number with s, m or h, up to 24h", ctx->min_ttl.value,
		    ctx->min_ttl.origin);
	ctx->min_ttl_sec = secs;
	if (strcmp(ctx->cache.value, "auto") != 0 &&
	    strcmp(ctx->cache.value, "keyring") != 0 &&
	    strcmp(ctx->cache.value, "file") != 0 &&
	    strcmp(ctx->cache.value, "none") != 0)
		return vt_err(options_bad_code(&ctx->cache), "invalid cache "
		    "'%s' (from %s): expected auto, keyring, file or none",
		    ctx->cache.value, ctx->cache.origin);
	if ((ctx->scope_list = options_parse_scopes(ctx->scopes.value)) ==
	    NULL)
		return vt_err(options_bad_code(&ctx->scopes), "invalid scopes "
		    "'%s' (from %s): give scope URLs or names separated by "
		    "commas", ctx->scopes.value, ctx->scopes.origin);
	if (!vertex_valid_location(ctx->location.value))
		return vt_err(options_bad_code(&ctx->location), "invalid "
		    "location '%s' (from %s): expected a region such as "
		    "us-central1, or global", ctx->location.value,
		    ctx->location.origin);
	if (!vertex_valid_endpoint(ctx->endpoint.value))
		return vt_err(options_bad_code(&ctx->endpoint), "invalid "
		    "endpoint '%s' (from %s): expected openapi or a numeric "
		    "endpoint ID", ctx->endpoint.value, ctx->endpoint.origin);
	if (!vertex_valid_api_version(ctx->api_version.value))
		return vt_err(options_bad_code(&ctx->api_version), "invalid "
		    "API version '%s' (from %s): expected v1 or v1beta1",
		    ctx->api_version.value, ctx->api_version.origin);
	if (ctx->credentials.value != NULL && *ctx->credentials.value == '\0')
		return vt_err(options_bad_code(&ctx->credentials), "empty "
		    "credential file name (from %s)", ctx->credentials.origin);
	if (ctx->api_key_file.value != NULL &&
	    *ctx->api_key_file.value == '\0')
		return vt_err(options_bad_code(&ctx->api_key_file), "empty API "
		    "key file name (from %s)", ctx->api_key_file.origin);
	if (ctx->backend.value != NULL &&
	    strcmp(ctx->backend.value, "vertex") != 0 &&
	    strcmp(ctx->backend.value, "gemini") != 0)
		return vt_err(options_bad_code(&ctx->backend), "invalid "
		    "backend '%s' (from %s): expected vertex or gemini",
		    ctx->backend.value, ctx->backend.origin);
	ctx->gemini = ctx->backend.value != NULL &&
	    strcmp(ctx->backend.value, "gemini") == 0;
	if ((r = options_check_federation(ctx)) != 0)
		return r;
	if (ctx->project.value != NULL &&
	    !vertex_valid_project(ctx->project.value))
		return vt_err(options_bad_code(&ctx->project), "invalid "
		    "project ID '%s' (from %s)", ctx->project.value,
		    ctx->project.origin);
	if (ctx->base_url.value != NULL) {
		what = xasprintf("base URL (from %s)", ctx->base_url.origin);
		r = http_url_check(ctx->base_url.value, what);
		free(what);
		/* The message stands; only the exit status differs. */
		if (r != 0)
			return options_bad_code(&ctx->base_url);
	}
	return 0;
}

int
options_resolve(struct vt_ctx *ctx, const struct cli *cli)
{
	static const char *const project_env[] = { "GOOGLE_CLOUD_PROJECT",
	    "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT", NULL };
	static const char *const location_env[] = { "GOOGLE_CLOUD_LOCATION",
	    NULL };
	static const char *const cache_env[] = { "VTOKEN_CACHE", NULL };
	static const char *const universe_env[] = {
	    "GOOGLE_CLOUD_UNIVERSE_DOMAIN", NULL };
	const char	*v;
	char		*path;
	int		 r, explicit = 1;

	ctx->verbosity = cli->quiet ? -1 : cli->verbose;
	ctx->cli = cli;
	if (cli->profile != NULL)
		setting_set(&ctx->profile, cli->profile, "--profile");
	else if ((v = file_getenv("VTOKEN_PROFILE")) != NULL)
		setting_set(&ctx->profile, v, "VTOKEN_PROFILE");
	else {
		setting_set(&ctx->profile, "default", "default");
		explicit = 0;
	}
	path = config_path();
	r = config_load(path, ctx->profile.value, explicit, &ctx->config);
	free(path);
	if (r != 0)
		return r;

	options_pick(ctx, &ctx->project, "project", cli->project, "--project",
	    project_env, "project", NULL);
	options_pick(ctx, &ctx->location, NULL, cli->location, "--location",
	    location_env, "location", VT_DEFAULT_LOCATION);
	options_pick(ctx, &ctx->endpoint, NULL, cli->endpoint, "--endpoint",
	    NULL, "endpoint", VT_DEFAULT_ENDPOINT);
	options_pick(ctx, &ctx->api_version, NULL, cli->api_version,
	    "--api-version", NULL, "api_version", VT_DEFAULT_API_VERSION);
	options_pick(ctx, &ctx->base_url, NULL, cli->base_url, "--base-url",
	    NULL, "base_url", NULL);
	options_pick(ctx, &ctx->credentials, NULL, cli->credentials,
	    "--credentials", NULL, "credentials", NULL);
	options_pick(ctx, &ctx->api_key_file, NULL, cli->api_key_file,
	    "--api-key-file", NULL, "api_key_file", NULL);
	options_pick(ctx, &ctx->backend, NULL, cli->backend,
	    cli->backend != NULL && strcmp(cli->backend, "vertex") == 0 ?
	    "--vertex" : "--gemini", NULL, "backend", NULL);
	options_pick(ctx, &ctx->scopes, NULL, cli->scopes, "--scopes", NULL,
	    "scopes", VT_SCOPE_CLOUD_PLATFORM);
	options_pick(ctx, &ctx->timeout, NULL, cli->timeout, "--timeout",
	    NULL, "timeout", "30s");
	options_pick(ctx, &ctx->cache, NULL, cli->cache, "--cache",
	    cache_env, "cache", "auto");
	/* env and exec export a value that outlives the call. */
	options_pick(ctx, &ctx->min_ttl, NULL, cli->min_ttl, "--min-ttl",
	    NULL, "min_ttl", cli->cmd != NULL && cli->cmd->min_ttl != NULL ?
	    cli->cmd->min_ttl : "5m");
	ctx->no_cache = cli->no_cache;
	options_pick(ctx, &ctx->impersonate, NULL, cli->impersonate,
	    "--impersonate-service-account", NULL, "impersonate", NULL);
	options_pick(ctx, &ctx->lifetime, NULL, cli->lifetime, "--lifetime",
	    NULL, "lifetime", NULL);
	options_pick(ctx, &ctx->universe_domain, NULL, NULL,
	    "--universe-domain", universe_env, "universe_domain", NULL);
	if ((r = options_check(ctx)) != 0)
		return r;
	ctx->deadline = vt_now_mono() + ctx->timeout_sec;
	return 0;
}
