#!/bin/sh
# t2300-http-errors: how vtoken copes when the token endpoint fails:
# retries (at most 3 attempts, on 408/429/5xx, transport errors and
# transient OAuth errors), refusals that are not retried, malformed,
# oversized and hostile replies, timeouts, unreachable and forbidden
# token URIs.  Every failure: the documented exit status, nothing on stdout,
# one "vtoken: ..." line on stderr.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-sa@vt-test.iam.gserviceaccount.com
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-test-project
mock_add_user vt-cid.apps.googleusercontent.com vt-secret 1//0vt-refresh
make_user_file "$T/user.json" vt-cid.apps.googleusercontent.com vt-secret \
    1//0vt-refresh "$MOCK_URL/token"

vt_sa() {
	vt --credentials "$T/sa.json" "$@"
}

# attempts N DESC: the mock saw N token requests since the last
# mock_log_clear.
attempts() {
	is "$(mock_count /token)" "$1" "$2"
}

# waited_at_least I MS DESC: the mock received the (I+1)-th token request
# at least the backoff vtoken really sleeps for a nominal MS ms (see
# VTOKEN_TEST_BACKOFF_SCALE in lib.sh) after the I-th.
waited_at_least() {
	w_gap=$(mock_gap_ms /token "$1" $(($1 + 1)))
	[ "${w_gap:-0}" -ge "$(backoff_ms "$2")" ]
	ok $? "$3 (${w_gap} ms apart, at least $(backoff_ms "$2") ms)"
}

# -- retried, then success -----------------------------------------------------------

# The waits are a tenth of the real ones (VTOKEN_TEST_BACKOFF_SCALE), the
# schedule and what -v says are not.
mock_log_clear
mock_fault '{"fail":2,"status":503}'
vt_sa -v token
vt_ok "503 twice, then success: exit 0"
like "$VT_OUT" "^$TOKEN_RE\$" "the token is printed"
attempts 3 "three attempts"
like "$VT_ERR" 'retrying in (0\.9|1\.0|1\.1)s after HTTP 503' \
    "-v: a backoff of 1 s +-10%"
like "$VT_ERR" 'retrying in (1\.[89]|2\.[0-2])s after HTTP 503' \
    "-v: then 2 s +-10%"
waited_at_least 0 900 "the first wait is slept"
waited_at_least 1 1800 "the second too"
within 1000 "but not much more" "$(backoff_ms 3300)"

mock_log_clear
mock_fault '{"fail":1,"status":429,"retry_after":"2"}'
vt_sa -v token
vt_ok "429 with Retry-After, then success: exit 0"
attempts 2 "two attempts"
like "$VT_ERR" 'retrying in 2\.0s after HTTP 429' "-v: Retry-After: 2 is honoured"
waited_at_least 0 2000 "and slept (not the 1 s backoff)"

# Whether a wait still fits before the deadline is judged on the real
# schedule: a scaled 0.2 s would fit in 1 s, the 2 s Retry-After does not.
mock_log_clear
mock_fault '{"status":503,"retry_after":"2"}'
vt_sa token --timeout 1
vt_fails 5 "503 with Retry-After: 2 and --timeout 1: exit 5"
attempts 1 "no retry that would pass the deadline"

# One real wait, unscaled, as vtoken does it outside its tests.
mock_log_clear
mock_fault '{"fail":1,"status":503,"retry_after":"1"}'
scale=$VTOKEN_TEST_BACKOFF_SCALE
VTOKEN_TEST_BACKOFF_SCALE=
vt_sa token
VTOKEN_TEST_BACKOFF_SCALE=$scale
vt_ok "503 with Retry-After: 1, no backoff scale: exit 0"
gap=$(mock_gap_ms /token 0 1)
[ "${gap:-0}" -ge 1000 ]
ok $? "a real second between the attempts (${gap} ms)"

for status in 408 500 502 504; do
	mock_log_clear
	mock_fault "{\"fail\":1,\"status\":$status}"
	vt_sa token
	vt_ok "$status once, then success: exit 0"
	attempts 2 "$status is retried"
done

mock_log_clear
mock_fault '{"fail":1,"status":400,"body":{"error":"temporarily_unavailable"}}'
vt_sa token
vt_ok "400 temporarily_unavailable once, then success: exit 0"
attempts 2 "the transient OAuth error is retried"

mock_log_clear
mock_fault '{"reply":"disconnect"}'
vt_sa token
vt_fails 5 "the connection closes with no reply, every time: exit 5"
attempts 3 "after three attempts"

# -- retried until given up --------------------------------------------------------

mock_log_clear
mock_fault '{"status":503,"retry_after":"1"}'
vt_sa token
vt_fails 5 "503 every time: exit 5"
attempts 3 "after three attempts"
like "$VT_ERR" '503' "the message gives the status"
within 1000 "within the retry schedule" "$(backoff_ms 2000)"

mock_log_clear
mock_fault '{"reply":"server_error_json"}'
vt_sa token
vt_fails 5 "400 temporarily_unavailable every time: exit 5"
attempts 3 "after three attempts"

mock_log_clear
mock_fault '{"reply":"html"}'
vt_sa token
vt_fails 5 "502 with an HTML page every time: exit 5"
attempts 3 "after three attempts"
unlike "$VT_ERR" '<html|DOCTYPE' "the HTML page is not echoed"

# -- refused: exit 4, not retried ------------------------------------------------------

