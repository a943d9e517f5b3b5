#!/bin/sh
# t4100-keyring: the keyring backend against a real gnome-keyring-daemon,
# each case on its own private bus (dbus-run-session).  Tokens go to the
# session collection with vtoken's schema and attributes, never to a file;
# a locked keyring, no session bus and a wedged bus all fall back to the
# file cache quickly, without a prompt; cron, with no
# DBUS_SESSION_BUS_ADDRESS, reaches the keyring through
# $XDG_RUNTIME_DIR/bus.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

why=$(keyring_missing dbus-run-session dbus-daemon dbus-send \
    gnome-keyring-daemon secret-tool)
[ -z "$why" ] || skip_all "$why"

SA=vt-keyring@vt-test.iam.gserviceaccount.com
CP=https://www.googleapis.com/auth/cloud-platform
TOKEN_RE='^ya29\.mock-[0-9]+-[A-Za-z0-9_-]+$'
CDIR=$XDG_CACHE_HOME/vtoken
SCHEMA=io.vtoken.AccessToken

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

# -- private buses -----------------------------------------------------------

BUS_N=0
BUS_PID=
BUS_DIR=
PIDS_TO_KILL=

# bus_start: a session bus of its own under dbus-run-session, kept until
# bus_stop; $BUS is its address, and on_bus makes it the session bus.
bus_start() {
	BUS_N=$((BUS_N + 1))
	BUS_DIR=$T/bus$BUS_N
	mkdir -p "$BUS_DIR"
	mkfifo "$BUS_DIR/ctl"
	# shellcheck disable=SC2016 # expanded by the inner shell
	dbus-run-session -- sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS" \
	    >"$1/addr.tmp" && mv "$1/addr.tmp" "$1/addr"; read -r x <"$1/ctl"' \
	    sh "$BUS_DIR" 2>>"$BUS_DIR/dbus.err" &
	BUS_PID=$!
	bs_i=0
	while [ ! -s "$BUS_DIR/addr" ]; do
		bs_i=$((bs_i + 1))
		# 5 s (x VT_TIME_SCALE)
		[ $bs_i -gt "$(scaled_ms 100)" ] &&
		    bail_out "dbus-run-session did not start"
		sleep 0.05
	done
	BUS=$(cat "$BUS_DIR/addr")
}

# bus_stop: end the bus (and with it the keyring daemon).
bus_stop() {
	[ -n "$BUS_PID" ] || return 0
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 5 sh -c 'echo >"$1"' sh "$BUS_DIR/ctl"
	wait "$BUS_PID" 2>/dev/null
	BUS_PID=
	off_bus
}

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	bus_stop
	for p in $PIDS_TO_KILL; do
		kill "$p" 2>/dev/null
	done
	mock_stop
}
trap cleanup EXIT

on_bus() {
	DBUS_SESSION_BUS_ADDRESS=$BUS
	export DBUS_SESSION_BUS_ADDRESS
}

off_bus() {
	unset DBUS_SESSION_BUS_ADDRESS
}

# wait_name NAME: until NAME has an owner on the current session bus.
wait_name() {
	wn_i=0
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus \
	    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
	    "string:$1" 2>/dev/null | grep -q true; do
		wn_i=$((wn_i + 1))
		# 5 s (x VT_TIME_SCALE)
		[ $wn_i -gt "$(scaled_ms 100)" ] &&
		    bail_out "$1 did not appear on the bus"
		sleep 0.05
	done
}

# keyring_up [--unlock]: gnome-keyring-daemon (secrets only) on the
# current bus, its login keyring unlocked with a password on stdin.
keyring_up() {
	if [ "${1-}" = --unlock ]; then
		echo vtoken-test-password | gnome-keyring-daemon --unlock \
		    --components=secrets >/dev/null 2>>"$T/gkd.err" ||
		    bail_out "gnome-keyring-daemon --unlock failed"
	else
		gnome-keyring-daemon --components=secrets </dev/null \
		    >/dev/null 2>>"$T/gkd.err" ||
		    bail_out "gnome-keyring-daemon failed"
	fi
	wait_name org.freedesktop.secrets
}

# items: vtoken's items in the keyring, as secret-tool prints them (the
# attributes go to stderr).
items() {
	secret-tool search --all xdg:schema "$SCHEMA" 2>&1 |
	    grep -E '^(\[|label|secret|attribute\.)'
}

# attr NAME: an attribute of vtoken's (first) item.
attr() {
	items | sed -n "s/^attribute\\.$1 = //p" | head -n 1
}

