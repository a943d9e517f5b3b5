#!/bin/sh
# t6010-serve-state: `vtoken serve` comes up on a free loopback port,
# writes its state file and local key (0600 in a 0700 directory), serves
# a plain and a streaming request to the mock with a minted token,
# `vtoken env --serve` prints its variables in every shell (exit 3 when
# no broker runs), the official openai npm package works when configured
# by `eval "$(vtoken env --serve)"` alone, SIGTERM ends it with exit 0 and
# no state file, a restart keeps the key (a client configured before it
# works after it), --rotate-key makes a new one; --listen takes loopback
# only.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup
KEY_RE='^vtk-[A-Za-z0-9_-]{43}$'

mode_of() {
	stat -c %a "$1" 2>/dev/null
}

# body_bytes: the size of the last sc reply's body.
body_bytes() {
	"$PYTHON3" -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["body"].encode()))' "$T/sc.out"
}

# refused ARGS...: vtoken serve ARGS must exit at once, not serve (a
# broker that wrongly starts is stopped after 20 s: status 124).
refused() {
	VTOKEN_TEST_WRAPPER="timeout 20"
	vt serve "$@"
	VTOKEN_TEST_WRAPPER=
}

# -- no broker yet ----------------------------------------------------------------

vt env --serve
vt_fails 3 "env --serve with no broker running: exit 3"

refused --listen 0.0.0.0:0 --base-url "$SERVE_BASE"
is "$VT_STATUS" 2 "--listen 0.0.0.0:0 (not loopback): exit 2"
refused --listen 192.0.2.1:8080 --base-url "$SERVE_BASE"
is "$VT_STATUS" 2 "--listen 192.0.2.1:8080: exit 2"
refused --listen '[::]:0' --base-url "$SERVE_BASE"
is "$VT_STATUS" 2 "--listen [::]:0: exit 2"
refused --listen example.com:80 --base-url "$SERVE_BASE"
is "$VT_STATUS" 2 "--listen example.com:80: exit 2"
refused --base-url "$SERVE_BASE" --no-such-option
is "$VT_STATUS" 2 "an unknown option: exit 2"

# -- up -------------------------------------------------------------------------

serve_start --base-url "$SERVE_BASE"
ok $? "vtoken serve starts and writes its state file" || {
	bail_out "the broker did not start"
}
is "$(mode_of "$XDG_RUNTIME_DIR/vtoken")" 700 "the state directory is 0700"
is "$(mode_of "$SERVE_STATE")" 600 "the state file is 0600"
SERVE_KEYFILE=$XDG_RUNTIME_DIR/vtoken/serve-default.key
is "$(mode_of "$SERVE_KEYFILE")" 600 "the key file beside it is 0600"
is "$(json_get "$SERVE_STATE" pid)" "$SERVE_PID" "pid is the broker's"
like "$SERVE_LISTEN" '^127\.0\.0\.1:[0-9]+$' "listen: 127.0.0.1 and a free port ($SERVE_LISTEN)"
is "$SERVE_URL" "http://$SERVE_LISTEN/v1" "openai_base_url is http://LISTEN/v1"
like "$SERVE_KEY" "$KEY_RE" "api_key is vtk- and 43 base64url characters"
grep -q -- "$SERVE_KEY" "$SERVE_KEYFILE"
ok $? "the key file holds the same key"
ls -A "$XDG_RUNTIME_DIR/vtoken" | grep -i 'tmp\|temp\|~$\|\.new$' >"$T/extra"
is "$(cat "$T/extra")" "" "no temporary files left beside them"
like "$(head -n 2 "$SERVE_ERR" | tail -n 1)" '^vtoken: ' "one startup line on stderr"

serve_env
sc req --text "plain through the broker" --test-id p1
is "$(sc_get status)" 200 "a plain chat request through the broker: 200"
p1_bytes=$(body_bytes)
like "$(sc_get body)" 'mock reply: plain through the broker' "with the mock's reply"
is "$(mock_get "$SERVE_CHAT" headers.authorization)" "Bearer $(mock_issued)" \
    "upstream, the broker put the token it minted"
is "$(mock_get "$SERVE_CHAT" headers.x-vt-test)" p1 "other request headers pass"
is "$(sc_get headers.x-mock-test)" p1 "and reply headers come back"
unlike "$(mock_get "$SERVE_CHAT" headers.authorization)" 'vtk-' \
    "the local key does not go upstream"

