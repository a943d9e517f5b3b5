#!/bin/sh
# t6020-serve-access: who and what the broker serves.  A missing or wrong
# local key is 401 (OpenAI-shaped) and nothing goes upstream; another uid
# is 403; a Host header that does not name the listen address is 403; a
# path outside /v1 is 404 (JSON); a body over max_body (32 MiB, or the
# profile's) is 413; a credential failure is 502 vtoken_credentials.  The
# log has one line per request (-q: failures only) and, even at -vvv, no
# token, no local key, no header value.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup

# err_is STATUS TYPE CODE DESC: the last sc reply is an OpenAI-shaped
# error with that status, error.type and error.code ("-": not checked).
err_is() {
	"$PYTHON3" - "$T/sc.out" "$1" "$2" "$3" >"$T/err_is" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
st, typ, code = sys.argv[2:5]
try:
    e = json.loads(r["body"])["error"]
except (ValueError, KeyError, TypeError):
    sys.exit("status %s, body not an error object: %r" % (r["status"], r.get("body")))
bad = []
if str(r["status"]) != st:
    bad.append("status %s" % r["status"])
if typ != "-" and e.get("type") != typ:
    bad.append("type %r" % e.get("type"))
if code != "-" and e.get("code") != code:
    bad.append("code %r" % e.get("code"))
if not isinstance(e.get("message"), str) or not e["message"]:
    bad.append("no message")
if bad:
    sys.exit("; ".join(bad) + ": " + r["body"][:300])
print(e["message"])
EOF
	vt_r=$?
	ok "$vt_r" "$4" || diag "$(cat "$T/err_is")"
}

upstream() {
	mock_count "$SERVE_CHAT"
}

serve_start --base-url "$SERVE_BASE" -vvv || bail_out "the broker did not start"
serve_env
sc req --text warm-up --header "X-Vt-Test: x-vt-test-value-123"
is "$(sc_get status)" 200 "a request with the key works (and warms the token)"
# What the log must never show (checked at the end of the -vvv run).
"$PYTHON3" "$MOCKCTL" where "$MOCK_LOG" path /token issued >"$T/secrets"
mock_log_clear

# -- the local key ----------------------------------------------------------------

sc req --no-key
err_is 401 invalid_request_error invalid_api_key "no Authorization: 401 invalid_api_key"
sc_key "vtk-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" req
err_is 401 invalid_request_error invalid_api_key "a wrong key: 401"
sc_key "${SERVE_KEY%?}" req
err_is 401 invalid_request_error invalid_api_key "the key less its last character: 401"
sc req --no-key --header "Authorization: Basic $(printf 'x:%s' "$SERVE_KEY" | base64 | tr -d '\n')"
err_is 401 invalid_request_error invalid_api_key "the key in Basic auth: 401"
sc req --no-key --header "Authorization: Bearer"
err_is 401 invalid_request_error invalid_api_key "Bearer with nothing after it: 401"
sc_key "$(mock_issued)" req
err_is 401 invalid_request_error invalid_api_key "a Google token as the key: 401"
sc req --no-key --stream
err_is 401 invalid_request_error invalid_api_key "a streaming request without the key: 401"
is "$(upstream)" 0 "none of them went upstream"
unlike "$(sc_get body)" "$SERVE_KEY" "the error does not echo the key"

# -- Host -------------------------------------------------------------------------------

sc req --host evil.example
is "$(sc_get status)" 403 "Host: evil.example: 403"
sc req --host "evil.example:${SERVE_LISTEN##*:}"
is "$(sc_get status)" 403 "Host: evil.example:PORT: 403"
sc req --host "127.0.0.1:1"
is "$(sc_get status)" 403 "Host: 127.0.0.1 and another port: 403"
sc req --host "localhost:${SERVE_LISTEN##*:}"
is "$(sc_get status)" 200 "Host: localhost:PORT is the listen address too"
is "$(upstream)" 1 "only that one went upstream"

