/*
 * fuzz.h: what the libFuzzer harnesses share (tests/fuzz/README).
 *
 * Each fuzz-NAME.c defines LLVMFuzzerTestOneInput for one parser that
 * takes outside input.  Built by clang with -fsanitize=fuzzer by `make
 * fuzz`; built by the ordinary compiler with replay.c's main() for `make
 * check`, which runs every harness over its committed corpus.  A harness
 * checks a property by calling fuzz_assert(), which aborts: libFuzzer
 * counts that as a crash and saves the input.
 */
#ifndef VTOKEN_FUZZ_H
#define VTOKEN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (stopping at its first NUL), freed by
 * the caller. */
char	*fuzz_cstr(const uint8_t *data, size_t size);

/* Split data at its first newline: the line (NUL-terminated, freed by
 * the caller) and the rest. */
char	*fuzz_line(const uint8_t **data, size_t *size);

/* Write data to a private temporary file, its path returned (static). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* A private temporary directory made once per process. */
const char *fuzz_dir(void);

#define fuzz_assert(cond, what)	do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz: property failed: %s (%s:%d)\n",	\
		    (what), __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

#endif /* VTOKEN_FUZZ_H */