mock_log_clear
mock_fault '{"reply":"invalid_grant"}'
vt_sa token
vt_fails 4 "invalid_grant: exit 4"
attempts 1 "not retried"
like "$VT_ERR" 'invalid_grant' "the message quotes the error"
like "$VT_ERR" 'Invalid JWT' "and its description"
like "$VT_ERR" '[Cc]lock' "and hints at the clock"

mock_log_clear
mock_fault '{"reply":"invalid_rapt"}'
vt --credentials "$T/user.json" token
vt_fails 4 "invalid_rapt: exit 4"
attempts 1 "not retried"
like "$VT_ERR" 'gcloud auth application-default login' \
    "the message says to run gcloud auth application-default login"

for status in 401 403; do
	mock_log_clear
	mock_fault "{\"status\":$status,\"body\":{\"error\":\"unauthorized_client\",\"error_description\":\"Client is unauthorized\"}}"
	vt_sa token
	vt_fails 4 "$status: exit 4"
	attempts 1 "$status is not retried"
done

# -- bad replies: exit 5 --------------------------------------------------------------

for kind in malformed truncated not_object no_token oversized; do
	mock_log_clear
	mock_fault "{\"reply\":\"$kind\"}"
	vt_sa token
	vt_fails 5 "a $kind reply: exit 5"
done

mock_fault '{"reply":"oversized"}'
vt_sa token --json
vt_fails 5 "an oversized reply with token --json: exit 5"

# -- a hostile token ------------------------------------------------------------

rm -f "$T/pwned"
if [ -e /tmp/pwned ]; then
	PWNED_BEFORE=1
else
	PWNED_BEFORE=
fi
mock_fault '{"reply":"metachar"}'
for cmd in token header env; do
	vt_sa "$cmd"
	vt_fails 4 "a token with shell metacharacters and a newline: $cmd exits 4"
	unlike "$VT_ERR" 'touch|`' "$cmd: the message does not echo the token"
	# Should anything be printed after all, evaluating it must be harmless.
	(eval "$VT_OUT") >/dev/null 2>&1
done
[ ! -e "$T/pwned" ]
ok $? "nothing ran the token's commands"
if [ -z "$PWNED_BEFORE" ]; then
	[ ! -e /tmp/pwned ]
	ok $? "/tmp/pwned was not created"
else
	skip "/tmp/pwned existed before the test"
fi

# -- odd but acceptable replies ----------------------------------------------------------

mock_fault '{"reply":"string_expires"}'
vt_sa token --json
vt_ok "expires_in as a string: exit 0"
cp "$T/out" "$T/token.json"
like "$(json_get "$T/token.json" expires_in)" '^35[0-9][0-9]$' \
    "and it is understood as a number"

mock_fault '{"reply":"short"}'
vt_sa token --json
vt_ok "a token that lives 30 s: exit 0"
cp "$T/out" "$T/token.json"
expires_in=$(json_get "$T/token.json" expires_in)
[ "${expires_in:-99}" -le 30 ]
ok $? "and expires_in says so ($expires_in)"

mock_fault '{"reply":"bad_token_type"}'
vt_sa token
case $VT_STATUS in
4 | 5) code=$VT_STATUS ;;
*) code=4 ;;
esac
vt_fails "$code" "token_type mac, not Bearer: exit 4 or 5 (got $VT_STATUS)"

mock_fault_clear

# -- time limits ------------------------------------------------------------------

# The server takes longer than any bound here may grow to (VT_TIME_SCALE).
mock_log_clear
mock_fault '{"delay":20}'
vt_sa token --timeout 1
vt_fails 5 "--timeout 1 against a server that takes 20 s: exit 5"
within 1000 "well before the server answers" 1000

vt_sa --timeout 1s token
vt_fails 5 "--timeout 1s: exit 5"
within 1000 "also in time" 1000
mock_fault_clear

# -- unreachable and forbidden token URIs -----------------------------------------------

PORT=$(closed_port)
make_sa_file "$T/closed.json" "$SA" "$KEY" "http://127.0.0.1:$PORT/token"
vt --credentials "$T/closed.json" token
vt_fails 5 "connection refused: exit 5"
within 1000 "in bounded time" "$(backoff_ms 3300)"

# Remote hosts over plain http are refused before any connection.  A proxy
# pointing at the mock would show any attempt (and keeps it off the net).
mock_log_clear
http_proxy=$MOCK_URL
HTTPS_PROXY=$MOCK_URL
ALL_PROXY=$MOCK_URL
export http_proxy HTTPS_PROXY ALL_PROXY

make_sa_file "$T/remote.json" "$SA" "$KEY" http://example.com/token
vt --credentials "$T/remote.json" token
vt_fails 4 "token_uri http://example.com/token: exit 4"
like "$VT_ERR" 'https' "the message says https is required"

make_user_file "$T/remote-user.json" vt-cid.apps.googleusercontent.com \
    vt-secret 1//0vt-refresh http://oauth2.googleapis.com.example.net/token
vt --credentials "$T/remote-user.json" token
vt_fails 4 "authorized_user, token_uri http:// to a remote host: exit 4"

make_sa_file "$T/lookalike.json" "$SA" "$KEY" http://127.0.0.1.example.net/token
vt --credentials "$T/lookalike.json" token
vt_fails 4 "a host that only looks like loopback: exit 4"

unset http_proxy HTTPS_PROXY ALL_PROXY
is "$(wc -l <"$MOCK_LOG" | tr -d ' ')" 0 "no connection was attempted"

done_testing
