#!/bin/sh
# t0001-mock: the mock Google endpoints (tests/mock/mockgoogle.py) behave as
# the other tests rely on.  JWTs here are made with openssl alone, so the
# mock's pure-Python RS256 check is tested against an independent signer.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

JWT_BEARER=urn:ietf:params:oauth:grant-type:jwt-bearer
SA=mock-sa@vt-test.iam.gserviceaccount.com
CP=https://www.googleapis.com/auth/cloud-platform
MSG_TIME='Invalid JWT: Token must be a short-lived token \(60 minutes\)'

b64url() {
	"$OPENSSL" base64 -A | tr '+/' '-_' | tr -d '='
}

# jwt KEY HEADER_JSON CLAIMS_JSON: an RS256 JWT signed by openssl.
jwt() {
	j_h=$(printf '%s' "$2" | b64url)
	j_c=$(printf '%s' "$3" | b64url)
	j_s=$(printf '%s.%s' "$j_h" "$j_c" |
	    "$OPENSSL" dgst -sha256 -binary -sign "$1" | b64url)
	echo "$j_h.$j_c.$j_s"
}

# claims ISS AUD [IAT_OFFSET [LIFETIME [SCOPE]]]
claims() {
	c_now=$(date +%s)
	c_iat=$((c_now + ${3:-0}))
	printf '{"iss":"%s","aud":"%s","scope":"%s","iat":%d,"exp":%d}' \
	    "$1" "$2" "${5-$CP}" "$c_iat" $((c_iat + ${4:-3600}))
}

HDR='{"alg":"RS256","typ":"JWT"}'

# req URL CURL_ARGS...: CODE (HTTP status, 000 if none), BODY, $T/hdrs.
req() {
	r_url=$1
	shift
	rm -f "$T/body" "$T/hdrs"
	CODE=$(curl -q -sS --noproxy '*' -m 10 -o "$T/body" -D "$T/hdrs" \
	    -w '%{http_code}' "$@" "$r_url" 2>"$T/curl.err")
	CURL_STATUS=$?
	BODY=$(cat "$T/body" 2>/dev/null)
}

# post_jwt URL ASSERTION [CURL_ARGS...]
post_jwt() {
	p_url=$1
	p_assertion=$2
	shift 2
	req "$p_url" --data-urlencode "grant_type=$JWT_BEARER" \
	    --data-urlencode "assertion=$p_assertion" "$@"
}

# post_refresh URL CLIENT_ID SECRET REFRESH [SCOPE]
post_refresh() {
	req "$1" -d grant_type=refresh_token --data-urlencode "client_id=$2" \
	    --data-urlencode "client_secret=$3" \
	    --data-urlencode "refresh_token=$4" ${5:+--data-urlencode "scope=$5"}
}

# -- start-up -------------------------------------------------------------------

mock_start
like "$MOCK_PORT" '^[0-9]+$' "the mock wrote its port"
like "$MOCK_URL" '^http://127\.0\.0\.1:[0-9]+$' "MOCK_URL is loopback"
req "$MOCK_URL/_mock/health"
is "$CODE $BODY" "200 ok" "/_mock/health answers ok"
is "$(mock_get /_mock/health method)" GET "requests are logged as JSON"
req "$MOCK_URL/nowhere"
is "$CODE" 404 "an unknown path is 404"

# -- jwt-bearer grant -------------------------------------------------------------

KEY=$(gen_sa_key sa)
OTHER=$(gen_sa_key other)
mock_add_sa "$SA" "$KEY"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_URL/token")")"
is "$CODE" 200 "a JWT signed by openssl is accepted"
like "$BODY" '"access_token": "ya29\.mock-[0-9]+-[A-Za-z0-9_-]+"' \
    "the reply has a ya29 access token"
