#!/bin/sh
# t6060-serve-systemd: vtoken serve under systemd's protocols, emulated
# by tests/mock/sdactivate.py: the socket systemd passes (LISTEN_FDS,
# LISTEN_PID) is the one served, the state file names it, and READY=1
# reaches NOTIFY_SOCKET once the broker serves; a socket systemd passes
# that is not on loopback is refused.  Also the units in contrib/systemd.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup
SD=$VT_SRCDIR/tests/mock/sdactivate.py
STATE=$XDG_RUNTIME_DIR/vtoken/serve-default.json
# systemd's sockets (sdactivate.py's directory): in the runtime directory,
# where a socket's path is short enough.
SDD=$XDG_RUNTIME_DIR/sd

# wait_for FILE: until FILE is not empty (10 s scaled), else 1.
wait_for() {
	vt_end=$(($(now_ms) + $(scaled_ms 10000)))
	while [ ! -s "$1" ]; do
		[ "$(now_ms)" -gt "$vt_end" ] && return 1
		sleep 0.05
	done
}

mkdir -p "$SDD"
"$PYTHON3" "$SD" "$SDD" 127.0.0.1 -- "$VTOKEN" serve --base-url "$SERVE_BASE" \
    2>"$SDD.err" &
sdpid=$!
wait_for "$SDD/notify"
ok $? "READY=1 reached NOTIFY_SOCKET" || diag "$(cat "$SDD.err")"
like "$(cat "$SDD/notify" 2>/dev/null)" '^READY=1' "the message is READY=1"
# The state file is written before READY=1 is sent.
ok "$([ -s "$STATE" ] && echo 0 || echo 1)" "the state file was there by then"
port=$(cat "$SDD/port")
is "$(json_get "$STATE" listen)" "127.0.0.1:$port" \
    "the state file names systemd's socket, not a port of its own"
is "$(json_get "$STATE" pid)" "$(cat "$SDD/pid")" "and the broker's pid"
is "$(json_get "$STATE" openai_base_url)" "http://127.0.0.1:$port/v1" \
    "its base URL is on systemd's port"
eval "$("$VTOKEN" env --serve)"
sc req --test-id sd1
is "$(sc_get status)" 200 "a request through systemd's socket"
pid=$(cat "$SDD/pid")
kill -TERM "$pid"
wait "$sdpid"
is "$?" 0 "SIGTERM: exit 0"
ok "$([ ! -e "$STATE" ] && echo 0 || echo 1)" "the state file is gone"
like "$(cat "$SDD.err")" "serving profile 'default' at http://127\\.0\\.0\\.1:$port/v1" \
    "the startup line names systemd's socket"

# A unix socket from systemd.
rm -rf "$SDD"; mkdir -p "$SDD"
"$PYTHON3" "$SD" "$SDD" "unix:$SDD/broker.sock" -- "$VTOKEN" serve \
    --base-url "$SERVE_BASE" 2>"$SDD.err" &
sdpid=$!
wait_for "$SDD/notify"
ok $? "a unix socket from systemd: READY=1" || diag "$(cat "$SDD.err")"
wait_for "$STATE"
is "$(json_get "$STATE" listen)" "unix:$SDD/broker.sock" "the state file names it"
key=$(json_get "$STATE" api_key)
out=$(curl -sS --unix-socket "$SDD/broker.sock" -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"model": "m", "messages": [{"role": "user", "content": "hi"}]}' \
    http://localhost/v1/chat/completions 2>&1)
is "$out" 200 "a request through it"
kill -TERM "$(cat "$SDD/pid")"
wait "$sdpid"
is "$?" 0 "SIGTERM: exit 0"

# Not on loopback: refused, and no READY=1.
rm -rf "$SDD"; mkdir -p "$SDD"
"$PYTHON3" "$SD" "$SDD" 0.0.0.0 -- "$VTOKEN" serve --base-url "$SERVE_BASE" \
    2>"$SDD.err"
is "$?" 3 "a socket on 0.0.0.0 from systemd: exit 3"
like "$(cat "$SDD.err")" "not on loopback" "saying why"
ok "$([ ! -s "$SDD/notify" ] && echo 0 || echo 1)" "no READY=1"
ok "$([ ! -e "$STATE" ] && echo 0 || echo 1)" "no state file"

# The units: what systemd would run, and with what.
for u in vtoken-serve.service vtoken-serve.socket; do
	f=$VT_SRCDIR/contrib/systemd/$u
	if [ ! -f "$f" ]; then
		skip "contrib/systemd/$u is not there" 1
		continue
	fi
	pass "contrib/systemd/$u is there"
done
f=$VT_SRCDIR/contrib/systemd/vtoken-serve.service
if [ -f "$f" ]; then
	like "$(grep '^Type=' "$f")" '^Type=notify$' "the service is Type=notify"
	like "$(grep '^ExecStart=' "$f")" 'vtoken serve' "and runs vtoken serve"
fi
f=$VT_SRCDIR/contrib/systemd/vtoken-serve.socket
if [ -f "$f" ]; then
	like "$(grep '^ListenStream=' "$f")" '^ListenStream=(127\.|\[::1\]|%t/)' \
	    "the socket listens on loopback or in the runtime directory"
fi
if [ ! -f "$VT_SRCDIR/contrib/systemd/vtoken-serve.service" ] ||
    [ ! -f "$VT_SRCDIR/contrib/systemd/vtoken-serve.socket" ]; then
	skip "the units are not there" 1
elif command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze --help 2>/dev/null | grep -q verify; then
	# What verify says depends on the machine (is vtoken installed, is
	# man there, can a user manager start, and how long XDG_RUNTIME_DIR
	# is: past about 80 characters every socket unit of the system's
	# that lives there is "File name too long", as in distcheck's deep
	# build tree on CI), so only the complaints about the files
	# themselves count: "UNIT:LINE: ..." and fatal errors.  A copy with
	# an unknown key first shows that verify reports here.
	cp "$VT_SRCDIR/contrib/systemd/vtoken-serve.service" "$T/bad.service"
	printf 'NoSuchKey=1\n' >>"$T/bad.service"
	bad=$(systemd-analyze --user verify "$T/bad.service" 2>&1)
	case $bad in
	*"bad.service:"*NoSuchKey*)
		out=$(systemd-analyze --user verify \
		    "$VT_SRCDIR/contrib/systemd/vtoken-serve.socket" \
		    "$VT_SRCDIR/contrib/systemd/vtoken-serve.service" 2>&1 |
		    grep -E -e '^[^ ]*vtoken-serve\.(service|socket):[0-9]+:' \
		    -e 'fatal' -e 'has no ExecStart')
		is "$out" "" "systemd-analyze verify finds nothing wrong in the units"
		;;
	*)
		diag "systemd-analyze verify said: $bad"
		skip "systemd-analyze verify does not work here" 1
		;;
	esac
else
	skip "systemd-analyze is not installed" 1
fi

done_testing