# coll_items NAME: the object paths of a collection's items.
coll_items() {
	dbus-send --session --print-reply --dest=org.freedesktop.secrets \
	    "/org/freedesktop/secrets/collection/$1" \
	    org.freedesktop.DBus.Properties.Get \
	    string:org.freedesktop.Secret.Collection string:Items 2>/dev/null |
	    sed -n 's/.*object path "\(.*\)"/\1/p'
}

no_files() {
	[ -z "$(ls "$CDIR"/*.json 2>/dev/null)" ]
}

# -- an unlocked keyring ------------------------------------------------------------

bus_start
on_bus
keyring_up --unlock
vt token
vt_ok "token with a keyring on the session bus"
like "$VT_OUT" "$TOKEN_RE" "prints a token"
tok=$VT_OUT
is "$VT_ERR" "" "nothing on stderr"
is "$(mock_count /token)" 1 "one request to the mock"
is "$(items | grep -c '^secret = ')" 1 "one item of schema $SCHEMA"
is "$(items | sed -n 's/^secret = //p')" "$tok" "its secret is the token"
ckey=$(attr vtoken-key)
like "$ckey" '^[0-9a-f]{64}$' "attribute vtoken-key: the cache key"
exp=$(attr expires-at)
iat=$(attr issued-at)
[ $((exp - iat)) -ge 3590 ] && [ $((exp - iat)) -le 3600 ]
ok $? "attributes issued-at and expires-at: the token's hour"
is "$(attr desc)" "service_account $SA" "attribute desc: the credential"
is "$(attr scopes)" "$CP" "attribute scopes"
unlike "$(items | grep -v '^secret = ')" 'ya29' \
    "the token is in no attribute or label"
is "$(coll_items session | wc -l | tr -d ' ')" 1 \
    "the item is in the session collection (in memory)"
is "$(coll_items login | wc -l | tr -d ' ')" 0 "not in the login keyring"
no_files
ok $? "no token written under the cache directory"

vt token
is "$VT_OUT/$(mock_count /token)" "$tok/1" "the second call: no request"
within 2000 "and quickly"
vt header
is "$VT_OUT/$(mock_count /token)" "Authorization: Bearer $tok/1" "header: a hit"

vt cache list
vt_ok "cache list"
like "$VT_OUT" "^keyring +$(printf %.12s "$ckey") .*service_account $SA\$" \
    "shows the keyring entry"
unlike "$VT_OUT" 'ya29' "never the token"
vt cache list --json
cp "$T/out" "$T/list.json"
is "$("$PYTHON3" -c 'import json,sys; e=json.load(open(sys.argv[1])); print(len(e), e[0]["backend"], e[0]["key"])' "$T/list.json")" \
    "1 keyring $ckey" "cache list --json: backend keyring and the key"

vt status
like "$VT_OUT" '^cache: +keyring' "status shows the keyring"
unlike "$VT_OUT" 'ya29' "never the token"

vt token --cache file
is "$(mock_count /token)" 2 "--cache file: the keyring is not read"
no_files
is $? 1 "and the file cache is written"
rm -rf "$CDIR"

vt cache clear
is "$VT_STATUS/$VT_OUT" "0/removed 1 cached token" "cache clear"
is "$(items | grep -c '^secret = ')" 0 "the item is gone"
vt token --cache keyring
vt_ok "--cache keyring"
is "$(mock_count /token)" 3 "mints"
is "$(items | grep -c '^secret = ')" 1 "into the keyring"
vt cache clear --all
is "$VT_STATUS/$VT_OUT" "0/removed 1 cached token" "cache clear --all"
is "$(items | grep -c '^secret = ')" 0 "nothing left"
bus_stop

# -- a daemon whose login keyring stays locked -----------------------------------

mock_log_clear
bus_start
on_bus
keyring_up
vt token
vt_ok "a keyring started without --unlock"
is "$(coll_items session | wc -l | tr -d ' ')" 1 \
    "the token goes to the session collection, which needs no unlocking"
no_files
ok $? "no file"
unlike "$(cat "$BUS_DIR/dbus.err")" 'Prompter' "no prompter was started"
within 2000 "no wait"
bus_stop

# -- a Secret Service whose only collection is locked -----------------------------

GI_PYTHON=
for py in "$PYTHON3" /usr/bin/python3 python3; do
	if "$py" -c 'from gi.repository import Gio' >/dev/null 2>&1; then
		GI_PYTHON=$py
		break
	fi