sc req --path '/v1/chat/completions?alt=sse&x=1' --text q
is "$(mock_get "$SERVE_CHAT" query)" 'alt=sse&x=1' "the query string goes on as it is"

sc req --stream --text "stream through the broker"
is "$(sc_get status)/$(sc_get "done")" 200/true "a streaming request: 200 and [DONE]"
is "$(sc_get content)" "mock reply: stream through the broker" \
    "the deltas make up the reply"
like "$(sc_get headers.content-type)" '^text/event-stream' "as text/event-stream"

serve_requests >"$T/reqs"
is "$(wc -l <"$T/reqs" | tr -d ' ')" 3 "one log line per request"
like "$(sed -n 1p "$T/reqs")" \
    '^vtoken: request POST /v1/chat/completions status=200 bytes=[1-9][0-9]* ms=[0-9]+ attempts=1 token_wait_ms=[0-9]+$' \
    "METHOD PATH status= bytes= ms= attempts= token_wait_ms="
unlike "$(sed -n 2p "$T/reqs")" 'alt=sse' "the logged path has no query string"
bytes=$(sed -n 1p "$T/reqs" | sed 's/.* bytes=\([0-9]*\) .*/\1/')
is "$bytes" "$p1_bytes" "bytes= is the size of the body the client got"

# -- env --serve ----------------------------------------------------------------------

vt env --serve
vt_ok "env --serve"
printf '%s\n' "$VT_OUT" | grep 'OPENAI_API_KEY' | grep -qF -- "$SERVE_KEY"
ok $? "exports the local key as OPENAI_API_KEY"
printf '%s\n' "$VT_OUT" | grep 'OPENAI_BASE_URL' | grep -qF -- "$SERVE_URL"
ok $? "and the broker's URL as OPENAI_BASE_URL"
unlike "$VT_OUT" VTOKEN_EXPIRES_AT "no VTOKEN_EXPIRES_AT (nothing expires)"
unlike "$VT_OUT" 'ya29' "no Google token"
(
	unset OPENAI_API_KEY OPENAI_BASE_URL
	eval "$VT_OUT"
	[ "$OPENAI_API_KEY" = "$SERVE_KEY" ] && [ "$OPENAI_BASE_URL" = "$SERVE_URL" ]
)
ok $? "eval of the sh output sets both"
for sh in sh bash zsh fish csh powershell dotenv; do
	vt env --serve --shell "$sh"
	if [ "$VT_STATUS" -eq 0 ] && printf '%s' "$VT_OUT" | grep -qF -- "$SERVE_KEY" &&
	    printf '%s' "$VT_OUT" | grep -qF -- "$SERVE_URL"; then
		pass "env --serve --shell $sh"
	else
		fail "env --serve --shell $sh"
		vt_report
	fi
done
for sh in bash zsh fish; do
	if ! command -v "$sh" >/dev/null 2>&1; then
		skip "$sh is not installed"
		continue
	fi
	vt env --serve --shell "$sh"
	case $sh in
	fish) got=$(fish -c "$(cat "$T/out"); echo \$OPENAI_API_KEY" 2>&1) ;;
	*) got=$("$sh" -c "eval \"\$(cat '$T/out')\"; echo \$OPENAI_API_KEY" 2>&1) ;;
	esac
	is "$got" "$SERVE_KEY" "$sh itself reads the key back"
done
vt env --serve --shell json
vt_ok "env --serve --shell json"
printf '%s\n' "$VT_OUT" >"$T/env.json"
is "$(json_get "$T/env.json" OPENAI_API_KEY)" "$SERVE_KEY" "json: OPENAI_API_KEY"
is "$(json_get "$T/env.json" OPENAI_BASE_URL)" "$SERVE_URL" "json: OPENAI_BASE_URL"
json_get "$T/env.json" VTOKEN_EXPIRES_AT >/dev/null
is "$?" 1 "json: no VTOKEN_EXPIRES_AT"
vt env --serve --profile other
vt_fails 3 "env --serve for a profile with no broker: exit 3"

# -- the openai npm package, configured by env --serve alone ----------------------

node_missing=$(npm_missing openai)
if [ -n "$node_missing" ] && [ "${CI-}" = true ]; then
	fail "$node_missing, and CI must have it"
elif [ -n "$node_missing" ]; then
	skip "$node_missing" 4
