/*
 * test-options.c: the command line, durations, scopes and the precedence
 * of settings (command line, environment, profile, default).
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtoken.h"
#include "cmd.h"
#include "log.h"
#include "options.h"
#include "settings.h"

static char	tmpdir[] = "/tmp/vt-test-options-XXXXXX";

/* Parse a NULL-terminated word list as argv. */
static int
parse(struct cli *cli, struct cmd_args *args, ...)
{
	static char	*argv[32];
	va_list		 ap;
	int		 argc = 0;

	argv[argc++] = (char *)"vtoken";
	va_start(ap, args);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return options_parse(argc, argv, cli, args);
}

static void
test_parse_global_before_and_after(void **state)
{
	struct cli	 cli;
	struct cmd_args	 args;

	(void)state;
	assert_int_equal(parse(&cli, &args, "--project", "p-123456", "token",
	    "--location", "global", "-vv", NULL), 0);
	assert_ptr_equal(cli.cmd, &cmd_token_entry);
	assert_string_equal(cli_value(&cli, "project"), "p-123456");
	assert_string_equal(cli_value(&cli, "location"), "global");
	assert_int_equal(cli.verbose, 2);
	assert_int_equal(parse(&cli, &args, "env", "--shell=fish", "--unset",
	    "--key-var", "K", NULL), 0);
	assert_string_equal(args.shell, "fish");
	assert_int_equal(args.unset, 1);
	assert_string_equal(args.key_var, "K");
}

static void
test_parse_errors(void **state)
{
	struct cli	 cli;
	struct cmd_args	 args;

	(void)state;
	assert_int_equal(parse(&cli, &args, "token", "--bogus", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "unknown option '--bogus'"));
	assert_int_equal(parse(&cli, &args, "-x", "token", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "'-x'"));
	assert_int_equal(parse(&cli, &args, "token", "--project", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "needs a value"));
	/* No abbreviated long options. */
	assert_int_equal(parse(&cli, &args, "token", "--proj", "x", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "unknown option '--proj'"));
	assert_int_equal(parse(&cli, &args, "token", "--proj=x", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "unknown option '--proj'"));
	/* A value that looks like an option is still a value. */
	assert_int_equal(parse(&cli, &args, "token", "--scopes", "--x", NULL),
	    0);
	assert_string_equal(cli_value(&cli, "scopes"), "--x");
	assert_int_equal(parse(&cli, &args, "frobnicate", NULL), VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "unknown command 'frobnicate'"));
	/* No prefix matching: "tok" is not "token". */
	assert_int_equal(parse(&cli, &args, "tok", NULL), VT_ERR_USAGE);
	assert_int_equal(parse(&cli, &args, "header", "--json", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "not an option of 'header'"));
	assert_int_equal(parse(&cli, &args, "token", "extra", NULL),
	    VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "unexpected argument 'extra'"));
	assert_int_equal(parse(&cli, &args, "--json", NULL), VT_ERR_USAGE);
	/* --help wins over argument checks. */
	assert_int_equal(parse(&cli, &args, "token", "--help", NULL), 0);
	assert_int_equal(cli.help, 1);
	assert_int_equal(parse(&cli, &args, "help", "token", NULL), 0);
	assert_int_equal(args.argc, 1);
}

static void
test_duration(void **state)
{
	static const struct {
		const char	*in;
		int		 ok;
		long		 secs;
	} cases[] = {
		{ "30", 1, 30 }, { "30s", 1, 30 }, { "5m", 1, 300 },
		{ "2h", 1, 7200 }, { "0", 1, 0 }, { "", 0, 0 }, { "s", 0, 0 },
		{ "-5", 0, 0 }, { "+5", 0, 0 }, { " 5", 0, 0 }, { "5 ", 0, 0 },
		{ "5d", 0, 0 }, { "5ms", 0, 0 }, { "1.5m", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "5S", 0, 0 },
	};
	size_t	i;
	long	v;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		v = -1;
		assert_int_equal(settings_parse_duration(cases[i].in, &v) == 0,
		    cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(v, cases[i].secs);
	}
	assert_int_equal(settings_parse_duration(NULL, &v), -1);
}

