#!/bin/sh
# t6000-serve-mock: what the broker's tests need of the mock's chat
# endpoint, checked against the mock alone (tests/mock/serveclient.py
# talking to it directly): only unexpired tokens it issued, the record of
# each request's token, fault sequences, Retry-After, per-location faults,
# a reset mid-stream, SSE events paced and stamped, and 300 streams at once.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

mock_start

# issue LIFETIME: a token the mock issued, as if minted.
issue() {
	curl -q -sS --noproxy '*' -m 10 -d "lifetime=$1" "$MOCK_URL/_mock/issue"
}
summary() {
	"$PYTHON3" "$MOCKCTL" chat-summary "$MOCK_LOG" >"$T/summary.json"
	json_get "$T/summary.json" "$1"
}

OPENAI_BASE_URL=$MOCK_URL/v1
OPENAI_API_KEY=$(issue 60)
export OPENAI_BASE_URL OPENAI_API_KEY
PA=/v1/projects/p/locations/loc-a/endpoints/openapi/chat/completions
PB=/v1/projects/p/locations/loc-b/endpoints/openapi/chat/completions

like "$OPENAI_API_KEY" '^ya29\.mock-[0-9]+-' "/_mock/issue issues a token"

sc req --path "$PA" --text "one two" --test-id t1
is "$(sc_get status)" 200 "the chat endpoint takes it"
is "$(json_get "$T/sc.out" headers.x-mock-test)" t1 "and echoes X-Vt-Test as X-Mock-Test"
is "$(mock_get "$PA" location)" loc-a "the record has the location"
is "$(mock_get "$PA" token_valid)" true "and that the token was valid"
like "$(mock_get "$PA" token_ttl)" '^(5[0-9]|60)\.' "and how long it had left"

# An expired token is refused, and recorded as such.
sc_key "$(issue 1)" req --path "$PA" --test-id fresh
is "$(sc_get status)" 200 "a 1-second token works at once"
sleep 1.2
sc_key "$(mock_get /_mock/issue issued)" req --path "$PA" --test-id expired
is "$(sc_get status)" 401 "and is refused once it has expired"
is "$(mock_get "$PA" token_valid)" false "recorded as not valid"
like "$(mock_get "$PA" token_ttl)" '^-' "with a negative time left"
sc_key ya29.not-issued req --path "$PA"
is "$(sc_get status)" 401 "a token it did not issue is refused"
is "$(mock_get "$PA" token_ttl)" null "its time left is unknown"

# Sequences: per location, restarting with the config.
mock_set chat '{"faults": {"sequence": [503, 503, 200], "retry_after": "1"}}'
for _ in 1 2 3 4; do
	sc req --path "$PA"
	printf '%s %s\n' "$(sc_get status)" "$(sc_get headers.retry-after)"
done >"$T/seq"
is "$(tr '\n' ' ' <"$T/seq")" "503 1 503 1 200  200  " \
    "sequence 503,503,200: then normal replies; Retry-After on the faults"
sc req --path "$PB"
is "$(sc_get status)" 503 "each location has its own count"
is "$(mock_get "$PB" fault)" 503 "the fault is recorded"

mock_set chat '{"faults": {"status": 429, "retry_after": "2"}, "locations": {"loc-b": {}}}'
sc req --path "$PA"
is "$(sc_get status) $(sc_get headers.retry-after)" "429 2" \
    "status: every request; Retry-After as configured"
like "$(sc_get body)" RESOURCE_EXHAUSTED "a Google-style 429 body"
sc req --path "$PB"
is "$(sc_get status)" 200 "a location's own entry replaces the default"

mock_set chat '{"faults": {"sequence": ["disconnect"]}}'
sc req --path "$PA"
like "$(sc_get error)" 'RemoteDisconnected|ConnectionReset|BadStatusLine' \
    "disconnect: the connection closes without a reply"

mock_set chat "{\"faults\": {\"reject_tokens\": [\"$OPENAI_API_KEY\"]}}"
sc req --path "$PA"
is "$(sc_get status)" 401 "reject_tokens: 401 for that token, as if revoked"
is "$(mock_get "$PA" token_valid)" true "though it was valid"

# Streaming: paced, stamped, chunked.
mock_set chat '{"interval": 0.3}'
sc req --path "$PA" --stream --text "a b c"
is "$(sc_get status)" 200 "a streamed reply"
is "$(sc_get "done")" true "ends with [DONE]"
is "$(sc_get content)" "mock reply: a b c" "the deltas make up the echo"
is "$(sc_get headers.transfer-encoding)" chunked "in chunked encoding"
"$PYTHON3" - "$T/sc.out" >"$T/pace" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
sent = [e["sent"] for e in ev]
gaps = [b - a for a, b in zip(sent, sent[1:])]
late = max(e["recv"] - e["sent"] for e in ev)
print(len(ev), int(min(gaps) * 1000), int(late * 1000))
EOF
read -r n gap late <"$T/pace"
is "$n" 7 "7 events (role, 5 words, stop)"
[ "$gap" -ge 290 ]
ok $? "sent at least 300 ms apart (min $gap ms)"
took_less "$late" 50 "each read within 50 ms of its mock_sent stamp"

mock_set chat '{"interval": 0.1, "faults": {"reset_after": 2}}'
sc req --path "$PA" --stream --text "a b c"
is "$(sc_get status)" 200 "reset_after: the reply begins"
like "$(sc_get error)" 'ConnectionReset|IncompleteRead' "and is reset"
n=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["events"]))' "$T/sc.out")
is "$n" 2 "after 2 events"
is "$(sc_get "done")" false "without [DONE]"
is "$(mock_get "$PA" fault)" reset "recorded as a reset"
mock_set chat '{"faults": {"sequence": ["reset", 200]}}'
sc req --path "$PA" --stream
n=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["events"]))' "$T/sc.out")
is "$(sc_get "done")/$n" false/1 "sequence entry reset: cut after the first event"
sc req --path "$PA" --stream
is "$(sc_get "done")" true "the next one is whole"

# Many streams at once: the listen backlog and threads hold.
mock_set chat '{"interval": 0.1}'
sc many --n 300 --stream --path "$PA"
is "$SC_STATUS" 0 "300 streams at once all complete" ||
    diag "$(cut -c1-1500 "$T/sc.out")"

mock_log_clear
mock_set chat '{}'
sc req --path "$PA" --test-id w1
sc req --path "$PA" --test-id w1
is "$("$PYTHON3" "$MOCKCTL" where "$MOCK_LOG" headers.x-vt-test w1 status |
    tr '\n' ' ')" "200 200 " "mockctl where: the records of one test id"
is "$(summary requests) $(summary tokens) $(summary invalid)" "2 1 0" \
    "mockctl chat-summary counts requests, tokens, invalid ones"

done_testing
