#!/bin/sh
# t6046-serve-hup: SIGHUP makes the broker re-read its configuration and
# credentials without a restart: a credential file switched to another
# service account is used for the next mint (the mock sees a JWT from the
# new account), a profile's changed base_url for the next request; the
# pid, the port and the local key stay.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup
SA2=vt-serve-two@vt-test.iam.gserviceaccount.com
KEY2=$(gen_sa_key sa-two)
mock_add_sa "$SA2" "$KEY2"
make_sa_file "$T/sa-two.json" "$SA2" "$KEY2" "$MOCK_URL/token" vt-serve
cp "$T/sa.json" "$T/cred.json"
chmod 600 "$T/cred.json"
GOOGLE_APPLICATION_CREDENTIALS=$T/cred.json
export GOOGLE_APPLICATION_CREDENTIALS
XDG_CACHE_HOME=$T/cache/hup
mkdir -p "$XDG_CACHE_HOME"

BASE1=$MOCK_URL/v1/projects/vt-serve/locations/loc-one/endpoints/openapi
BASE2=$MOCK_URL/v1/projects/vt-serve/locations/loc-two/endpoints/openapi
mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nbase_url = %s\n' "$BASE1" >"$XDG_CONFIG_HOME/vtoken/config"

serve_start || bail_out "the broker did not start"
serve_env
pid=$SERVE_PID
listen=$SERVE_LISTEN
key=$SERVE_KEY

sc req --test-id h1
is "$(sc_get status)" 200 "a request with the first account"
is "$(mock_get /token jwt.claims.iss)" "$SERVE_SA" "the mint was for the first account"
is "$(mock_get /v1/projects/vt-serve/locations/loc-one/endpoints/openapi/chat/completions headers.x-vt-test)" \
    h1 "to the profile's base_url"
tok1=$(mock_issued)

# Switch the file to the other account (by rename, as editors and
# configuration tools do) and the profile to another location.
cp "$T/sa-two.json" "$T/cred.json.new"
chmod 600 "$T/cred.json.new"
mv -f "$T/cred.json.new" "$T/cred.json"
printf '[default]\nbase_url = %s\n' "$BASE2" >"$XDG_CONFIG_HOME/vtoken/config.new"
mv -f "$XDG_CONFIG_HOME/vtoken/config.new" "$XDG_CONFIG_HOME/vtoken/config"
mints=$(mock_count /token)

kill -HUP "$SERVE_PID"
# The broker may mint at once or at the next request: ask until the mock
# has seen a mint for the new account (10 s, scaled).
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while :; do
	sc req --test-id h2
	[ "$(mock_get /token jwt.claims.iss)" = "$SA2" ] &&
	    [ "$(sc_get status)" = 200 ] && break
	[ "$(now_ms)" -lt "$vt_end" ] || break
	sleep 0.2
done
is "$(mock_get /token jwt.claims.iss)" "$SA2" "after SIGHUP: a mint for the new account"
is "$(sc_get status)" 200 "and requests are served"
is "$(mock_get /v1/projects/vt-serve/locations/loc-two/endpoints/openapi/chat/completions headers.authorization)" \
    "Bearer $(mock_issued)" "with its token, to the new base_url"
[ "$(mock_issued)" != "$tok1" ]
ok $? "a new token"
kill -0 "$pid" 2>/dev/null
ok $? "the same process"
is "$(json_get "$SERVE_STATE" listen)" "$listen" "the same address"
is "$(json_get "$SERVE_STATE" api_key)" "$key" "the same key"
sc req --test-id h3
is "$(sc_get status)" 200 "the client configured before the SIGHUP works on"

# A broken credential file at SIGHUP: the broker stays up.
printf 'not json\n' >"$T/cred.json.new"
chmod 600 "$T/cred.json.new"
mv -f "$T/cred.json.new" "$T/cred.json"
kill -HUP "$SERVE_PID"
sleep 0.5
kill -0 "$pid" 2>/dev/null
ok $? "a malformed credential file at SIGHUP does not end the broker"
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

done_testing
