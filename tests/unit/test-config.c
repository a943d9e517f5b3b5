/*
 * test-config.c: the configuration file (path, profiles, permissions,
 * parse errors with line numbers, values) and what vtoken reads of
 * gcloud's files.  Every test works in its own directory under /tmp.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtoken.h"
#include "conf.h"
#include "gcloud.h"
#include "log.h"
#include "xmalloc.h"

static char	*tmpdir;	/* this test's directory */
static int	 saved_stderr = -1;
static char	*capture_path;

/* nftw callback: remove one entry, children first. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* A fresh directory and a clean environment for each test. */
static int
setup(void **state)
{
	char	tmpl[] = "/tmp/vt-test-config-XXXXXX";

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	tmpdir = xstrdup(tmpl);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("CLOUDSDK_CONFIG");
	unsetenv("CLOUDSDK_ACTIVE_CONFIG_NAME");
	setenv("HOME", tmpdir, 1);
	vt_err_clear();
	return 0;
}

/* Remove the test's directory, whatever the test left in it. */
static int
teardown(void **state)
{
	(void)state;
	if (tmpdir != NULL)
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	tmpdir = NULL;
	vt_err_clear();
	return 0;
}

/* mkdir -p for the parents of path (inside tmpdir). */
static void
make_parents(const char *path)
{
	char	*p, *slash;

	p = xstrdup(path);
	for (slash = strchr(p + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			fail_msg("mkdir %s: %s", p, strerror(errno));
		*slash = '/';
	}
	free(p);
}

/* Write len bytes to tmpdir/name with mode; returns the path (free it). */
static char *
write_bytes(const char *name, const char *data, size_t len, mode_t mode)
{
	char	*path;
	int	 fd;

	path = xasprintf("%s/%s", tmpdir, name);
	make_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		fail_msg("open %s: %s", path, strerror(errno));
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		fail_msg("write %s", path);
	close(fd);
	/* chmod, not the umask-filtered open mode. */
	if (chmod(path, mode) == -1)
		fail_msg("chmod %s", path);
	return path;
}

/* Write a string to tmpdir/name, mode 0600. */
static char *
write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text), 0600);
}

