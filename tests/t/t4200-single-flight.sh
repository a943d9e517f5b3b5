#!/bin/sh
# t4200-single-flight: 50 processes on a cold cache make one token
# request, and all print the same token (file backend; the keyring too
# when gnome-keyring-daemon and dbus-run-session are installed).

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-flight@vt-test.iam.gserviceaccount.com
TOKEN_RE='^ya29\.mock-[0-9]+-[A-Za-z0-9_-]+$'
N=50

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

# The mock answers late, so that all of them find the cache cold.
mock_fault '{"delay":0.3}'

# flight DIR ARGS...: start N `vtoken token ARGS` at once, outputs in DIR,
# and wait for them all.
flight() {
	fl_dir=$1
	shift
	mkdir -p "$fl_dir"
	fl_i=0
	fl_pids=
	while [ $fl_i -lt $N ]; do
		"$VTOKEN" token "$@" >"$fl_dir/$fl_i.out" 2>"$fl_dir/$fl_i.err" &
		fl_pids="$fl_pids $!:$fl_i"
		fl_i=$((fl_i + 1))
	done
	: >"$fl_dir/status"
	for fl_p in $fl_pids; do
		wait "${fl_p%%:*}"
		echo "${fl_p#*:} $?" >>"$fl_dir/status"
	done
}

# check_flight DIR WHAT: the TAP lines for one flight.
check_flight() {
	is "$(awk '$2 != 0' "$1/status" | wc -l | tr -d ' ')" 0 \
	    "$2: all $N exit 0" || diag "$(cat "$1"/[0-9]*.err | sort | uniq -c)"
	is "$(cat "$1"/[0-9]*.out | sort -u | wc -l | tr -d ' ')" 1 \
	    "$2: all print the same token"
	like "$(cat "$1/0.out")" "$TOKEN_RE" "$2: a token from the mock"
	is "$(cat "$1"/[0-9]*.out | wc -l | tr -d ' ')" $N "$2: $N lines in all"
	is "$(mock_count /token)" 1 "$2: one request at the mock"
	is "$(cat "$1"/[0-9]*.err)" "" "$2: nothing on stderr"
}

t0=$(now_ms)
flight "$T/file" --cache file
diag "file: $N runs in $(($(now_ms) - t0)) ms"
check_flight "$T/file" "file cache"
is "$(cat "$XDG_CACHE_HOME"/vtoken/*.json | wc -l | tr -d ' ')" 1 \
    "one cache entry"

# Without a runtime directory, the lock goes to the cache directory.
mock_log_clear
rm -rf "$XDG_CACHE_HOME/vtoken"
(
	unset XDG_RUNTIME_DIR
	flight "$T/noruntime" --cache file
)
check_flight "$T/noruntime" "no XDG_RUNTIME_DIR"
set -- "$XDG_CACHE_HOME"/vtoken/*.lock
[ -e "$1" ]
ok $? "the lock file is in the cache directory"

# The keyring: the same, under a private session bus, with 50 and 200
# processes, in keyring and auto mode, and with the daemon stopped for a
# moment in the middle of a flight: a live but busy Secret Service is
# never taken for an absent one.  200 processes reach the keyring one at
# a time (each reads under the entry's lock), so they get the time to.
# kr_flight DIR N STOP ARGS...: the flight of N `vtoken token ARGS` as a
# script run on a private bus with gnome-keyring; with STOP=1 the daemon
# is stopped for 300 ms once they are all started.
kr_flight() {
	kf_dir=$1
	kf_n=$2
	kf_stop=$3
	shift 3
	mock_log_clear
	rm -rf "$XDG_CACHE_HOME/vtoken"
	mkdir -p "$kf_dir"
	cat >"$kf_dir/run.sh" <<-EOF
	echo vtoken-test | gnome-keyring-daemon --unlock \
	    --components=secrets >"$kf_dir/gkd.out" 2>"$kf_dir/gkd.err" || exit 1
	# It forks: wait until it owns its name, or D-Bus activates another.
	n=0
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus \
	    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
	    string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
		n=\$((n + 1))
		[ \$n -gt 100 ] && exit 1
		sleep 0.05
	done
	i=0
	pids=
	while [ \$i -lt $kf_n ]; do
		"$VTOKEN" token $* >"$kf_dir/\$i.out" 2>"$kf_dir/\$i.err" &
		pids="\$pids \$!:\$i"
		i=\$((i + 1))
	done
	if [ "$kf_stop" = 1 ]; then
		gkd=\$(pgrep -n -x gnome-keyring-d)
		kill -STOP "\$gkd" && sleep 0.3 && kill -CONT "\$gkd" &&
		    echo "\$gkd" >"$kf_dir/stopped"
	fi
	: >"$kf_dir/status"
	for p in \$pids; do
		wait "\${p%%:*}"
		echo "\${p#*:} \$?" >>"$kf_dir/status"
	done
	EOF
	dbus-run-session -- sh "$kf_dir/run.sh" 2>>"$kf_dir/dbus.err"
	N=$kf_n
	check_flight "$kf_dir" "$(basename "$kf_dir")"
	[ ! -d "$XDG_CACHE_HOME/vtoken" ] ||
	    [ -z "$(ls "$XDG_CACHE_HOME/vtoken"/*.json 2>/dev/null)" ]
	ok $? "$(basename "$kf_dir"): no file under the cache directory"
	if [ "$kf_stop" = 1 ]; then
		[ -s "$kf_dir/stopped" ]
		ok $? "$(basename "$kf_dir"): the daemon was stopped for 300 ms"
	fi
}

why=$(keyring_missing dbus-run-session gnome-keyring-daemon dbus-send pgrep)
if [ -z "$why" ]; then
	# Each of 200 waits for the ones before it; --timeout bounds that.
	long=120s
	kr_flight "$T/keyring-50" 50 0 --cache keyring
	kr_flight "$T/keyring-200" 200 0 --cache keyring --timeout "$long"
	kr_flight "$T/auto-200" 200 0 --cache auto --timeout "$long"
	kr_flight "$T/keyring-stopped" 50 1 --cache keyring
else
	skip "$why" 29
fi

done_testing
