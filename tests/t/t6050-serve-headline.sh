#!/bin/sh
# t6050-serve-headline: the broker's reason to exist.  The mock issues
# 20-second tokens; for at least three lifetimes (VT_SERVE_SECONDS,
# default 65 s) clients send requests without a pause, plain and
# streaming, several at once: a Python client (4 threads, a new
# connection per request) and the official openai npm package (one
# client, 2 loops), the latter configured only by
# `eval "$(vtoken env --serve)"`.  Then: not one failure, at least 3
# distinct tokens upstream, every upstream request carried a token the
# mock had issued and that had not expired, and no request after the
# first waited on a mint (the log's token_wait_ms).

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SECONDS_RUN=${VT_SERVE_SECONDS:-65}
LIFETIME=20
# A request after the first may show a token_wait_ms up to this (rounding,
# a lock), not a mint.
WAIT_MS_MAX=5

serve_setup
XDG_CACHE_HOME=$T/cache/headline
mkdir -p "$XDG_CACHE_HOME"
mock_set expires_in "$LIFETIME"
mock_set chat '{"interval": 0.05}'

serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
serve_env

node_missing=$(npm_missing openai)
[ -n "$node_missing" ] && [ "${CI-}" = true ] &&
    bail_out "$node_missing, and CI must have it"

# The first request mints (and may wait for it); all later ones must not.
sc req --text first
is "$(sc_get status)" 200 "the first request (it mints)"
t0=$(now_ms)

if [ -z "$node_missing" ]; then
	(
		unset OPENAI_API_KEY OPENAI_BASE_URL
		eval "$("$VTOKEN" env --serve)" || exit 9
		NODE_PATH=$VT_NODE_MODULES
		export NODE_PATH
		exec node "$VT_SRCDIR/tests/mock/openai-loop.js" "$SECONDS_RUN" 2
	) >"$T/node.out" 2>"$T/node.err" &
	node_pid=$!
fi
"$PYTHON3" "$VT_SRCDIR/tests/mock/serveclient.py" load \
    --seconds "$SECONDS_RUN" --workers 4 >"$T/py.out" 2>"$T/py.err"
py_status=$?
if [ -n "$node_missing" ]; then
	skip "$node_missing" 2
else
	wait "$node_pid"
	node_status=$?
fi
t1=$(now_ms)
diag "ran for $(((t1 - t0) / 1000)) s"

is "$py_status" 0 "python: no failure" ||
    diag "$(cut -c1-3000 "$T/py.out")" "$(cat "$T/py.err")"
like "$(json_get "$T/py.out" plain) $(json_get "$T/py.out" stream)" \
    '^[1-9][0-9]* [1-9][0-9]*$' \
    "python: plain and streaming requests ($(json_get "$T/py.out" total) in all)"
if [ -z "$node_missing" ]; then
	is "$node_status" 0 "openai npm package: no failure" ||
	    diag "$(cut -c1-3000 "$T/node.out")" "$(cat "$T/node.err")"
	like "$(json_get "$T/node.out" plain) $(json_get "$T/node.out" stream)" \
	    '^[1-9][0-9]* [1-9][0-9]*$' \
	    "openai: plain and streaming requests ($(json_get "$T/node.out" total) in all)"
fi
[ $((t1 - t0)) -ge $((3 * LIFETIME * 1000)) ]
ok $? "the clients ran for at least 3 token lifetimes"

"$PYTHON3" "$MOCKCTL" chat-summary "$MOCK_LOG" >"$T/summary.json"
diag "upstream: $(cat "$T/summary.json")"
tokens=$(json_get "$T/summary.json" tokens)
[ "$tokens" -ge 3 ]
ok $? "at least 3 distinct tokens upstream ($tokens)"
is "$(json_get "$T/summary.json" invalid)" 0 \
    "every upstream request carried an issued, unexpired token"
is "$(json_get "$T/summary.json" statuses)" \
    "{\"200\": $(json_get "$T/summary.json" requests)}" "and got 200"
diag "mints: $(mock_count /token)"

# token_wait_ms: the first request line may show the mint; none after it.
serve_requests >"$T/reqs"
n=$(wc -l <"$T/reqs" | tr -d ' ')
sed 1d "$T/reqs" | sed -n 's/.* token_wait_ms=\([0-9]*\).*/\1/p' |
    sort -n | tail -n 1 >"$T/maxwait"
max=$(cat "$T/maxwait")
[ "${max:-99999}" -le "$WAIT_MS_MAX" ]
ok $? "no request after the first waited on a mint (max token_wait_ms ${max:-?} over $((n - 1)) requests)"
grep -c 'status=200' "$T/reqs" >"$T/n200"
is "$(cat "$T/n200")" "$n" "every request line says status=200"

serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

done_testing