/* Send stderr to a file until capture_end(). */
static void
capture_start(void)
{
	int	fd;

	capture_path = xasprintf("%s/stderr", tmpdir);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Restore stderr; returns what was written (free it). */
static char *
capture_end(void)
{
	char	 buf[4096];
	ssize_t	 n;
	int	 fd;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	fd = open(capture_path, O_RDONLY);
	assert_true(fd != -1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	free(capture_path);
	capture_path = NULL;
	buf[n > 0 ? n : 0] = '\0';
	return xstrdup(buf);
}

/* Assert that the recorded error message contains needle. */
static void
assert_errmsg_has(const char *needle)
{
	const char	*msg = vt_errmsg();

	assert_non_null(msg);
	if (strstr(msg, needle) == NULL)
		fail_msg("error message \"%s\" lacks \"%s\"", msg, needle);
}

/* Load and expect VT_ERR_CONFIG with the path and needle in the message. */
static void
expect_load_error(const char *path, const char *profile, int explicit,
    const char *needle)
{
	struct config	*cfg = (struct config *)1;

	vt_err_clear();
	assert_int_equal(config_load(path, profile, explicit, &cfg),
	    VT_ERR_CONFIG);
	assert_null(cfg);
	assert_errmsg_has(path);
	assert_errmsg_has(needle);
}

/* $XDG_CONFIG_HOME, used only when set, not empty and absolute. */
static void
test_path(void **state)
{
	struct passwd	*pw;
	char		*p, *want;

	(void)state;
	setenv("XDG_CONFIG_HOME", "/xdg/conf", 1);
	setenv("HOME", "/home/someone", 1);
	p = config_path();
	assert_string_equal(p, "/xdg/conf/vtoken/config");
	free(p);

	setenv("XDG_CONFIG_HOME", "", 1);
	p = config_path();
	assert_string_equal(p, "/home/someone/.config/vtoken/config");
	free(p);

	setenv("XDG_CONFIG_HOME", "relative/conf", 1);
	p = config_path();
	assert_string_equal(p, "/home/someone/.config/vtoken/config");
	free(p);

	unsetenv("XDG_CONFIG_HOME");
	p = config_path();
	assert_string_equal(p, "/home/someone/.config/vtoken/config");
	free(p);

	/* No HOME (or an empty one): the passwd entry. */
	pw = getpwuid(getuid());
	assert_non_null(pw);
	want = xasprintf("%s/.config/vtoken/config", pw->pw_dir);
	unsetenv("HOME");
	p = config_path();
	assert_string_equal(p, want);
	free(p);
	setenv("HOME", "", 1);
	p = config_path();
	assert_string_equal(p, want);
	free(p);
	free(want);
}

/* Two profiles; each load sees only its own group's values. */
static void
test_profiles(void **state)
{
	struct config	*cfg = NULL;
	char		*path;

	(void)state;
	path = write_file("config",
	    "# vtoken profiles\n"
	    "[default]\n"
	    "project = my-project\n"
	    "location=us-central1\n"
	    "\n"
	    "[prod]\n"
	    "project=prod-project\n"
	    "timeout = 2m\n"
	    "credentials = /etc/vtoken/sa.json\n");

	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_non_null(cfg);
	assert_string_equal(config_get(cfg, "project"), "my-project");
	assert_string_equal(config_get(cfg, "location"), "us-central1");
	assert_null(config_get(cfg, "timeout"));
	assert_null(config_get(cfg, "credentials"));
	assert_string_equal(config_profile(cfg), "default");
	assert_string_equal(config_file(cfg), path);
	config_free(cfg);

	assert_int_equal(config_load(path, "prod", 1, &cfg), 0);
	assert_non_null(cfg);
	assert_string_equal(config_get(cfg, "project"), "prod-project");
	assert_string_equal(config_get(cfg, "timeout"), "2m");
	assert_string_equal(config_get(cfg, "credentials"),
	    "/etc/vtoken/sa.json");
	assert_null(config_get(cfg, "location"));
	assert_string_equal(config_profile(cfg), "prod");
	config_free(cfg);

	/* NULL is no configuration at all. */
	assert_null(config_get(NULL, "project"));
	assert_null(config_get_list(NULL, "git_hosts"));
	assert_null(config_profile(NULL));
	assert_null(config_file(NULL));
	config_free(NULL);
	free(path);
}

/* A named profile must exist; the default one need not. */
static void
test_missing_profile(void **state)
{
	struct config	*cfg = NULL;
	char		*path;

	(void)state;
	path = write_file("config", "[prod]\nproject=prod-project\n");

	expect_load_error(path, "staging", 1, "profile 'staging' not found");
	assert_errmsg_has("prod");	/* lists the profiles there */
	expect_load_error(path, "default", 1, "profile 'default' not found");

	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_non_null(cfg);
	assert_null(config_get(cfg, "project"));
	assert_null(config_get_list(cfg, "project"));
	assert_string_equal(config_profile(cfg), "default");
	config_free(cfg);
	free(path);
}

/* No file: nothing to do, unless a profile was named. */
static void
test_missing_file(void **state)
{
	struct config	*cfg = (struct config *)1;
	char		*path;

	(void)state;
	path = xasprintf("%s/no/such/config", tmpdir);
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_null(cfg);
	expect_load_error(path, "prod", 1, "profile 'prod' not found");
	assert_errmsg_has("does not exist");
	free(path);

	/* A path through a regular file (ENOTDIR) is missing too. */
	path = write_file("plain", "");
	free(path);
	path = xasprintf("%s/plain/config", tmpdir);
	cfg = (struct config *)1;
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_null(cfg);
	free(path);
}

/* Write text as the config and expect a parse error at line. */
static void
expect_bad_line(const char *text, size_t line)
{
	char	*path, *needle;

	path = write_file("config", text);
	needle = xasprintf("' line %zu: ", line);
	expect_load_error(path, "default", 0, needle);
	free(needle);
	free(path);
}

/* Parse errors name the file and the line, wherever the line is. */
static void
test_malformed(void **state)
{
	(void)state;
	expect_bad_line("garbage\n[default]\nproject=my-project\n", 1);
	expect_bad_line("# comment\n\n[default]\nproject=my-project\n"
	    "not a pair\nlocation=us\n", 5);
	expect_bad_line("[default]\nproject=my-project\nlocation=us\n"
	    "[prod", 4);
	expect_bad_line("[default]\nproject=my-project\nlocation=us\n"
	    "oops", 4);
	/* A key before any group. */
	expect_bad_line("# comment\n\nproject=my-project\n[default]\n", 3);
	/* configparser habits GKeyFile refuses. */
	expect_bad_line("[default]\nproject: my-project\n", 2);
	expect_bad_line("[default]\n; comment\n", 2);
	/* CRLF line ends still count lines by LF. */
	expect_bad_line("[default]\r\nproject=x\r\n\r\nbad\r\n", 4);
	/* The message says what is wrong, never what the line holds. */
	expect_bad_line("[default]\napi_key AIzaSyExampleKey\n", 2);
	assert_errmsg_has("not a [profile] line, a key = value pair");
	assert_null(strstr(vt_errmsg(), "AIza"));
	expect_bad_line("\nproject=my-project\n[default]\n", 2);
	assert_errmsg_has("a key before the first [profile] line");
}

/* Invalid UTF-8 and NUL bytes are refused with their line. */
static void
test_bad_text(void **state)
{
	static const char nul[] = "[default]\nproject=my\0project\n";
	char	*path;

	(void)state;
	path = write_file("config", "[default]\nproject=my-project\n"
	    "location=\xff\xfe\n");
	expect_load_error(path, "default", 0, "line 3");
	assert_errmsg_has("UTF-8");
	free(path);

	/* Also in a profile that is not selected, and in a group name. */
	path = write_file("config", "[default]\n[pr\xc3od]\n");
	expect_load_error(path, "default", 0, "line 2");
	free(path);

	path = write_bytes("config", nul, sizeof nul - 1, 0600);
	expect_load_error(path, "default", 0, "line 2");
	assert_errmsg_has("NUL");
	free(path);
}

/* Group- or world-writable files are refused; readable ones are fine. */
static void
test_permissions(void **state)
{
	static const char text[] = "[default]\nproject=my-project\n";
	struct config	*cfg = NULL;
	char		*path;

	(void)state;
	path = write_bytes("config", text, sizeof text - 1, 0664);
	expect_load_error(path, "default", 0, "writable by group or others");
	assert_errmsg_has("chmod go-w");
	free(path);

	path = write_bytes("config", text, sizeof text - 1, 0646);
	expect_load_error(path, "default", 0, "chmod go-w");
	free(path);

	path = write_bytes("config", text, sizeof text - 1, 0644);
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_string_equal(config_get(cfg, "project"), "my-project");
	config_free(cfg);
	free(path);

	path = write_bytes("config", text, sizeof text - 1, 0400);
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	config_free(cfg);
	free(path);
}

/* A file owned by another user is refused (needs root to set up). */
static void
test_owner(void **state)
{
	static const char text[] = "[default]\nproject=my-project\n";
	char	*path;

	(void)state;
	if (getuid() != 0)
		skip();
	path = write_bytes("config", text, sizeof text - 1, 0644);
	assert_int_equal(chown(path, 65534, 65534), 0);
	expect_load_error(path, "default", 0, "owned by uid 65534");
	free(path);
}

/* Directories and FIFOs are refused, and a FIFO does not hang us. */
static void
test_not_regular(void **state)
{
	char	*path;

	(void)state;
	path = xasprintf("%s/config", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	expect_load_error(path, "default", 0, "not a regular file");
	assert_int_equal(rmdir(path), 0);

	assert_int_equal(mkfifo(path, 0600), 0);
	expect_load_error(path, "default", 0, "not a regular file");
	free(path);
}

/*
 * Symlinks are followed (dotfile managers link config files into place);
 * the checks apply to the file reached, so a link does not get a
 * group-writable file past them, and a dangling link is a missing file.
 */
static void
test_symlink(void **state)
{
	static const char text[] = "[default]\nproject=my-project\n";
	struct config	*cfg = NULL;
	char		*target, *link;

	(void)state;
	target = write_bytes("dotfiles/vtoken", text, sizeof text - 1, 0644);
	link = xasprintf("%s/config", tmpdir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(config_load(link, "default", 0, &cfg), 0);
	assert_string_equal(config_get(cfg, "project"), "my-project");
	config_free(cfg);

	assert_int_equal(chmod(target, 0666), 0);
	expect_load_error(link, "default", 0, "chmod go-w");

	assert_int_equal(unlink(target), 0);
	cfg = (struct config *)1;
	assert_int_equal(config_load(link, "default", 0, &cfg), 0);
	assert_null(cfg);
	free(link);
	free(target);
}

/* Escapes are decoded; a bad one is an error naming profile and key. */
static void
test_escapes(void **state)
{
	struct config	*cfg = NULL;
	char		*path;

	(void)state;
	path = write_file("config", "[default]\ngit_username=a\\sb\\\\c\n");
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_string_equal(config_get(cfg, "git_username"), "a b\\c");
	config_free(cfg);
	free(path);

	path = write_file("config", "[default]\nproject=my\\qproject\n");
	expect_load_error(path, "default", 0,
	    "profile 'default' key 'project': invalid escape");
	free(path);

	path = write_file("config", "[default]\nproject=my-project\\\n");
	expect_load_error(path, "default", 0, "key 'project'");
	free(path);

	/* A decoded newline would forge a git credential line. */
	path = write_file("config",
	    "[default]\ngit_username=me\\npassword=x\n");
	expect_load_error(path, "default", 0, "control character");
	free(path);

	/* Only the selected profile's values are checked. */
	path = write_file("config", "[default]\nproject=my-project\n"
	    "[other]\nproject=bad\\q\n");
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	config_free(cfg);
	free(path);
}

/* An unknown key is a warning on stderr, not an error. */
static void
test_unknown_key(void **state)
{
	struct config	*cfg = NULL;
	char		*path, *err;

	(void)state;
	path = write_file("config", "[default]\nproject=my-project\n"
	    "frobnicate=1\n[other]\nwidget=2\n");
	capture_start();
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	err = capture_end();
	assert_non_null(strstr(err, "warning: '"));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err,
	    "unknown key 'frobnicate' in profile 'default'"));
	assert_null(strstr(err, "widget"));
	assert_string_equal(config_get(cfg, "project"), "my-project");
	assert_null(config_get(cfg, "frobnicate"));
	free(err);
	config_free(cfg);
	free(path);
}

/* Repeated groups merge and a repeated key's last value wins. */
static void
test_duplicates(void **state)
{
	struct config	*cfg = NULL;
	char		*path;

	(void)state;
	path = write_file("config", "[default]\nproject=first-project\n"
	    "project=second-project\n[prod]\n[default]\nlocation=us\n"
	    "project=third-project\n");
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);
	assert_string_equal(config_get(cfg, "project"), "third-project");
	assert_string_equal(config_get(cfg, "location"), "us");
	config_free(cfg);
	free(path);
}

/* List values split on ';' (GKeyFile lists). */
static void
test_lists(void **state)
{
	struct config	 *cfg = NULL;
	char		 *path, **v;

	(void)state;
	path = write_file("config", "[default]\ngit_hosts=a;b;c\n"
	    "scopes=cloud-platform\ngit_username=\n");
	assert_int_equal(config_load(path, "default", 0, &cfg), 0);

	v = config_get_list(cfg, "git_hosts");
	assert_non_null(v);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	assert_null(v[3]);
	xstrv_free(v);
	assert_string_equal(config_get(cfg, "git_hosts"), "a;b;c");

	v = config_get_list(cfg, "scopes");
	assert_non_null(v);
	assert_string_equal(v[0], "cloud-platform");
	assert_null(v[1]);
	xstrv_free(v);

	/* Present but empty: an empty list, not "absent". */
	v = config_get_list(cfg, "git_username");
	assert_non_null(v);
	assert_null(v[0]);
	xstrv_free(v);
	assert_string_equal(config_get(cfg, "git_username"), "");

	assert_null(config_get_list(cfg, "impersonate"));
	xstrv_free(NULL);
	config_free(cfg);
	free(path);
}

/* An escaped ';' is valid in a list but not in a string: refused. */
static void
test_list_escape(void **state)
{
	char	*path;

	(void)state;
	path = write_file("config", "[default]\ngit_hosts=a\\;b;c\n");
	expect_load_error(path, "default", 0, "key 'git_hosts'");
	free(path);
}

/* Files over VT_FILE_MAX are refused before parsing. */
static void
test_too_large(void **state)
{
	char	*data, *path;
	size_t	 len = VT_FILE_MAX + 1;

	(void)state;
	data = xmalloc(len);
	memset(data, '#', len);
	data[0] = '\n';
	path = write_bytes("config", data, len, 0600);
	expect_load_error(path, "default", 0, "too large");
	free(path);
	free(data);
}

/* Where gcloud keeps its files: CLOUDSDK_CONFIG, else ~/.config/gcloud. */
static void
test_gcloud_dir(void **state)
{
	char	*p, *want;

	(void)state;
	setenv("CLOUDSDK_CONFIG", "/opt/gcloud-conf", 1);
	p = gcloud_config_dir();
	assert_string_equal(p, "/opt/gcloud-conf");
	free(p);
	p = gcloud_adc_path();
	assert_string_equal(p,
	    "/opt/gcloud-conf/application_default_credentials.json");
	free(p);

	setenv("CLOUDSDK_CONFIG", "", 1);
	p = gcloud_config_dir();
	want = xasprintf("%s/.config/gcloud", tmpdir);
	assert_string_equal(p, want);
	free(want);
	free(p);
	p = gcloud_adc_path();
	want = xasprintf("%s/.config/gcloud/"
	    "application_default_credentials.json", tmpdir);
	assert_string_equal(p, want);
	free(want);
	free(p);
}

/* Expect gcloud_project to find project from configuration name. */
static void
expect_gcloud(const char *project, const char *name)
{
	char	*p = (char *)1, *o = (char *)1, *want;

	assert_int_equal(gcloud_project(&p, &o), 1);
	assert_string_equal(p, project);
	want = xasprintf("gcloud configuration '%s'", name);
	assert_string_equal(o, want);
	free(want);
	free(p);
	free(o);
}

/* Expect gcloud_project to find nothing, and clear its outputs. */
static void
expect_no_gcloud(void)
{
	char	*p = (char *)1, *o = (char *)1;

	assert_int_equal(gcloud_project(&p, &o), 0);
	assert_null(p);
	assert_null(o);
}

/* The active configuration: environment, then active_config, then default. */
static void
test_gcloud_active(void **state)
{
	char	*dir;

	(void)state;
	dir = xasprintf("%s/gc", tmpdir);
	setenv("CLOUDSDK_CONFIG", dir, 1);
	free(write_file("gc/configurations/config_default",
	    "[core]\naccount = me@example.com\nproject = default-proj\n"
	    "\n[compute]\nregion = us-central1\n"));
	free(write_file("gc/configurations/config_work",
	    "[core]\nproject = work-proj   \n"));
	free(write_file("gc/configurations/config_NONE",
	    "[core]\nproject = none-proj\n"));

	/* No active_config: "default". */
	expect_gcloud("default-proj", "default");

	/* The file, trimmed; an empty one counts as missing. */
	free(write_file("gc/active_config", "  work \n"));
	expect_gcloud("work-proj", "work");
	free(write_file("gc/active_config", ""));
	expect_gcloud("default-proj", "default");
	free(write_file("gc/active_config", " \n"));
	expect_gcloud("default-proj", "default");

	/* The environment wins over the file. */
	free(write_file("gc/active_config", "work"));
	setenv("CLOUDSDK_ACTIVE_CONFIG_NAME", "default", 1);
	expect_gcloud("default-proj", "default");
	setenv("CLOUDSDK_ACTIVE_CONFIG_NAME", "", 1);
	expect_gcloud("work-proj", "work");

	/* NONE: no configuration file, even when one exists. */
	setenv("CLOUDSDK_ACTIVE_CONFIG_NAME", "NONE", 1);
	expect_no_gcloud();
	unsetenv("CLOUDSDK_ACTIVE_CONFIG_NAME");
	free(write_file("gc/active_config", "NONE\n"));
	expect_no_gcloud();

	/* Names gcloud would not accept. */
	setenv("CLOUDSDK_ACTIVE_CONFIG_NAME", "../configurations/config_work",
	    1);
	expect_no_gcloud();
	setenv("CLOUDSDK_ACTIVE_CONFIG_NAME", "Work", 1);
	expect_no_gcloud();
	unsetenv("CLOUDSDK_ACTIVE_CONFIG_NAME");
	free(write_file("gc/active_config", "my_config\n"));
	expect_no_gcloud();
	free(write_file("gc/active_config", "1work\n"));
	expect_no_gcloud();
	free(write_bytes("gc/active_config", "wo\0rk", 5, 0600));
	expect_no_gcloud();

	/* A named configuration without a file. */
	free(write_file("gc/active_config", "missing\n"));
	expect_no_gcloud();
	free(dir);
}

/* Files without a usable [core] project give no answer, never an error. */
static void
test_gcloud_files(void **state)
{
	char	*dir, *path;

	(void)state;
	dir = xasprintf("%s/gc", tmpdir);
	setenv("CLOUDSDK_CONFIG", dir, 1);

	free(write_file("gc/configurations/config_default",
	    "[compute]\nregion = us-central1\n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default",
	    "[core]\naccount = me@example.com\n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default",
	    "[core]\nproject =   \n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default",
	    "[core]\nproject =\n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default",
	    "project = loose\n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default",
	    "[core\nproject = x\n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default",
	    "[core]\nproject: colon-proj\n"));
	expect_no_gcloud();
	free(write_file("gc/configurations/config_default", ""));
	expect_no_gcloud();

	/* A project under another section does not count. */
	free(write_file("gc/configurations/config_default",
	    "[compute]\nproject = wrong-proj\n[core]\nproject = core-proj\n"));
	expect_gcloud("core-proj", "default");

	/* A directory where the file should be. */
	path = xasprintf("%s/configurations/config_default", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	expect_no_gcloud();
	free(path);
	free(dir);
}

/* With no CLOUDSDK_CONFIG, gcloud's files are under $HOME/.config. */
static void
test_gcloud_home(void **state)
{
	(void)state;
	expect_no_gcloud();
	free(write_file(".config/gcloud/configurations/config_default",
	    "[core]\nproject = home-proj\n"));
	expect_gcloud("home-proj", "default");
	setenv("CLOUDSDK_CONFIG", "", 1);
	expect_gcloud("home-proj", "default");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_profile, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_escape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gcloud_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gcloud_active, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gcloud_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gcloud_home, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
