#!/bin/sh
# build.sh: `make fuzz`.  Compiles vtoken's library code and each harness
# (fuzz-*.c) with clang for libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, into fuzz/ of the build tree: fuzz/fuzz-NAME.
# Separate from the build's own objects, which another compiler may have
# made; recompiles only what changed (any header change recompiles all).
#
# usage: build.sh CC SRCDIR BUILDDIR 'CFLAGS' 'LIBS' SOURCE...
set -eu

cc=$1 srcdir=$2 builddir=$3 cflags=$4 libs=$5
shift 5
if [ -z "$cc" ]; then
	echo "make fuzz: no clang with libFuzzer was found by configure;" \
	    "install clang (Debian: clang libclang-rt-dev) and run configure" \
	    "again, or name one: ./configure FUZZ_CC=clang-18" >&2
	exit 1
fi
out=$builddir/fuzz
mkdir -p "$out/obj"
# The harness and the code under test share one set of flags; module
# paths are never used (the harnesses load no module).
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=all -DVT_FUZZING -I$srcdir/src -I$srcdir/tests/fuzz
    -I$builddir -DVT_MODULEDIR=\"/nonexistent\"
    -DVT_BUILD_MODULEDIR=\"/nonexistent\" $cflags"

# The newest header: a change to one rebuilds everything.
newest_h=$(ls -t "$srcdir"/src/*.h "$srcdir"/tests/fuzz/*.h "$builddir/config.h" | head -n 1)

# compile SOURCE: its object in $out/obj, if out of date; prints the path.
compile() {
	o=$out/obj/$(basename "$1" .c).o
	if [ ! -f "$o" ] || [ "$1" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		echo "  CC(fuzz) $(basename "$1")" >&2
		# shellcheck disable=SC2086 # flags are words
		$cc $flags -c "$1" -o "$o"
	fi
	echo "$o"
}

objs=
for s in "$@"; do
	case $s in
	*.c) objs="$objs $(compile "$srcdir/$s")" ;;
	esac
done
lib=$out/obj/libvtfuzz.a
rm -f "$lib"
# shellcheck disable=SC2086
ar cr "$lib" $objs
common=$(compile "$srcdir/tests/fuzz/fuzz.c")
for h in "$srcdir"/tests/fuzz/fuzz-*.c; do
	name=$(basename "$h" .c)
	o=$(compile "$h")
	bin=$out/$name
	if [ -f "$bin" ] && [ -z "$(find "$o" "$common" $objs -newer "$bin")" ]; then
		continue
	fi
	echo "  CCLD(fuzz) $name" >&2
	# shellcheck disable=SC2086
	$cc -fsanitize=fuzzer,address,undefined "$o" "$common" "$lib" \
	    $libs -o "$bin"
done
echo "make fuzz: the harnesses are in $out; run one with its corpus:" \
    "$out/fuzz-url $srcdir/tests/fuzz/corpus/url" >&2