like "$BODY" '"expires_in": 3599' "expires_in defaults to 3599"
like "$BODY" '"token_type": "Bearer"' "token_type is Bearer"
TOKEN=$(json_get "$T/body" access_token)
is "$(mock_count /token)" 1 "the token request is counted"
is "$(mock_get /token form.grant_type)" "$JWT_BEARER" "the form is logged"
is "$(mock_get /token jwt.claims.iss)" "$SA" "the JWT claims are logged"

CHAT=/v1/projects/vt-test/locations/us-central1/endpoints/openapi/chat/completions
req "$MOCK_URL$CHAT" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"model":"google/gemini-2.0-flash-001","messages":[{"role":"user","content":"hello"}]}'
is "$CODE" 200 "the chat endpoint takes the issued token"
like "$BODY" '"content": "mock reply: hello"' "and echoes the user message"
like "$BODY" '"object": "chat.completion"' "as an OpenAI chat.completion"
req "$MOCK_URL/v1beta1/projects/p/locations/global/endpoints/openapi/chat/completions" \
    -H "Authorization: Bearer ya29.made-up" -H 'Content-Type: application/json' \
    -d '{"messages":[{"role":"user","content":"hello"}]}'
is "$CODE" 401 "the chat endpoint refuses a token it did not issue"
like "$BODY" UNAUTHENTICATED "with a Google-style error"

GOOD=$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_URL/token")")
H=${GOOD%%.*}
S=${GOOD##*.}
C=$(claims "$SA" "$MOCK_URL/token" 0 3600 https://www.googleapis.com/auth/other |
    b64url)
post_jwt "$MOCK_URL/token" "$H.$C.$S"
is "$CODE" 400 "tampered claims are refused"
like "$BODY" '"error": "invalid_grant".*Invalid JWT Signature\.' \
    "as Invalid JWT Signature"

post_jwt "$MOCK_URL/token" "$(jwt "$OTHER" "$HDR" "$(claims "$SA" "$MOCK_URL/token")")"
like "$CODE $BODY" '^400 .*Invalid JWT Signature' "a JWT signed by another key is refused"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" '{"alg":"none","typ":"JWT"}' "$(claims "$SA" "$MOCK_URL/token")")"
like "$CODE $BODY" '^400 .*Invalid JWT Signature' "alg none is refused"

post_jwt "$MOCK_URL/token" "${GOOD%.*}."
like "$CODE $BODY" '^400 .*Invalid JWT Signature' "an empty signature is refused"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" "$HDR" "$(claims nobody@x.iam.gserviceaccount.com "$MOCK_URL/token")")"
like "$CODE $BODY" '^400 .*Invalid email or User ID' "an unknown iss is refused"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_URL/token" -600)")"
like "$CODE $BODY" "^400 .*$MSG_TIME" "an iat 10 minutes old is refused"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_URL/token" 0 3601)")"
like "$CODE $BODY" "^400 .*$MSG_TIME" "a lifetime over an hour is refused"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" https://oauth2.googleapis.com/token)")"
like "$CODE $BODY" '^400 .*Failed audience check' "the real Google aud is refused"

post_jwt "$MOCK_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_URL/token" 0 3600 '')")"
like "$CODE $BODY" '^400 .*invalid_scope' "an empty scope is refused"

SA2=kid-sa@vt-test.iam.gserviceaccount.com
mock_add_sa "$SA2" "$OTHER" kid-1
post_jwt "$MOCK_URL/token" "$(jwt "$OTHER" '{"alg":"RS256","typ":"JWT","kid":"kid-1"}' "$(claims "$SA2" "$MOCK_URL/token")")"
is "$CODE" 200 "the configured kid is accepted"
post_jwt "$MOCK_URL/token" "$(jwt "$OTHER" '{"alg":"RS256","typ":"JWT","kid":"kid-2"}' "$(claims "$SA2" "$MOCK_URL/token")")"
like "$CODE $BODY" '^400 .*Invalid JWT Signature' "another kid is refused"
post_jwt "$MOCK_URL/token" "$(jwt "$OTHER" "$HDR" "$(claims "$SA2" "$MOCK_URL/token")")"
is "$CODE" 400 "a missing kid is refused when one is configured"

