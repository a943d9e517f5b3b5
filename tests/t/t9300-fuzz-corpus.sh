#!/bin/sh
# t9300-fuzz-corpus: every fuzzing harness (tests/fuzz/fuzz-*.c), built
# with the ordinary compiler and replay.c, runs over its committed corpus
# without a crash or a failed property.  In the sanitizer build this is
# the regression test for whatever the fuzzers found (each finding's
# input is added to the corpus with its fix).  make fuzz, with clang,
# builds the same harnesses for libFuzzer.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

corpus=$VT_SRCDIR/tests/fuzz/corpus
n=0
for src in "$VT_SRCDIR"/tests/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	h=$VT_BUILDDIR/tests/fuzz/$name
	n=$((n + 1))
	if [ ! -x "$h" ]; then
		fail "$name is built (make check builds it)"
		continue
	fi
	seeds=$(find "$corpus/${name#fuzz-}" -type f 2>/dev/null | wc -l)
	[ "$seeds" -ge 3 ]
	ok $? "$name has a seed corpus ($seeds inputs)"
	if "$h" "$corpus/${name#fuzz-}" >"$T/$name.out" 2>&1; then
		pass "$name replays its corpus: $(tail -n 1 "$T/$name.out")"
	else
		fail "$name replays its corpus"
		diag "$(tail -n 15 "$T/$name.out")"
	fi
done
[ "$n" -ge 11 ]
ok $? "every parser has a harness ($n)"

done_testing
