#!/bin/sh
# t6030-serve-retry: what the broker does before the first response byte.
# 503, 503, 200 upstream is a 200 after 3 attempts; a 429's Retry-After is
# honoured; an upstream 401 drops the token, mints one more and retries
# once; with --location A,B a request that ends in 429 at A goes to B.
# After the first byte nothing is retried: a reset after the first SSE
# event ends that response only, while a parallel one completes.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup

# tries ID [FIELD]: FIELD (default status) of the upstream attempts the
# mock logged for the client request with X-Vt-Test: ID, one per line.
tries() {
	"$PYTHON3" "$MOCKCTL" where "$MOCK_LOG" headers.x-vt-test "$1" "${2:-status}"
}
ntries() {
	tries "$1" | wc -l | tr -d ' '
}
# logline N: the broker's N-th request line from the end (1: the last).
logline() {
	serve_requests | tail -n "$1" | head -n 1
}
field() {
	printf '%s\n' "$1" | sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p"
}

serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
serve_env
sc req --test-id warm
is "$(sc_get status)" 200 "a first request (the token is minted)"

# -- 5xx, then success ---------------------------------------------------------------

mock_set chat '{"faults": {"sequence": [503, 503, 200]}}'
sc req --test-id r1
is "$(sc_get status)" 200 "upstream 503, 503, 200: the client gets 200"
is "$(tries r1 | tr '\n' ' ')" "503 503 200 " "after 3 upstream attempts"
is "$(field "$(logline 1)" attempts)" 3 "the log says attempts=3"
like "$(sc_get body)" 'mock reply' "and the body is the real reply"

# A reply to be retried is read only so far (1 MiB): a 503 whose 512 MiB
# body comes at 2 MB/s (over four minutes) does not hold the retry up.
mock_set chat '{"faults": {"sequence": [503, 200], "error_body_size": 536870912, "error_body_rate": 2000000}}'
sc req --test-id r1b --timeout $(($(scaled_ms 20000) / 1000))
is "$(sc_get status)" 200 "a 503 with an endless body, then 200: the client gets 200"
is "$(tries r1b | tr '\n' ' ')" "503 200 " "after 2 attempts"

mock_set chat '{"faults": {"sequence": [500, 502, 504]}}'
sc req --test-id r2
is "$(sc_get status)" 504 "500, 502, 504: the third answer goes to the client"
is "$(ntries r2)" 3 "3 attempts, no more"
sc req --test-id r2b
is "$(sc_get status)" 200 "and the broker serves on"

mock_set chat '{"faults": {"sequence": ["disconnect", 200]}}'
sc req --test-id r3
is "$(sc_get status)" 200 "a connection closed without a reply is retried"
is "$(ntries r3)" 2 "(2 attempts)"

mock_set chat '{"faults": {"sequence": [400]}}'
sc req --test-id r4
is "$(sc_get status)" 400 "a 400 is not retried: the client gets it"
is "$(ntries r4)" 1 "in one attempt"

# -- 429 with Retry-After ------------------------------------------------------------
# With the test backoff scale a nominal wait of W ms is slept as
# backoff_ms W: Retry-After: 3 must be at least that, more than the
# scaled first backoff (1 s).