req "$MOCK_URL/token" -H 'Content-Type: application/json' \
    -d "{\"grant_type\":\"$JWT_BEARER\",\"assertion\":\"$GOOD\"}"
like "$CODE $BODY" '^400 .*invalid_request' "a JSON body at /token is refused"

# -- refresh_token grant ------------------------------------------------------------

mock_add_user cid-1.apps.googleusercontent.com secret-1 1//refresh-1
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
is "$CODE" 200 "the refresh grant works"
like "$BODY" '"access_token": "ya29\.mock-' "and returns a token"
is "$(mock_get /token form.refresh_token)" 1//refresh-1 "the refresh form is logged"
if mock_get /token form.scope >/dev/null; then
	fail "no scope is logged when none was sent"
else
	pass "no scope is logged when none was sent"
fi
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1 "$CP"
is "$(mock_get /token form.scope)" "$CP" "a sent scope is logged"
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//revoked
like "$CODE $BODY" '^400 .*"invalid_grant".*Token has been expired or revoked\.' \
    "a wrong refresh token is invalid_grant"
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com wrong 1//refresh-1
like "$CODE $BODY" '^401 .*"invalid_client"' "a wrong client secret is 401 invalid_client"
req "$MOCK_URL/token" -d grant_type=password -d username=u
like "$CODE $BODY" '^400 .*unsupported_grant_type' "an unknown grant type is refused"

# -- config and faults ------------------------------------------------------------

mock_set expires_in 120
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
like "$BODY" '"expires_in": 120' "expires_in is configurable, re-read per request"
mock_set expires_in 3599

mock_fault '{"fail":2,"status":503,"retry_after":"1"}'
mock_log_clear
codes=
for _ in 1 2 3 4; do
	post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
	codes="$codes $CODE"
done
is "$codes" " 503 503 200 200" "fail 2: the first two requests get 503"
is "$(mock_count /token)" 4 "all four are logged"
is "$(mock_get /token status 0)" 503 "with their status"
mock_fault '{"fail":2,"status":503,"retry_after":"1"}'
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
is "$CODE" 503 "writing the config again restarts the count"
like "$(cat "$T/hdrs")" '^Retry-After: 1' "Retry-After is sent"

mock_fault '{"status":429,"body":{"error":"rate_limit_exceeded"}}'
codes=
for _ in 1 2 3; do
	post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
	codes="$codes $CODE"
done
is "$codes" " 429 429 429" "status without fail: every request fails"
is "$BODY" '{"error": "rate_limit_exceeded"}' "with the given body"

# fault_reply KIND: one refresh request with that reply fault.
fault_reply() {
	mock_fault "{\"reply\":\"$1\"}"
	post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
}
fault_reply malformed
if [ "$CODE" = 200 ] && ! json_get "$T/body" access_token >/dev/null; then
	pass "reply malformed: 200, not JSON"
else
	fail "reply malformed: 200, not JSON"
fi
fault_reply truncated
if [ "$CODE" = 200 ] && ! json_get "$T/body" access_token >/dev/null; then
	pass "reply truncated: 200, cut JSON"
else
	fail "reply truncated: 200, cut JSON"
fi
fault_reply not_object
like "$CODE $BODY" '^200 \[\{' "reply not_object: a JSON array"
fault_reply no_token
is "$CODE $BODY" '200 {"expires_in": 3599}' "reply no_token: no access_token"
fault_reply metachar
like "$(json_get "$T/body" access_token)" '^ya29\.\$\(touch .*`.*'"'" \
    "reply metachar: shell metacharacters in the token"
is "$(json_get "$T/body" access_token | wc -l | tr -d ' ')" 2 \
    "and a newline"
