#!/bin/sh
# run.sh: run the libFuzzer harnesses that `make fuzz` built, each for
# SECONDS, JOBS at a time, each starting from its committed seeds
# (tests/fuzz/corpus/NAME, read only) and growing a corpus of its own in
# WORK/NAME.  A crash, leak, timeout or sanitizer report fails the
# harness; its input is saved as WORK/NAME-crash-... and the report is in
# WORK/NAME.log.  Prints "ok"/"not ok" per harness, then automake-style
# "# PASS:" and "# FAIL:" lines, and exits 1 if any failed.
#
# usage: run.sh FUZZDIR SRCDIR WORK SECONDS [JOBS [NAME...]]
set -eu

fuzzdir=$1 srcdir=$2 work=$3 secs=$4 jobs=${5:-2}
shift 4
[ $# -gt 0 ] && shift
names=$*
if [ -z "$names" ]; then
	for h in "$fuzzdir"/fuzz-*; do
		[ -x "$h" ] && names="$names ${h##*/fuzz-}"
	done
fi
[ -n "$names" ] || { echo "run.sh: no harness in $fuzzdir (make fuzz)" >&2; exit 1; }
mkdir -p "$work"

# one NAME: run it, leave WORK/NAME.status (0 ok) and WORK/NAME.log.
one() {
	n=$1
	mkdir -p "$work/$n"
	st=0
	# -rss_limit_mb and -timeout: a leak or a hang is a finding too.
	"$fuzzdir/fuzz-$n" -max_total_time="$secs" -timeout=20 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/$n-" \
	    "$work/$n" "$srcdir/tests/fuzz/corpus/$n" \
	    >"$work/$n.log" 2>&1 || st=$?
	echo "$st" >"$work/$n.status"
}

# JOBS at a time, without xargs -P's quoting: a simple slot loop.
running=0
for n in $names; do
	one "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

pass=0 fail=0
for n in $names; do
	st=$(cat "$work/$n.status" 2>/dev/null || echo 99)
	runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$work/$n.log")
	cov=$(grep -o 'cov: [0-9]*' "$work/$n.log" | tail -n 1)
	units=$(find "$work/$n" -type f | wc -l)
	if [ "$st" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - fuzz-$n: ${runs:-?} runs in $secs s, ${cov:-cov: ?}, $units new inputs"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz-$n: exit $st; see $work/$n.log"
		grep -E 'ERROR|SUMMARY|property failed|Test unit written' \
		    "$work/$n.log" | head -n 8 | sed 's/^/#   /'
	fi
done
echo "# PASS: $pass"
echo "# FAIL: $fail"
[ "$fail" -eq 0 ]
