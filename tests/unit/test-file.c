/*
 * test-file.c: file_read_fd(), the size-capped read of an open file.
 *
 * Every test works in its own directory under /tmp.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
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

/* Remove the known entries of the directory, then the directory. */
static int
teardown_tmp(void **state)
{
	static const char *const names[] = {
		"f", "fifo", "sub", NULL
	};
	struct tmp	*t = *state;
	char		 path[PATH_MAX];
	size_t		 i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", t->dir, names[i]);
		(void)unlink(path);
		(void)rmdir(path);
	}
	assert_int_equal(rmdir(t->dir), 0);
	free(t);
	return 0;
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
	};

	/* One group: TAP allows one plan per run. */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