else
	(
		unset OPENAI_API_KEY OPENAI_BASE_URL
		eval "$("$VTOKEN" env --serve)" || exit 9
		export NODE_PATH="$VT_NODE_MODULES"
		node "$VT_SRCDIR/tests/mock/openai-chat.js" plain "node via the broker" &&
		node "$VT_SRCDIR/tests/mock/openai-chat.js" stream "node streams via the broker"
	) >"$T/node.out" 2>"$T/node.err"
	ok $? "the openai package, configured by eval \"\$(vtoken env --serve)\"" ||
	    diag "$(cat "$T/node.err")"
	is "$(sed -n 1p "$T/node.out")" "mock reply: node via the broker" "plain"
	is "$(sed -n 2p "$T/node.out")" "mock reply: node streams via the broker" "streaming"
	like "$(mock_get "$SERVE_CHAT" headers.user-agent)" '^OpenAI/JS' \
	    "its User-Agent reached the mock"
fi

# -- SIGTERM, restart, the key ----------------------------------------------------

pid=$SERVE_PID
serve_stop TERM
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"
[ ! -e "$SERVE_STATE" ]
ok $? "the state file is gone"
[ -s "$SERVE_KEYFILE" ]
ok $? "the key file stays"
vt env --serve
vt_fails 3 "env --serve after it stopped: exit 3"

# A stale state file (its pid is dead) is not a broker.
printf '{"pid": %d, "listen": "127.0.0.1:9", "openai_base_url": "http://127.0.0.1:9/v1", "api_key": "%s"}\n' \
    "$pid" "$SERVE_KEY" >"$XDG_RUNTIME_DIR/vtoken/serve-default.json"
chmod 600 "$XDG_RUNTIME_DIR/vtoken/serve-default.json"
vt env --serve
vt_fails 3 "a state file whose pid is dead: exit 3"
listen0=$SERVE_LISTEN	# the address the client below was given
# Its pid taken by another process since (this shell's): still no broker,
# since none holds serve-default.lock.
state_file() {
	printf '{"pid": %d, "listen": "127.0.0.1:9", "openai_base_url": %s, "api_key": %s}\n' \
	    "$1" "$2" "$3" >"$XDG_RUNTIME_DIR/vtoken/serve-default.json"
	chmod 600 "$XDG_RUNTIME_DIR/vtoken/serve-default.json"
}
state_file $$ '"http://127.0.0.1:9/v1"' "\"$SERVE_KEY\""
vt env --serve
vt_fails 3 "a state file whose pid is alive but no broker's: exit 3"
for bad in 'null "x"' '"http://127.0.0.1:9/v1" null' '1 2' '"u" ["k"]'; do
	# shellcheck disable=SC2086 # two JSON values
	state_file $$ $bad
	vt env --serve
	vt_fails 3 "a state file with openai_base_url, api_key $bad: exit 3"
done
state_file $$ '"http://127.0.0.1:9/v1"' "\"$SERVE_KEY\""
serve_start --base-url "$SERVE_BASE"
ok $? "a broker starts over the stale file"
is "$(json_get "$SERVE_STATE" pid)" "$SERVE_PID" "and replaces it with its own"
vt env --serve
vt_ok "env --serve finds it"
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

# Two brokers for one profile started at the same moment: one serves, the
# other exits 3 at once, and the one serving keeps its state file.
"$VTOKEN" serve --base-url "$SERVE_BASE" >/dev/null 2>"$T/two-a.err" &
pa=$!
"$VTOKEN" serve --base-url "$SERVE_BASE" >/dev/null 2>"$T/two-b.err" &
pb=$!
SERVE_PIDS="$SERVE_PIDS $pa $pb"
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while kill -0 "$pa" 2>/dev/null && kill -0 "$pb" 2>/dev/null &&
    [ "$(now_ms)" -lt "$vt_end" ]; do
	sleep 0.05
done
if kill -0 "$pa" 2>/dev/null; then
	run=$pa lost=$pb err=$T/two-b.err
else
	run=$pb lost=$pa err=$T/two-a.err
fi
wait "$lost"
is "$?" 3 "of two started at once, one exits 3"
like "$(cat "$err")" "a broker for profile 'default' runs already" "saying why"
kill -0 "$run" 2>/dev/null
ok $? "the other serves"
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while [ ! -s "$SERVE_STATE" ] && [ "$(now_ms)" -lt "$vt_end" ]; do
	sleep 0.05