mock_set chat '{"faults": {"sequence": [429, 200], "retry_after": "3"}}'
sc req --test-id ra
is "$(sc_get status)" 200 "429 with Retry-After: 3, then 200: the client gets 200"
is "$(ntries ra)" 2 "after 2 attempts"
gap=$(tries ra time | "$PYTHON3" -c 'import sys
t = [float(x) for x in sys.stdin.read().split()]
print(int((t[1] - t[0]) * 1000) if len(t) == 2 else -1)')
min=$(backoff_ms 3000)
[ "$gap" -ge "$min" ]
ok $? "the retry waited Retry-After ($gap ms apart, at least $min ms)"
serve_stop

# Real waits: Retry-After: 1 is a second at least.
saved_scale=$VTOKEN_TEST_BACKOFF_SCALE
VTOKEN_TEST_BACKOFF_SCALE=
serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
VTOKEN_TEST_BACKOFF_SCALE=$saved_scale
serve_env
mock_set chat '{"faults": {"sequence": [429, 200], "retry_after": "1"}}'
sc req --test-id ra1
is "$(sc_get status)" 200 "without the backoff scale: 429 with Retry-After: 1, then 200"
gap=$(tries ra1 time | "$PYTHON3" -c 'import sys
t = [float(x) for x in sys.stdin.read().split()]
print(int((t[1] - t[0]) * 1000) if len(t) == 2 else -1)')
[ "$gap" -ge 950 ]
ok $? "the attempts are a second apart in the mock's log ($gap ms)"
serve_stop
serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
serve_env
mock_set chat '{}'
sc req --test-id warm2

# -- upstream 401: one fresh mint, one retry ------------------------------------------

mints=$(mock_count /token)
old=$(mock_issued)
curl -q -sS --noproxy '*' -m 10 -d "token=$old" "$MOCK_URL/_mock/revoke" >/dev/null
sc req --test-id u1
is "$(sc_get status)" 200 "the token was revoked upstream: the client still gets 200"
is "$(tries u1 | tr '\n' ' ')" "401 200 " "upstream: 401, then 200"
is "$(mock_count /token)" $((mints + 1)) "after exactly one new mint"
new=$(mock_issued)
is "$(tries u1 headers.authorization | tail -n 1)" "Bearer $new" "the retry carried the new token"
[ "$new" != "$old" ]
ok $? "not the revoked one"
is "$(field "$(logline 1)" attempts)" 2 "the log says attempts=2"
sc req --test-id u2
is "$(tries u2 headers.authorization)" "Bearer $new" "the next request uses the new token at once"

mints=$(mock_count /token)
mock_set chat '{"faults": {"status": 401}}'
sc req --test-id u3
is "$(sc_get status)" 401 "401 for every token: the client gets the 401"
is "$(ntries u3)" 2 "after one retry, not more"
is "$(mock_count /token)" $((mints + 1)) "and one mint, not more"
mock_set chat '{}'
sc req --test-id u4
is "$(sc_get status)" 200 "then the broker serves on"

# -- a reset after the first event ------------------------------------------------------

mock_set chat '{"interval": 0.3, "faults": {"sequence": ["reset", 200]}}'
sc req --stream --test-id cut --text "five words in this reply" &
cut_pid=$!
# The cut one is the first the mock sees; then the parallel one starts.
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while [ "$(ntries cut)" -lt 1 ] && [ "$(now_ms)" -lt "$vt_end" ]; do
	sleep 0.05
done
(
	"$PYTHON3" "$VT_SRCDIR/tests/mock/serveclient.py" req --stream \
	    --test-id whole --text "five words in this reply" >"$T/whole.out" 2>&1
)
wait "$cut_pid"
cp "$T/sc.out" "$T/cut.out"
is "$(json_get "$T/whole.out" "done")/$(json_get "$T/whole.out" content)" \
    "true/mock reply: five words in this reply" \
    "a parallel stream completes normally"
is "$(json_get "$T/cut.out" status)" 200 "the cut stream had begun (200)"
is "$(json_get "$T/cut.out" "done")" false "it ends without [DONE]"
nev=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["events"]))' "$T/cut.out")
is "$nev" 1 "after the one event the upstream sent"
like "$(json_get "$T/cut.out" error)" '.' \
    "and the client sees the response break off (not a clean end)"
is "$(ntries cut)" 1 "after the first byte nothing is retried"
mock_set chat '{}'
sc req --test-id after-cut
is "$(sc_get status)" 200 "the broker serves on"
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

# -- failover: --location A,B --------------------------------------------------------
# A base URL naming {location} is computed per location; the mock's chat
# path carries /locations/L/, so its record shows which location a
# request reached.

mock_set chat '{"locations": {"loc-a": {"status": 429, "retry_after": "1"}}}'
mock_log_clear
serve_start --location loc-a,loc-b \
    --base-url "$MOCK_URL/v1/projects/vt-serve/locations/{location}/endpoints/openapi" ||
    bail_out "the broker did not start"
serve_env
sc req --test-id f1 --text failover
is "$(sc_get status)" 200 "location A answers 429: the client gets 200"
like "$(sc_get body)" 'mock reply: failover' "B's reply"
is "$(tries f1 location | tr '\n' ' ')" "loc-a loc-a loc-a loc-b " \
    "3 attempts at A, then B"
is "$(field "$(logline 1)" attempts)" 4 "the log says attempts=4"

mock_set chat '{"locations": {"loc-a": {"sequence": [503, 503, 503]}}}'
sc req --test-id f2 --stream --text "streamed failover"
is "$(sc_get status)/$(sc_get "done")" 200/true "503s at A: a stream from B"
is "$(tries f2 location | tr '\n' ' ')" "loc-a loc-a loc-a loc-b " "3 at A, 1 at B"

mock_set chat '{"locations": {"loc-a": {"sequence": [500, 500, 500]}}}'
sc req --test-id f3
is "$(sc_get status)" 500 "500s at A: no failover (only 429 and 503 fail over)"
is "$(tries f3 location | tr '\n' ' ')" "loc-a loc-a loc-a " "A only"

mock_set chat '{"faults": {"status": 429}}'
sc req --test-id f4
is "$(sc_get status)" 429 "429 everywhere: the client gets the last 429"
is "$(ntries f4)" 6 "after 3 attempts at each location"
mock_set chat '{}'
sc req --test-id f5
is "$(sc_get status)" 200 "A answers again"
is "$(tries f5 location)" loc-a "requests go to A first again"
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

# Every other command uses the first location of a list, so one profile
# serves the broker and the programs that ask env for a token.
vt env --location loc-a,loc-b --shell json \
    --base-url "$MOCK_URL/v1/projects/vt-serve/locations/{location}/endpoints/openapi"
is "$VT_STATUS" 0 "env with a list of locations works"
like "$VT_OUT" '/locations/loc-a/endpoints/openapi"' "with the first location"
vt env --location loc-a,bad_loc --shell json --base-url "$SERVE_BASE"
is "$VT_STATUS" 2 "a list with an invalid location: exit 2"

done_testing