# -- paths and bodies -------------------------------------------------------------------

for p in / /v2/chat/completions /v1beta/openai/chat/completions /chat/completions /v1x/chat/completions; do
	sc req --path "$p"
	err_is 404 - - "$p: 404 with a JSON error"
done
sc req --path /v1/../token
like "$(sc_get status)" '^(400|404)$' "/v1/../token: 400 or 404, not forwarded as is"
is "$(mock_count /token)" 0 "nothing reached the mock's token endpoint"
mock_log_clear

sc req --body-size $((900 * 1024)) --text "a big body"
is "$(sc_get status)" 200 "a 900 KiB body goes through"
is "$(mock_get "$SERVE_CHAT" json.messages.0.content)" "a big body" \
    "whole (the mock parsed it)"
sc req --body-size $((33 * 1024 * 1024)) --text "too big" --timeout 60
err_is 413 - - "a 33 MiB body: 413"
is "$(upstream)" 1 "and it did not go upstream"
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

# -vvv: not a token, not the local key, not a header value, not a body.
serve_requests >"$T/reqs"
is "$(grep -c ' status=' "$T/reqs")" "$(grep -c '^vtoken: request ' "$T/reqs")" \
    "every request line has status="
"$PYTHON3" "$MOCKCTL" where "$MOCK_LOG" path /token issued >>"$T/secrets"
printf '%s\n' "$SERVE_KEY" "${SERVE_KEY#vtk-}" "x-vt-test-value-123" >>"$T/secrets"
sed -i '/^$/d' "$T/secrets"
is "$(grep -c '^ya29' "$T/secrets")" 1 "(one token was minted)"
grep -F -f "$T/secrets" "$SERVE_ERR" >"$T/leaks"
is "$(cat "$T/leaks")" "" "-vvv: no token, no local key, no header value in the log"
unlike "$(cat "$SERVE_ERR")" 'ya29\.mock-[0-9]+-[A-Za-z0-9_-]{4}|vtk-[A-Za-z0-9_-]{8}' \
    "-vvv: nothing that looks like a token or a local key"
unlike "$(cat "$SERVE_ERR")" 'BEGIN [A-Z ]*PRIVATE KEY' "-vvv: no key material"
unlike "$(cat "$SERVE_ERR")" 'mock reply|too big|a big body|warm-up' \
    "-vvv: no request or reply body"

# -- max_body in the profile, -q -------------------------------------------------------

mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nmax_body = 4096\n' >"$XDG_CONFIG_HOME/vtoken/config"
: >"$SERVE_ERR"
serve_start --base-url "$SERVE_BASE" -q || bail_out "the broker did not start"
serve_env
sc req --body-size 3000
is "$(sc_get status)" 200 "max_body = 4096: a 3000-byte body goes through"
sc req --body-size 5000
err_is 413 - - "a 5000-byte body: 413"
sc req --no-key
is "$(sc_get status)" 401 "(a 401)"
mock_set chat '{"faults": {"status": 503}}'
sc req
is "$(sc_get status)" 503 "(upstream 503 every time: the client gets 503)"
mock_set chat '{}'
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"
serve_requests >"$T/reqs"
unlike "$(cat "$T/reqs")" 'status=200' "-q: no line for a success"
like "$(cat "$T/reqs")" 'status=503 .* attempts=3 ' "-q: a line for the failure (503 after 3 attempts)"
diag "-q logged: $(cat "$T/reqs")"
grep -v '^\$ ' "$SERVE_ERR" | grep -v '^vtoken: request ' >"$T/other"
is "$(cat "$T/other")" "" "-q: nothing else on stderr (no startup line)"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# -- another user ------------------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
	skip "another uid needs root (setpriv --reuid)" 9
