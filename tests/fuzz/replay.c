/*
 * replay.c: main() for a harness built without libFuzzer: run
 * LLVMFuzzerTestOneInput once on each file named, or on each file of
 * each directory named, as libFuzzer does when given files.  make check
 * replays the committed corpora this way (tests/t/t9300-fuzz-corpus.sh).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_MAX	(1024 * 1024)

static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf, *in;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX)) == NULL)
		abort();
	n = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	/* An exact-size copy, so ASan sees a read past the input's end. */
	if ((in = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(in, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	return 0;
}

int
main(int argc, char **argv)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 path[PATH_MAX];
	int		 i, n = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]) != 0;
			n++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i],
			    de->d_name);
			bad |= replay_file(path) != 0;
			n++;
		}
		closedir(d);
	}
	printf("replayed %d input%s\n", n, n == 1 ? "" : "s");
	return bad;
}
