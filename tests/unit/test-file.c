/*
 * test-file.c: file.c's primitives: file_read_fd(), the size-capped read
 * of an open file; the environment's paths; file_check(); private
 * directories; atomic replacement; lock files.
 *
 * Every test works in its own directory under /tmp.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"

/* The cap most tests read with. */
#define TEST_MAX	4096

/* A temporary directory for one test. */
struct tmp {
	char	dir[64];	/* short: paths on it never truncate */
};

/* A fresh directory for each test. */
static int
setup_tmp(void **state)
{
	struct tmp	*t;

	t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(t->dir, sizeof t->dir, "/tmp/vtoken-test-file.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	*state = t;
	return 0;
}

/* nftw's callback: remove one name, deepest first. */
static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove the directory and all that the test left in it. */
static int
teardown_tmp(void **state)
{
	struct tmp	*t = *state;

	assert_int_equal(nftw(t->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	free(t);
	return 0;
}

/* dir/name, in buf. */
static const char *
path_in(const struct tmp *t, const char *name, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/%s", t->dir, name);
	return buf;
}

/* The mode bits of path, or -1. */
static int
mode_of(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* How many names dir holds besides . and .. */
static int
count_names(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Write len bytes of data to dir/f and open it with flags. */
static int
open_file(const struct tmp *t, const char *data, size_t len, int flags)
{
	char	 path[PATH_MAX];
	FILE	*f;
	int	 fd;

	snprintf(path, sizeof path, "%s/f", t->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	fd = open(path, flags | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	return fd;
}

/* Read fd expecting failure with errno want; the out-params are cleared. */
static void
expect_error(int fd, size_t max, int want)
{
	char	*buf = (char *)"x";
	size_t	 len = 1, cap = 1;

	errno = 0;
	assert_int_equal(file_read_fd(fd, max, &buf, &len, &cap), -1);
	assert_int_equal(errno, want);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(cap, 0);
}

/* A small file is read whole, NUL-terminated, cap one past its size. */
static void
test_regular(void **state)
{
	static const char	 data[] = "line one\nline two\n";
	char			*buf;
	size_t			 len, cap;
	int			 fd;

	fd = open_file(*state, data, sizeof data - 1, O_RDONLY);
	assert_int_equal(file_read_fd(fd, TEST_MAX, &buf, &len, &cap), 0);
	assert_int_equal(len, sizeof data - 1);
	assert_int_equal(cap, sizeof data);
	assert_string_equal(buf, data);
	free(buf);

	/* Without cap, for a caller that frees with free(). */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(file_read_fd(fd, TEST_MAX, &buf, &len, NULL), 0);
	assert_int_equal(len, sizeof data - 1);
	assert_string_equal(buf, data);
	free(buf);
	close(fd);
}

/* An empty file gives an empty string. */
static void
test_empty(void **state)
{
	char	*buf;
	size_t	 len, cap;
	int	 fd;

	fd = open_file(*state, NULL, 0, O_RDONLY);
	assert_int_equal(file_read_fd(fd, TEST_MAX, &buf, &len, &cap), 0);
	assert_int_equal(len, 0);
	assert_int_equal(cap, 1);
	assert_string_equal(buf, "");
	free(buf);

	/* Even with a cap of zero. */
	assert_int_equal(file_read_fd(fd, 0, &buf, &len, &cap), 0);
	assert_int_equal(len, 0);
	free(buf);
	close(fd);
}

/* A file of exactly max bytes is read; one byte more is EFBIG. */
static void
test_max(void **state)
{
	char	*data, *buf;
	size_t	 len, cap;
	int	 fd;

	data = malloc(TEST_MAX + 1);
	assert_non_null(data);
	memset(data, 'a', TEST_MAX + 1);

	fd = open_file(*state, data, TEST_MAX, O_RDONLY);
	assert_int_equal(file_read_fd(fd, TEST_MAX, &buf, &len, &cap), 0);
	assert_int_equal(len, TEST_MAX);
	assert_int_equal(cap, TEST_MAX + 1);
	assert_memory_equal(buf, data, TEST_MAX);
	assert_int_equal(buf[TEST_MAX], '\0');
	free(buf);
	close(fd);

	fd = open_file(*state, data, TEST_MAX + 1, O_RDONLY);
	expect_error(fd, TEST_MAX, EFBIG);
	close(fd);
	free(data);
}

/* A directory is not a regular file. */
static void
test_directory(void **state)
{
	struct tmp	*t = *state;
	int		 fd;

	fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	expect_error(fd, TEST_MAX, EINVAL);
	close(fd);
}

/* Nor is a FIFO, and it is refused at once rather than waited on. */
static void
test_fifo(void **state)
{
	struct tmp	*t = *state;
	char		 path[PATH_MAX];
	int		 fd;

	snprintf(path, sizeof path, "%s/fifo", t->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_int_not_equal(fd, -1);
	expect_error(fd, TEST_MAX, EINVAL);
	close(fd);
}

/* The error of read() comes back as it is. */
static void
test_read_error(void **state)
{
	int	fd;

	fd = open_file(*state, "data", 4, O_WRONLY);
	expect_error(fd, TEST_MAX, EBADF);
	close(fd);
}

/*
 * A file with more content than fstat said is EAGAIN.  Linux's procfs
 * files say size 0 and have content, which stands in for a file that grew
 * between fstat and read.
 */
static void
test_grew(void **state)
{
	struct stat	st;
	int		fd;

	(void)state;
	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) == -1)
		skip();
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size != 0) {
		close(fd);
		skip();
	}
	expect_error(fd, TEST_MAX, EAGAIN);
	close(fd);
}

/* An empty variable counts as unset. */
static void
test_getenv(void **state)
{
	(void)state;
	assert_int_equal(setenv("VT_TEST_FILE_ENV", "v", 1), 0);
	assert_string_equal(file_getenv("VT_TEST_FILE_ENV"), "v");
	assert_int_equal(setenv("VT_TEST_FILE_ENV", "", 1), 0);
	assert_null(file_getenv("VT_TEST_FILE_ENV"));
	assert_int_equal(unsetenv("VT_TEST_FILE_ENV"), 0);
	assert_null(file_getenv("VT_TEST_FILE_ENV"));
}

/* Only a leading "~/" is the home directory. */
static void
test_expand_home(void **state)
{
	static const char *const cases[][2] = {
		{ "~/keys/k.json", "/home/u/keys/k.json" },
		{ "/abs/k.json", "/abs/k.json" },
		{ "rel/k.json", "rel/k.json" },
		{ "~user/k.json", "~user/k.json" },
		{ "a/~/k.json", "a/~/k.json" },
	};
	char	*p;
	size_t	 i;

	(void)state;
	assert_int_equal(setenv("HOME", "/home/u", 1), 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p = file_expand_home(cases[i][0]);
		assert_string_equal(p, cases[i][1]);
		free(p);
	}
}

/* $VAR/vtoken when absolute, else under the home, else nothing. */
static void
test_xdg_dir(void **state)
{
	char	*p;

	(void)state;
	assert_int_equal(setenv("HOME", "/home/u", 1), 0);
	assert_int_equal(setenv("VT_TEST_XDG", "/xdg/c", 1), 0);
	p = file_xdg_dir("VT_TEST_XDG", ".cache");
	assert_string_equal(p, "/xdg/c/vtoken");
	free(p);
	/* The spec: a relative path is invalid and ignored; so is "". */
	assert_int_equal(setenv("VT_TEST_XDG", "rel/c", 1), 0);
	p = file_xdg_dir("VT_TEST_XDG", ".cache");
	assert_string_equal(p, "/home/u/.cache/vtoken");
	free(p);
	assert_int_equal(setenv("VT_TEST_XDG", "", 1), 0);
	p = file_xdg_dir("VT_TEST_XDG", ".cache");
	assert_string_equal(p, "/home/u/.cache/vtoken");
	free(p);
	/* No fallback asked for (the runtime directory). */
	assert_null(file_xdg_dir("VT_TEST_XDG", NULL));
	assert_int_equal(unsetenv("VT_TEST_XDG"), 0);
}

/* Create dir/name with mode and open it read-only. */
static int
open_mode(const struct tmp *t, const char *name, mode_t mode)
{
	char	path[PATH_MAX];
	int	fd;

	path_in(t, name, path, sizeof path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_not_equal(fd, -1);
	assert_int_equal(fchmod(fd, mode), 0);
	return fd;
}

/* The one owner/type/mode rule, and what each flag changes. */
static void
test_check(void **state)
{
	struct tmp	*t = *state;
	struct stat	 st;
	char		 buf[64];
	int		 fd, dfd;

	fd = open_mode(t, "f", 0600);
	assert_int_equal(file_check(fd, FILE_PRIVATE, &st), FILE_OK);
	assert_true(S_ISREG(st.st_mode));
	assert_null(file_untrusted(fd, FILE_PRIVATE, buf, sizeof buf));

	/* Readable by others: fine unless it must be private. */
	assert_int_equal(fchmod(fd, 0644), 0);
	assert_int_equal(file_check(fd, 0, NULL), FILE_OK);
	assert_int_equal(file_check(fd, FILE_PRIVATE, NULL), FILE_BAD_SHARED);
	assert_string_equal(file_untrusted(fd, FILE_PRIVATE, buf, sizeof buf),
	    "it is mode 644; others may open it");

	/* Writable by group or others: never, whoever owns it. */
	assert_int_equal(fchmod(fd, 0620), 0);
	assert_int_equal(file_check(fd, 0, NULL), FILE_BAD_WRITABLE);
	assert_int_equal(fchmod(fd, 0602), 0);
	assert_int_equal(file_check(fd, FILE_ANY_OWNER, NULL),
	    FILE_BAD_WRITABLE);
	assert_string_equal(file_untrusted(fd, 0, buf, sizeof buf),
	    "others may write to it");

	/* Another user's: only with FILE_ANY_OWNER (chown needs root). */
	assert_int_equal(fchmod(fd, 0600), 0);
	if (geteuid() == 0 && fchown(fd, 65534, (gid_t)-1) == 0) {
		assert_int_equal(file_check(fd, 0, NULL), FILE_BAD_OWNER);
		assert_int_equal(file_check(fd, FILE_ROOT_OK, NULL),
		    FILE_BAD_OWNER);
		assert_int_equal(file_check(fd, FILE_ANY_OWNER, NULL),
		    FILE_OK);
		assert_string_equal(file_untrusted(fd, 0, buf, sizeof buf),
		    "it belongs to uid 65534");
	}
	close(fd);

	/* A directory is the wrong type unless one is wanted. */
	dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_not_equal(dfd, -1);
	assert_int_equal(file_check(dfd, 0, NULL), FILE_BAD_TYPE);
	assert_string_equal(file_untrusted(dfd, 0, buf, sizeof buf),
	    "it is not a regular file");
	assert_int_equal(file_check(dfd, FILE_DIR | FILE_PRIVATE, NULL),
	    FILE_OK);
	close(dfd);
}

/* FILE_NOFOLLOW refuses a symlink; without it the link is followed. */
static void
test_open_read(void **state)
{
	struct tmp	*t = *state;
	char		 path[PATH_MAX], link[PATH_MAX];
	int		 fd;

	close(open_mode(t, "f", 0600));
	path_in(t, "f", path, sizeof path);
	path_in(t, "lnk", link, sizeof link);
	assert_int_equal(symlink(path, link), 0);
	fd = file_open_read(AT_FDCWD, link, 0);
	assert_int_not_equal(fd, -1);
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_true((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	close(fd);
	errno = 0;
	assert_int_equal(file_open_read(AT_FDCWD, link, FILE_NOFOLLOW), -1);
	assert_int_equal(errno, ELOOP);
}

/* Made 0700 with its parents; opened only as a private one of ours. */
static void
test_dir_open(void **state)
{
	struct tmp	*t = *state;
	char		 a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	int		 dfd;

	path_in(t, "sub/a", a, sizeof a);
	path_in(t, "sub/a/b", b, sizeof b);

	errno = 0;
	assert_int_equal(file_dir_open(b, 0, &dfd), FILE_BAD_ERRNO);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dfd, -1);
	/* FILE_MKDIR alone makes no parents. */
	assert_int_equal(file_dir_open(b, FILE_MKDIR, &dfd), FILE_BAD_MKDIR);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(file_dir_open(b, FILE_MKDIR | FILE_PARENTS, &dfd),
	    FILE_OK);
	assert_int_not_equal(dfd, -1);
	close(dfd);
	assert_int_equal(mode_of(path_in(t, "sub", c, sizeof c)), 0700);
	assert_int_equal(mode_of(a), 0700);
	assert_int_equal(mode_of(b), 0700);

	/* Only readable by others: made private and used. */
	assert_int_equal(chmod(b, 0755), 0);
	assert_int_equal(file_dir_open(b, 0, &dfd), FILE_OK);
	close(dfd);
	assert_int_equal(mode_of(b), 0700);

	/* Writable by others: refused, and left alone. */
	assert_int_equal(chmod(b, 0733), 0);
	assert_int_equal(file_dir_open(b, FILE_MKDIR, &dfd), FILE_BAD_WRITABLE);
	assert_int_equal(dfd, -1);
	assert_int_equal(mode_of(b), 0733);
	assert_int_equal(chmod(b, 0700), 0);

	/* A symbolic link to a good directory: refused. */
	path_in(t, "lnk", c, sizeof c);
	assert_int_equal(symlink(b, c), 0);
	assert_int_equal(file_dir_open(c, FILE_MKDIR, &dfd), FILE_BAD_LINK);

	/* A regular file. */
	close(open_mode(t, "f", 0600));
	errno = 0;
	assert_int_equal(file_dir_open(path_in(t, "f", c, sizeof c), 0, &dfd),
	    FILE_BAD_ERRNO);
	assert_int_equal(errno, ENOTDIR);
}

/* The contents of dir/name, NUL-terminated, in buf. */
static const char *
slurp(const struct tmp *t, const char *name, char *buf, size_t bufsz)
{
	char	 path[PATH_MAX];
	FILE	*f;
	size_t	 n;

	f = fopen(path_in(t, name, path, sizeof path), "r");
	assert_non_null(f);
	n = fread(buf, 1, bufsz - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Written whole, 0600, by rename; the same content is not rewritten. */
static void
test_replace_at(void **state)
{
	struct tmp	*t = *state;
	struct stat	 st1, st2;
	char		 path[PATH_MAX], target[PATH_MAX], buf[64];
	int		 dfd;

	dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_not_equal(dfd, -1);
	path_in(t, "f", path, sizeof path);
	assert_int_equal(file_replace_at(dfd, "f", "one\n", 4), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_string_equal(slurp(t, "f", buf, sizeof buf), "one\n");
	assert_int_equal(stat(path, &st1), 0);

	assert_int_equal(file_replace_at(dfd, "f", "one\n", 4), 1);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);

	assert_int_equal(file_replace_at(dfd, "f", "two!\n", 5), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	assert_string_equal(slurp(t, "f", buf, sizeof buf), "two!\n");
	/* No temporary file left behind. */
	assert_int_equal(count_names(t->dir), 1);

	/*
	 * A symlink at the name, to a file holding the same bytes: not
	 * taken for the file, and replaced itself; its target is untouched.
	 */
	close(open_mode(t, "target", 0600));
	assert_int_equal(unlink(path), 0);
	path_in(t, "target", target, sizeof target);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(file_replace_at(dfd, "f", "", 0), 0);
	assert_int_equal(lstat(path, &st1), 0);
	assert_true(S_ISREG(st1.st_mode));
	assert_int_equal(count_names(t->dir), 2);

	/* A name in a missing directory: -1, nothing made. */
	errno = 0;
	assert_int_equal(file_replace_at(dfd, "missing/f", "x", 1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(count_names(t->dir), 2);
	close(dfd);
}

/* A private lock file, made 0600; a second taker waits, then gives up. */
static void
test_lock(void **state)
{
	struct tmp	*t = *state;
	char		 path[PATH_MAX], why[64];
	int		 dfd, fd, fd2;

	dfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_not_equal(dfd, -1);
	fd = file_lock(dfd, "l", 1.0, why, sizeof why);
	assert_int_not_equal(fd, -1);
	assert_int_equal(mode_of(path_in(t, "l", path, sizeof path)), 0600);

	/* flock() is per open file: a second open conflicts, even here. */
	errno = 0;
	assert_int_equal(file_lock(dfd, "l", 0.2, why, sizeof why), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_string_equal(why, "it was held until the deadline");
	close(fd);
	fd2 = file_lock(AT_FDCWD, path, 0.2, why, sizeof why);
	assert_int_not_equal(fd2, -1);
	close(fd2);

	/* One others may open could be held by them: refused at once. */
	assert_int_equal(chmod(path, 0644), 0);
	errno = 0;
	assert_int_equal(file_lock(dfd, "l", 1.0, why, sizeof why), -1);
	assert_int_equal(errno, EPERM);
	assert_string_equal(why, "it is mode 644; others may open it");

	/* A symbolic link: not followed. */
	assert_int_equal(symlink(path, path_in(t, "lnk", path, sizeof path)),
	    0);
	errno = 0;
	assert_int_equal(file_lock(dfd, "lnk", 1.0, why, sizeof why), -1);
	assert_int_equal(errno, ELOOP);
	close(dfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_regular, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_empty, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_max, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_directory, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_fifo, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_read_error, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test(test_grew),
		cmocka_unit_test(test_getenv),
		cmocka_unit_test(test_expand_home),
		cmocka_unit_test(test_xdg_dir),
		cmocka_unit_test_setup_teardown(test_check, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_open_read, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dir_open, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_replace_at, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_lock, setup_tmp,
		    teardown_tmp),
	};

	/* One group: TAP allows one plan per run. */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