elif ! command -v setpriv >/dev/null 2>&1; then
	skip "setpriv is not installed (util-linux)" 9
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PYTHON3" -c 'import sys; open(sys.argv[1]).close()' \
    "$VT_SRCDIR/tests/mock/serveclient.py" 2>/dev/null; then
	skip "uid 65534 cannot read $VT_SRCDIR/tests/mock/serveclient.py" 9
else
	serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
	serve_env
	mock_log_clear
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$PYTHON3" "$VT_SRCDIR/tests/mock/serveclient.py" req \
	    >"$T/sc.out" 2>"$T/sc.err"
	err_is 403 - - "uid 65534 with the right key: 403"
	is "$(upstream)" 0 "nothing went upstream"
	is "$(json_get "$T/sc.out" headers.connection)" close \
	    "and the connection is closed (Connection: close)"
	sc req
	is "$(sc_get status)" 200 "the broker's own uid: 200"
	serve_stop

	# Another user cannot take the owner's connection slots by
	# sending headers a byte at a time (each byte restarts the idle
	# timeout): past 16 of its connections, new ones are cut at once.
	mkdir -p "$XDG_CONFIG_HOME/vtoken"
	printf '[default]\nmax_requests = 10\nidle_timeout = 3s\n' \
	    >"$XDG_CONFIG_HOME/vtoken/config"
	serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
	serve_env
	# 300 connections: more than the broker takes (max_requests + 256).
	# The owner's 3 requests below may take 3 s each (scaled); the hog
	# holds on until they are done (at most for longer than all three).
	req_s=$(($(scaled_ms 3000) / 1000 + 1))
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$PYTHON3" "$VT_SRCDIR/tests/mock/serveclient.py" hog --n 300 \
	    --seconds $((4 * req_s)) --until "$T/hog.stop" \
	    >"$T/hog.out" 2>"$T/hog.err" &
	hog=$!
	vt_end=$(($(now_ms) + $(scaled_ms 20000)))
	while ! grep -q '^opened' "$T/hog.err" 2>/dev/null &&
	    [ "$(now_ms)" -lt "$vt_end" ]; do
		sleep 0.05
	done
	is "$(cat "$T/hog.err" 2>/dev/null)" "opened 300" \
	    "another user opened 300 connections"
	n=0
	for i in 1 2 3; do
		sc req --test-id "hog$i" --timeout "$req_s"
		[ "$(sc_get status)" = 200 ] && n=$((n + 1))
	done
	is "$n" 3 "meanwhile the owner's 3 requests got 200, each within ${req_s} s"
	: >"$T/hog.stop"
	wait "$hog"
	kept=$(json_get "$T/hog.out" still_open)
	[ -n "$kept" ] && [ "$kept" -le 16 ]
	ok $? "at most 16 of the 300 were kept (here ${kept:-?}), the rest cut" ||
	    diag "$(cat "$T/hog.out" "$T/hog.err")"
	serve_stop
	is "$SERVE_STATUS" 0 "and the broker exits 0 on SIGTERM"
	rm -f "$XDG_CONFIG_HOME/vtoken/config"
fi

# -- a credential failure -----------------------------------------------------------------

XDG_CACHE_HOME=$T/cache/fresh
mkdir -p "$XDG_CACHE_HOME"
mock_fault '{"reply": "invalid_grant"}'
: >"$SERVE_ERR"
serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
serve_env
mock_log_clear
sc req
err_is 502 vtoken_credentials - "minting fails (invalid_grant): 502 vtoken_credentials"
like "$(cat "$T/err_is")" '^vtoken: .*invalid_grant' \
    "the message is the CLI's one line, starting vtoken:"
is "$(upstream)" 0 "nothing went to the chat endpoint"
mock_fault_clear
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while :; do
	sc req --text "after the fault"
	[ "$(sc_get status)" = 200 ] && break
	[ "$(now_ms)" -lt "$vt_end" ] || break
	sleep 0.2
done
is "$(sc_get status)" 200 "once the token endpoint works again, so does the broker"
serve_stop
is "$SERVE_STATUS" 0 "exit 0"

done_testing
