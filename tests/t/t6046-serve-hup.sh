#!/bin/sh
# t6046-serve-hup: SIGHUP makes the broker re-read its configuration and
# credentials without a restart: a credential file switched to another
# service account is used for the next mint (the mock sees a JWT from the
# new account), a profile's changed base_url for the next request; the
# pid, the port and the local key stay.  A SIGHUP that shortens the
# location list in the middle of a failover.

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

# reloads: how many SIGHUPs the broker has taken in (its log line).
reloads() {
	grep -c 'reloaded the configuration' "$SERVE_ERR"
}

# reloaded N: wait until there have been more than N (10 s, scaled).
reloaded() {
	vt_end=$(($(now_ms) + $(scaled_ms 10000)))
	while [ "$(reloads)" -le "$1" ] && [ "$(now_ms)" -lt "$vt_end" ]; do
		sleep 0.05
	done
	[ "$(reloads)" -gt "$1" ]
}

# A SIGHUP that shortens the location list while a request fails over
# along it: the request goes on at the new list's first location.
LOCS=$MOCK_URL/v1/projects/vt-serve/locations/{location}/endpoints/openapi
chat_at() {
	echo "/v1/projects/vt-serve/locations/$1/endpoints/openapi/chat/completions"
}
n=$(reloads)
printf '[default]\nbase_url = %s\nlocation = loc-a,loc-b,loc-c\ntimeout = 120\n' \
    "$LOCS" >"$XDG_CONFIG_HOME/vtoken/config.new"
mv -f "$XDG_CONFIG_HOME/vtoken/config.new" "$XDG_CONFIG_HOME/vtoken/config"
kill -HUP "$SERVE_PID"
reloaded "$n"
ok $? "a location list at SIGHUP" || diag "$(tail -n 5 "$SERVE_ERR")"
# loc-c answers 4 s late: once loc-b's third reply is in, the request
# is on its way to loc-c, and the SIGHUP a second later lands while that
# attempt is in flight (its reply then ends at a list that is gone).
mock_set chat '{"locations": {"loc-a": {"status": 503}, "loc-b": {"status": 503}, "loc-c": {"status": 503, "delay": 4}}}'
sc req --test-id fo1 --timeout 120 &
fo=$!
vt_end=$(($(now_ms) + $(scaled_ms 60000)))
while [ "$(mock_count "$(chat_at loc-b)")" -lt 3 ] &&
    [ "$(now_ms)" -lt "$vt_end" ]; do
	sleep 0.05
done
sleep 1
n=$(reloads)
printf '[default]\nbase_url = %s\nlocation = loc-a\ntimeout = 120\n' \
    "$LOCS" >"$XDG_CONFIG_HOME/vtoken/config.new"
mv -f "$XDG_CONFIG_HOME/vtoken/config.new" "$XDG_CONFIG_HOME/vtoken/config"
mock_set chat '{"locations": {"loc-b": {"status": 503}, "loc-c": {"status": 503, "delay": 4}}}'
a_before=$(mock_count "$(chat_at loc-a)")
kill -HUP "$SERVE_PID"
reloaded "$n"
ok $? "SIGHUP with one location, the request at the third" ||
    diag "$(tail -n 5 "$SERVE_ERR")"
wait "$fo"
is "$(sc_get status)" 200 "the request ends at the new list's location: 200"
is "$(mock_get "$(chat_at loc-a)" headers.x-vt-test)" fo1 \
    "its last attempt went to loc-a"
[ "$(mock_count "$(chat_at loc-a)")" -gt "$a_before" ]
ok $? "after the SIGHUP"
kill -0 "$pid" 2>/dev/null
ok $? "the broker runs on"
mock_set chat '{}'

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