done
if [ -n "$GI_PYTHON" ]; then
	mock_log_clear
	bus_start
	on_bus
	mkdir -p "$T/locked"
	"$GI_PYTHON" "$VT_SRCDIR/tests/mock/locked-secrets.py" "$T/locked" \
	    2>"$T/locked/stderr" &
	PIDS_TO_KILL="$PIDS_TO_KILL $!"
	wait_name org.freedesktop.secrets
	vt token
	vt_ok "a locked keyring: auto still prints a token"
	is "$VT_ERR" "" "without a word on stderr"
	within 2000 "quickly"
	no_files
	is $? 1 "from the file cache"
	like "$(cat "$T/locked/calls.log")" 'Service\.ReadAlias' \
	    "after asking the Secret Service"
	unlike "$(cat "$T/locked/calls.log")" 'Unlock|CreateItem|Prompt' \
	    "never asking to unlock or store (no prompt)"
	vt status
	like "$VT_OUT" 'keyring unavailable: the keyring is locked' \
	    "status says the keyring is locked"
	vt token --cache keyring
	vt_fails 3 "--cache keyring: exit 3, one line"
	like "$VT_ERR" 'locked' "saying it is locked"
	bus_stop
else
	skip "no Python with PyGObject for a locked Secret Service" 10
fi

# -- no session bus --------------------------------------------------------------------

mock_log_clear
rm -rf "$CDIR"
off_bus
unset DISPLAY
vt token
vt_ok "no session bus: auto"
within 2000 "falls back at once"
no_files
is $? 1 "to the file cache"
vt token --cache keyring
vt_fails 3 "--cache keyring without a bus: exit 3, one line"
like "$VT_ERR" 'no session bus' "saying why"
within 2000 "at once"

# -- a wedged bus: it accepts and never answers -------------------------------------

rm -rf "$CDIR"
"$PYTHON3" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
open(sys.argv[1] + ".ready", "w").close()
held = []
while True:
    held.append(s.accept()[0])' "$XDG_RUNTIME_DIR/wedged" 2>/dev/null &
PIDS_TO_KILL="$PIDS_TO_KILL $!"
i=0
while [ ! -e "$XDG_RUNTIME_DIR/wedged.ready" ] && [ $i -lt "$(scaled_ms 100)" ]; do
	i=$((i + 1))
	sleep 0.05
done
DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/wedged
export DBUS_SESSION_BUS_ADDRESS
vt token
vt_ok "a wedged bus: auto still prints a token"
within 2500 "within the keyring's bound"
no_files
is $? 1 "from the file cache"
vt token
vt_ok "again"
within 2500 "no hang"
vt token --cache keyring
vt_fails 3 "--cache keyring on a wedged bus: exit 3, one line"
within 2500 "within the bound"
off_bus

# -- cron: no DBUS_SESSION_BUS_ADDRESS, the user's bus socket ----------------------

mock_log_clear
rm -rf "$CDIR"
dbus-daemon --session --address="unix:path=$XDG_RUNTIME_DIR/bus" --fork \
    --print-pid >"$T/cron-bus.pid" 2>"$T/cron-bus.err" ||
    bail_out "dbus-daemon --session failed"
PIDS_TO_KILL="$PIDS_TO_KILL $(cat "$T/cron-bus.pid")"
BUS=unix:path=$XDG_RUNTIME_DIR/bus
on_bus
keyring_up --unlock
off_bus
vt token
vt_ok "DBUS_SESSION_BUS_ADDRESS unset, a bus at \$XDG_RUNTIME_DIR/bus"
on_bus
is "$(items | grep -c '^secret = ')" 1 "the token went to the keyring"
is "$(items | sed -n 's/^secret = //p')" "$VT_OUT" "the one printed"
off_bus
no_files
ok $? "not to a file"
env -i HOME="$HOME" PATH="$PATH" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
    GOOGLE_APPLICATION_CREDENTIALS="$GOOGLE_APPLICATION_CREDENTIALS" \
    VTOKEN_MODULE_DIR="${VTOKEN_MODULE_DIR-}" \
    "$VTOKEN" refresh >"$T/cron.out" 2>"$T/cron.err"
is "$?" 0 "refresh under env -i, as cron runs it"
like "$(cat "$T/cron.out")" "^profile 'default': service_account $SA" \
    "one line"
is "$(mock_count /token)" 1 "it found the token in the keyring: no request"
[ -z "$(ls "$HOME/.cache/vtoken/"*.json 2>/dev/null)" ]
ok $? "and wrote no file under ~/.cache"

done_testing
