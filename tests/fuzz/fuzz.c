/*
 * fuzz.c: helpers shared by the harnesses (fuzz.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "xmalloc.h"

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t	*nul;

	if ((nul = memchr(data, '\0', size)) != NULL)
		size = (size_t)(nul - data);
	return xstrndup((const char *)data, size);
}

char *
fuzz_line(const uint8_t **data, size_t *size)
{
	const uint8_t	*nl;
	char		*line;
	size_t		 n;

	nl = memchr(*data, '\n', *size);
	n = nl != NULL ? (size_t)(nl - *data) : *size;
	line = fuzz_cstr(*data, n);
	if (nl != NULL)
		n++;
	*data += n;
	*size -= n;
	return line;
}

static void
fuzz_cleanup(void)
{
	char	cmd[PATH_MAX + 16];

	/* Only what fuzz_dir made: mkdtemp's name under /tmp. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir());
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir());
}

const char *
fuzz_dir(void)
{
	static char	dir[] = "/tmp/vtoken-fuzz.XXXXXX";
	static int	made;

	if (!made) {
		if (mkdtemp(dir) == NULL) {
			perror("fuzz: mkdtemp");
			abort();
		}
		made = 1;
		atexit(fuzz_cleanup);
	}
	return dir;
}

const char *
fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char	path[PATH_MAX];
	int		fd;

	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd == -1 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    close(fd) != 0) {
		perror("fuzz: writing the input");
		abort();
	}
	return path;
}