static void
free_strv(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
test_scopes(void **state)
{
	char	**v;

	(void)state;
	v = settings_parse_scopes("cloud-platform");
	assert_non_null(v);
	assert_string_equal(v[0], VT_SCOPE_CLOUD_PLATFORM);
	assert_null(v[1]);
	free_strv(v);
	v = settings_parse_scopes(" https://a.example/x, userinfo.email  "
	    "https://a.example/x,;,");
	assert_non_null(v);
	assert_string_equal(v[0], "https://a.example/x");
	assert_string_equal(v[1],
	    "https://www.googleapis.com/auth/userinfo.email");
	assert_null(v[2]);
	free_strv(v);
	assert_null(settings_parse_scopes(""));
	assert_null(settings_parse_scopes(" , "));
	assert_null(settings_parse_scopes("a\"b"));
	assert_null(settings_parse_scopes("a\\b"));
	assert_null(settings_parse_scopes("a\nb"));
	assert_null(settings_parse_scopes("caf\xc3\xa9"));
}

/* Write the config file of the test's XDG_CONFIG_HOME. */
static void
write_config(const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof path, "%s/vtoken", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/vtoken/config", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

/* Resolve settings for a command line in a fresh context. */
static int
resolve(struct vt_ctx *ctx, ...)
{
	static char	*argv[32];
	struct cli	 cli;
	struct cmd_args	 args;
	va_list		 ap;
	int		 argc = 0, r;

	memset(ctx, 0, sizeof *ctx);
	argv[argc++] = (char *)"vtoken";
	va_start(ap, ctx);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	if ((r = options_parse(argc, argv, &cli, &args)) != 0)
		return r;
	return options_resolve(ctx, &cli);
}

static int
setup_env(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	unsetenv("GOOGLE_CLOUD_PROJECT");
	unsetenv("GCLOUD_PROJECT");
	unsetenv("CLOUDSDK_CORE_PROJECT");
	unsetenv("GOOGLE_CLOUD_LOCATION");
	unsetenv("VTOKEN_PROFILE");
	write_config("[default]\nproject=profile-proj\nlocation=europe-west4\n"
	    "timeout=5m\n\n[prod]\nproject=prod-project\nendpoint=1234\n"
	    "\n[bad]\ntimeout=soon\n");
	return 0;
}

static void
test_precedence(void **state)
{
	struct vt_ctx	ctx;

	(void)state;
	/* Profile beats the default. */
	assert_int_equal(resolve(&ctx, "token", NULL), 0);
	assert_string_equal(ctx.project.value, "profile-proj");
	assert_string_equal(ctx.project.origin, "profile 'default'");
	assert_string_equal(ctx.location.value, "europe-west4");
	assert_string_equal(ctx.endpoint.value, "openapi");
	assert_string_equal(ctx.endpoint.origin, "default");
	assert_int_equal(ctx.timeout_sec, 300);
	assert_string_equal(ctx.scope_list[0], VT_SCOPE_CLOUD_PLATFORM);
	ctx_release(&ctx);
	/* The environment beats the profile, in the documented order. */
	setenv("CLOUDSDK_CORE_PROJECT", "core-project", 1);
	setenv("GCLOUD_PROJECT", "gcloud-project", 1);
	assert_int_equal(resolve(&ctx, "token", NULL), 0);
	assert_string_equal(ctx.project.value, "gcloud-project");
	ctx_release(&ctx);
	setenv("GOOGLE_CLOUD_PROJECT", "google-project", 1);
	setenv("GOOGLE_CLOUD_LOCATION", "asia-east1", 1);
	assert_int_equal(resolve(&ctx, "token", NULL), 0);
	assert_string_equal(ctx.project.value, "google-project");
	assert_string_equal(ctx.project.origin, "GOOGLE_CLOUD_PROJECT");
	assert_string_equal(ctx.location.value, "asia-east1");
	ctx_release(&ctx);
	/* An empty variable counts as unset. */
	setenv("GOOGLE_CLOUD_PROJECT", "", 1);
	assert_int_equal(resolve(&ctx, "token", NULL), 0);
	assert_string_equal(ctx.project.value, "gcloud-project");
	ctx_release(&ctx);
	/* The command line beats everything. */
	assert_int_equal(resolve(&ctx, "token", "--project", "cli-project",
	    "--location", "global", NULL), 0);
	assert_string_equal(ctx.project.value, "cli-project");
	assert_string_equal(ctx.project.origin, "--project");
	assert_string_equal(ctx.location.value, "global");
	ctx_release(&ctx);
	/* Another profile, by option and by environment. */
	unsetenv("GCLOUD_PROJECT");
	unsetenv("CLOUDSDK_CORE_PROJECT");
	assert_int_equal(resolve(&ctx, "--profile", "prod", "token", NULL), 0);
	assert_string_equal(ctx.project.value, "prod-project");
	assert_string_equal(ctx.endpoint.value, "1234");
	ctx_release(&ctx);
	setenv("VTOKEN_PROFILE", "prod", 1);
	assert_int_equal(resolve(&ctx, "token", NULL), 0);
	assert_string_equal(ctx.project.value, "prod-project");
	assert_string_equal(ctx.profile.origin, "VTOKEN_PROFILE");
	ctx_release(&ctx);
	unsetenv("VTOKEN_PROFILE");
	unsetenv("GOOGLE_CLOUD_LOCATION");
	unsetenv("GOOGLE_CLOUD_PROJECT");
}

static void
test_bad_values(void **state)
{
	struct vt_ctx	ctx;

	(void)state;
	/* From the command line: usage (2). */
	assert_int_equal(resolve(&ctx, "token", "--timeout", "soon", NULL),
	    VT_ERR_USAGE);
	ctx_release(&ctx);
	assert_int_equal(resolve(&ctx, "token", "--project", "Bad_Project",
	    NULL), VT_ERR_USAGE);
	assert_non_null(strstr(vt_errmsg(), "invalid project ID"));
	ctx_release(&ctx);
	assert_int_equal(resolve(&ctx, "token", "--location", "us/../x",
	    NULL), VT_ERR_USAGE);
	ctx_release(&ctx);
	assert_int_equal(resolve(&ctx, "token", "--api-version", "v2", NULL),
	    VT_ERR_USAGE);
	ctx_release(&ctx);
	assert_int_equal(resolve(&ctx, "token", "--base-url",
	    "http://example.com/v1", NULL), VT_ERR_USAGE);
	ctx_release(&ctx);
	assert_int_equal(resolve(&ctx, "token", "--timeout", "0", NULL),
	    VT_ERR_USAGE);
	ctx_release(&ctx);
	/* From the environment or a profile: configuration (3). */
	setenv("GOOGLE_CLOUD_PROJECT", "x;rm -rf", 1);
	assert_int_equal(resolve(&ctx, "token", NULL), VT_ERR_CONFIG);
	assert_non_null(strstr(vt_errmsg(), "GOOGLE_CLOUD_PROJECT"));
	ctx_release(&ctx);
	unsetenv("GOOGLE_CLOUD_PROJECT");
	assert_int_equal(resolve(&ctx, "--profile", "bad", "token", NULL),
	    VT_ERR_CONFIG);
	assert_non_null(strstr(vt_errmsg(), "profile 'bad'"));
	ctx_release(&ctx);
	/* A profile named but absent. */
	assert_int_equal(resolve(&ctx, "--profile", "nope", "token", NULL),
	    VT_ERR_CONFIG);
	ctx_release(&ctx);
}

static void
test_project_trace(void **state)
{
	struct vt_ctx	ctx;
	size_t		i, chosen = 0;

	(void)state;
	setenv("GCLOUD_PROJECT", "gcloud-project", 1);
	assert_int_equal(resolve(&ctx, "status", NULL), 0);
	for (i = 0; i < ctx.ntrace; i++) {
		if (strcmp(ctx.trace[i].what, "project") != 0)
			continue;
		if (ctx.trace[i].result == TRACE_CHOSEN) {
			chosen++;
			assert_string_equal(ctx.trace[i].step,
			    "GCLOUD_PROJECT");
		}
	}
	assert_int_equal(chosen, 1);
	ctx_release(&ctx);
	unsetenv("GCLOUD_PROJECT");
}

static int
teardown_env(void **state)
{
	char	path[256];

	(void)state;
	snprintf(path, sizeof path, "%s/vtoken/config", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/vtoken", tmpdir);
	rmdir(path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_global_before_and_after),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test_setup_teardown(test_precedence, setup_env,
		    teardown_env),
		cmocka_unit_test_setup_teardown(test_bad_values, setup_env,
		    teardown_env),
		cmocka_unit_test_setup_teardown(test_project_trace, setup_env,
		    teardown_env),
	};
	int	r;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	log_init(-1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	vt_err_clear();
	return r;
}
