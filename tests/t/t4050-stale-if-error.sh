#!/bin/sh
# t4050-stale-if-error: when minting fails with a network or service
# failure and the cached token has not expired, it is served with a
# warning (exit 0); a rejection is never papered over (exit 4); an expired
# token with the service down is exit 5.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-stale@vt-test.iam.gserviceaccount.com
CDIR=$XDG_CACHE_HOME/vtoken
VTOKEN_CACHE="file"
export VTOKEN_CACHE

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

vt token
vt_ok "a first token is cached"
set -- "$CDIR"/*.json
ENTRY=$1
CKEY=$(basename "$ENTRY" .json)

# write_entry ISSUED EXPIRES TOKEN: a hand-written entry for this key.
write_entry() {
	printf '{"version": 1, "key": "%s", "desc": "service_account %s", "scopes": "https://www.googleapis.com/auth/cloud-platform", "issued_at": %s, "expires_at": %s, "access_token": "%s"}\n' \
	    "$CKEY" "$SA" "$1" "$2" "$3" >"$ENTRY.new" &&
	    chmod 600 "$ENTRY.new" && mv -f "$ENTRY.new" "$ENTRY"
}

now=$(date +%s)

# -- the service fails: the cached token is served -----------------------------

# 4 min left of an hour: past the 5 min threshold, not expired.
write_entry $((now - 3360)) $((now + 240)) ya29.stale-but-valid
mock_log_clear
mock_fault '{"status":503}'
vt token --timeout 1
is "$VT_STATUS" 0 "503 on every try: exit 0"
is "$VT_OUT" ya29.stale-but-valid "the cached token is printed"
like "$VT_ERR" '^vtoken: warning: .*using the cached token, which expires in [0-9]+s' \
    "with a warning on stderr"
is "$(printf '%s\n' "$VT_ERR" | grep -c .)" 1 "one line"
[ "$(mock_count /token)" -ge 1 ]
ok $? "after asking the mock"
within 2000 "within --timeout and a little" 1000
is "$(json_get "$ENTRY" access_token)" ya29.stale-but-valid \
    "the entry stays as it was"

vt header --timeout 1
is "$VT_STATUS/$VT_OUT" "0/Authorization: Bearer ya29.stale-but-valid" \
    "header too"

mock_fault '{"reply":"disconnect"}'
vt token --timeout 1
is "$VT_STATUS/$VT_OUT" 0/ya29.stale-but-valid \
    "the connection dropped: the cached token"

mock_fault '{"fail":-1,"status":400,"body":{"error":"temporarily_unavailable"}}'
vt token --timeout 1
is "$VT_STATUS/$VT_OUT" 0/ya29.stale-but-valid \
    "a transient OAuth error: the cached token"

# -- a rejection is never papered over -----------------------------------------

write_entry $((now - 3360)) $((now + 240)) ya29.stale-but-valid
mock_fault '{"reply":"invalid_grant"}'
vt token --timeout 1
vt_fails 4 "invalid_grant: exit 4, not the cached token"
unlike "$VT_OUT" 'stale' "the cached token is not printed"

for status in 401 403; do
	mock_fault "{\"status\":$status,\"body\":{\"error\":\"unauthorized_client\",\"error_description\":\"Client is unauthorized\"}}"
	vt token --timeout 1
	vt_fails 4 "HTTP $status: exit 4, not the cached token"
done

mock_fault '{"status":400,"body":{"error":"invalid_grant","error_description":"Invalid JWT Signature."}}'
vt token --timeout 1
vt_fails 4 "HTTP 400 invalid_grant: exit 4"

# -- and once the service is back --------------------------------------------------

mock_fault_clear
vt token
vt_ok "the service is back"
like "$VT_OUT" '^ya29\.mock-' "a new token is minted"
is "$(json_get "$ENTRY" access_token)" "$VT_OUT" "and cached"
unlike "$VT_ERR" 'warning' "no warning"

# -- the mock down altogether ----------------------------------------------------

write_entry $((now - 3360)) $((now + 240)) ya29.stale-but-valid
mock_stop
vt token --timeout 1
is "$VT_STATUS/$VT_OUT" 0/ya29.stale-but-valid \
    "the token endpoint is not listening: the cached token"
like "$VT_ERR" 'warning: .*cached token' "with a warning"

# -- an expired token is not served ----------------------------------------------

write_entry $((now - 3700)) $((now - 100)) ya29.expired
vt token --timeout 1
vt_fails 5 "expired and the service down: exit 5"
unlike "$VT_ERR" 'ya29' "the message holds no token"

done_testing