done
is "$(json_get "$SERVE_STATE" pid)" "$run" "the state file is the one serving"
kill -TERM "$run"
wait "$run"
is "$?" 0 "SIGTERM: exit 0"
[ ! -e "$SERVE_STATE" ]
ok $? "its state file is gone"
rm -f "$XDG_RUNTIME_DIR/vtoken/serve-default.json"

# A restart on the same address: the client keeps the OPENAI_API_KEY and
# OPENAI_BASE_URL it was given before (serve_env above) and works on.
old_key=$SERVE_KEY
port=${listen0##*:}
serve_start --base-url "$SERVE_BASE" --listen "127.0.0.1:$port"
ok $? "started again on the same port (--listen 127.0.0.1:$port)"
is "$SERVE_KEY" "$old_key" "the restart reuses the key"
sc req --text "same URL, same key"
is "$(sc_get status)" 200 "a client configured before the restart works after it, unchanged"
serve_stop

serve_start --base-url "$SERVE_BASE" --rotate-key
ok $? "started with --rotate-key"
like "$SERVE_KEY" "$KEY_RE" "a new key"
[ "$SERVE_KEY" != "$old_key" ]
ok $? "not the old one"
grep -q -- "$SERVE_KEY" "$SERVE_KEYFILE"
ok $? "and it replaced the one in the key file"
sc_url "$SERVE_URL" req --text "old key"
is "$(sc_get status)" 401 "the old key is refused now"
serve_env
sc req --text "new key"
is "$(sc_get status)" 200 "the new one works"
serve_stop

# -- other listen addresses -------------------------------------------------------

serve_start --base-url "$SERVE_BASE" --listen localhost:0
ok $? "--listen localhost:0"
like "$SERVE_LISTEN" '^(localhost|127\.0\.0\.1|\[::1\]):[0-9]+$' "listen: $SERVE_LISTEN"
serve_env
sc req --text "via localhost"
is "$(sc_get status)" 200 "serves"
serve_stop

if "$PYTHON3" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	serve_start --base-url "$SERVE_BASE" --listen '[::1]:0'
	ok $? "--listen [::1]:0"
	like "$SERVE_LISTEN" '^\[::1\]:[0-9]+$' "listen: $SERVE_LISTEN"
	serve_env
	sc req --text "via ipv6"
	is "$(sc_get status)" 200 "serves over IPv6 loopback"
	serve_stop
else
	skip "no IPv6 loopback here" 3
fi

sock=$XDG_RUNTIME_DIR/broker.sock
serve_start --base-url "$SERVE_BASE" --listen "unix:$sock"
ok $? "--listen unix:PATH"
is "$SERVE_LISTEN" "unix:$sock" "listen: unix:PATH"
[ -S "$sock" ]
ok $? "the socket exists"
case $SERVE_URL in
http://*) unix_url=$SERVE_URL ;;
*) unix_url=http://localhost/v1 ;;
esac
sc_url "$unix_url" --unix "$sock" req --text "via a unix socket"
is "$(sc_get status)" 200 "serves on the unix socket"
serve_stop
[ ! -e "$sock" ]
ok $? "the socket is removed at exit"
# A path too long for a socket (sun_path, 108 bytes with its NUL).
long=$XDG_RUNTIME_DIR/$(printf 'd%.0s' $(seq 1 110))/broker.sock
vt serve --base-url "$SERVE_BASE" --listen "unix:$long"
vt_fails 2 "a unix socket path of ${#long} bytes: exit 2"
like "$(cat "$T/err")" "is at most 107 bytes, this one is ${#long}" \
    "saying how long a path may be"

# The profile's listen key.
mkdir -p "$XDG_CONFIG_HOME/vtoken"
port=$(closed_port)
printf '[default]\nlisten = 127.0.0.1:%s\n' "$port" >"$XDG_CONFIG_HOME/vtoken/config"
serve_start --base-url "$SERVE_BASE"
is "$SERVE_LISTEN" "127.0.0.1:$port" "the profile's listen key"
serve_stop
printf '[default]\nlisten = 0.0.0.0:%s\n' "$port" >"$XDG_CONFIG_HOME/vtoken/config"
refused --base-url "$SERVE_BASE"
# A bad profile value is a configuration error (exit 3, as for any
# other); on the command line it is a usage error (2, above).
is "$VT_STATUS" 3 "a profile listen that is not loopback: exit 3"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

done_testing