fault_reply oversized
[ "$(wc -c <"$T/body")" -gt 1048576 ]
ok $? "reply oversized: over 1 MiB"
like "$(json_get "$T/body" access_token)" '^ya29\.mock-' "and still valid JSON"
fault_reply string_expires
like "$BODY" '"expires_in": "3599"' "reply string_expires"
fault_reply short
like "$BODY" '"expires_in": 30,' "reply short: expires_in 30"
fault_reply bad_token_type
like "$BODY" '"token_type": "mac"' "reply bad_token_type"
fault_reply invalid_grant
like "$CODE $BODY" "^400 .*invalid_grant.*$MSG_TIME" "reply invalid_grant"
fault_reply invalid_rapt
like "$CODE $BODY" '^400 .*"error_subtype": "invalid_rapt"' "reply invalid_rapt"
fault_reply server_error_json
is "$CODE $BODY" '400 {"error": "temporarily_unavailable"}' "reply server_error_json"
fault_reply html
like "$CODE $(cat "$T/hdrs")" '^502 .*' "reply html: 502"
like "$(cat "$T/hdrs")" '^Content-Type: text/html' "with an HTML content type"
fault_reply disconnect
is "$CODE/$CURL_STATUS" 000/52 "reply disconnect: the connection closes, no reply"

# (The delay is longer than any bound VT_TIME_SCALE may make of 1.5 s.)
mock_fault '{"delay":20}'
t0=$(now_ms)
req "$MOCK_URL/token" -m 1 -d grant_type=refresh_token
t1=$(now_ms)
is "$CURL_STATUS" 28 "delay: a client with a 1 s timeout gives up"
took_less $((t1 - t0)) 1500 "after about a second" 1000
mock_fault_clear
post_refresh "$MOCK_URL/token" cid-1.apps.googleusercontent.com secret-1 1//refresh-1
is "$CODE" 200 "mock_fault_clear: back to normal"

# -- TLS ---------------------------------------------------------------------------

mock_stop
mock_start --tls
like "$MOCK_HTTPS_URL" '^https://127\.0\.0\.1:[0-9]+$' "the HTTPS listener is up"
req "$MOCK_HTTPS_URL/_mock/health" --cacert "$T/tls/ca.pem"
is "$CODE $BODY" "200 ok" "HTTPS with the test CA trusted"
mock_log_clear
req "$MOCK_HTTPS_URL/_mock/health"
[ "$CODE" = 000 ] && [ "$CURL_STATUS" -ne 0 ]
ok $? "untrusted: curl refuses the certificate"
is "$(mock_count /_mock/health)" 0 "and the mock saw no request"
[ "$(mock_tls_errors)" -ge 1 ]
ok $? "but a failed handshake"
req "https://localhost:$MOCK_HTTPS_PORT/_mock/health" --cacert "$T/tls/ca.pem"
is "$CODE" 200 "the certificate is also good for localhost"

post_jwt "$MOCK_HTTPS_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_HTTPS_URL/token")")" \
    --cacert "$T/tls/ca.pem"
is "$CODE" 200 "a JWT for the HTTPS token URL is accepted there"
post_jwt "$MOCK_HTTPS_URL/token" "$(jwt "$KEY" "$HDR" "$(claims "$SA" "$MOCK_URL/token")")" \
    --cacert "$T/tls/ca.pem"
like "$CODE $BODY" '^400 .*audience' "a JWT for the HTTP token URL is not"
is "$(mock_get /token listener)" https "the listener is logged"
req "$MOCK_URL/_mock/health"
is "$CODE" 200 "plain HTTP still works alongside"

# -- shutdown ---------------------------------------------------------------------

pid=$MOCK_PID
kill "$pid"
wait "$pid"
is "$?" 0 "SIGTERM stops the mock cleanly"
MOCK_PID=
! kill -0 "$pid" 2>/dev/null
ok $? "and it is gone"

done_testing
