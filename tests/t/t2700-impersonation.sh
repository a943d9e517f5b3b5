#!/bin/sh
# t2700-impersonation: --impersonate-service-account (and the profile's
# impersonate) chains a source through IAM Credentials generateAccessToken;
# so does the ADC type impersonated_service_account.  The IAM endpoint is
# the mock (VTOKEN_IAM_ENDPOINT, or the file's URL); no other host is ever
# asked.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SRC=source@vt-test.iam.gserviceaccount.com
TGT=target@vt-test.iam.gserviceaccount.com
DEL=middle@vt-test.iam.gserviceaccount.com
CP=https://www.googleapis.com/auth/cloud-platform
IAMP=/v1/projects/-/serviceAccounts/$TGT:generateAccessToken
CID=764086051850-vttest.apps.googleusercontent.com
SECRET=d-FL95Q19q7MQmFpd7hHD0Ty
REFRESH=1//0vt-test-refresh-token

mock_start
KEY=$(gen_sa_key src)
mock_add_sa "$SRC" "$KEY"
make_sa_file "$T/sa.json" "$SRC" "$KEY" "$MOCK_URL/token" vt-test
mock_set iam "{\"accounts\": {\"$TGT\": {\"max_lifetime\": 43200}}}"
VTOKEN_IAM_ENDPOINT=$MOCK_URL
export VTOKEN_IAM_ENDPOINT

# status prints its report even when it fails: only the exit status counts.
status_is() {
	is "$VT_STATUS" "$1" "$2"
}

vt_imp() {
	vt --credentials "$T/sa.json" --impersonate-service-account "$@"
}

# -- the happy path -------------------------------------------------------------

vt_imp "$TGT" token
vt_ok "token through impersonation"
is "$VT_OUT" "$(mock_get "$IAMP" issued)" "the token is the one IAM issued"
is "$(mock_count /token)" 1 "one source token minted"
is "$(mock_get /token jwt.claims.scope)" "$CP" \
    "the source token is for cloud-platform"
is "$(mock_get "$IAMP" headers.authorization)" \
    "Bearer $(mock_get /token issued)" "IAM got the source token as Bearer"
is "$(mock_get "$IAMP" json.scope)" "[\"$CP\"]" "IAM scope: the default"
if mock_get "$IAMP" json.delegates >/dev/null ||
    mock_get "$IAMP" json.lifetime >/dev/null; then
	fail "no delegates and no lifetime sent by default"
else
	pass "no delegates and no lifetime sent by default"
fi
is "$VT_ERR" "" "nothing on stderr"

vt_imp "$TGT" --scopes userinfo.email token
vt_ok "with --scopes"
is "$(mock_get "$IAMP" json.scope)" \
    '["https://www.googleapis.com/auth/userinfo.email"]' \
    "IAM gets the chosen scopes"
is "$(mock_get /token jwt.claims.scope)" "$CP" \
    "the source token stays cloud-platform"

vt_imp "$TGT" --lifetime 20m token --json
vt_ok "--lifetime 20m"
is "$(mock_get "$IAMP" json.lifetime)" 1200s "lifetime sent as 1200s"
cp "$T/out" "$T/tok.json"
like "$(json_get "$T/tok.json" expires_in)" '^1(19[0-9]|200)$' \
    "expireTime parsed (RFC 3339)"

vt_imp "$TGT" --lifetime 12h token
vt_ok "--lifetime 12h (up to 43200s)"
vt_imp "$TGT" --lifetime 13h token
vt_fails 2 "--lifetime over 12h is a usage error"
vt_imp "$TGT" --lifetime soon token
vt_fails 2 "--lifetime that is not a duration"

# -- delegates: gcloud's order, the last is the target ----------------------------

mock_set iam "{\"accounts\": {\"$TGT\": {\"delegates\": [\"$DEL\"]}}}"
vt_imp "$DEL,$TGT" token
vt_ok "a delegation chain"
is "$(mock_get "$IAMP" json.delegates)" \
    "[\"projects/-/serviceAccounts/$DEL\"]" "delegates in IAM's form"
vt_imp "$TGT" token
vt_fails 4 "without the delegate IAM refuses"
like "$VT_ERR" "lacks roles/iam\.serviceAccountTokenCreator on $TGT" \
    "403: the hint names the role and the target"
like "$VT_ERR" "$SRC" "and the caller"
mock_set iam "{\"accounts\": {\"$TGT\": {}}}"

vt_imp "not an e-mail" token
vt_fails 2 "an invalid list on the command line is exit 2"

# -- the profile ------------------------------------------------------------------

mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nimpersonate = %s\n' "$TGT" >"$XDG_CONFIG_HOME/vtoken/config"
vt --credentials "$T/sa.json" token
vt_ok "profile impersonate"
is "$VT_OUT" "$(mock_get "$IAMP" issued)" "impersonated by the profile"
printf '[default]\nimpersonate = nobody\n' >"$XDG_CONFIG_HOME/vtoken/config"
vt --credentials "$T/sa.json" token
vt_fails 3 "an invalid profile value is exit 3"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# -- IAM errors -------------------------------------------------------------------

vt_imp other@vt-test.iam.gserviceaccount.com token
vt_fails 4 "403 PERMISSION_DENIED"
like "$VT_ERR" "roles/iam\.serviceAccountTokenCreator" "403 hint"
like "$VT_ERR" "PERMISSION_DENIED" "403 names the status"

mock_set iam "{\"accounts\": {\"$TGT\": {}}, \"faults\": {\"status\": 404, \"code\": \"NOT_FOUND\"}}"
vt_imp "$TGT" token
vt_fails 4 "404"
like "$VT_ERR" "no such service account" "404 hint"

mock_set iam "{\"accounts\": {\"$TGT\": {}}, \"faults\": {\"status\": 500}}"
mock_log_clear
vt_imp "$TGT" token
vt_fails 5 "500 after retries is exit 5"
like "$(mock_count "$IAMP")" '^[23]$' "IAM was retried"
mock_set iam "{\"accounts\": {\"$TGT\": {}}, \"faults\": {\"fail\": 1, \"status\": 503}}"
vt_imp "$TGT" token
vt_ok "one 503 is retried"
mock_set iam "{\"accounts\": {\"$TGT\": {}}}"

# -- the URL rule -----------------------------------------------------------------

mock_log_clear
VTOKEN_IAM_ENDPOINT=https://iam.example.com vt_imp "$TGT" token
vt_fails 4 "an IAM endpoint off googleapis.com is refused"
like "$VT_ERR" "googleapis\.com" "the message states the rule"
is "$(mock_count /token)" 0 "before any source token is minted"
VTOKEN_IAM_ENDPOINT=http://iamcredentials.googleapis.com vt_imp "$TGT" token
vt_fails 4 "plain http to googleapis.com is refused"
VTOKEN_IAM_ENDPOINT=https://iamcredentials.googleapis.com.example.com \
    vt_imp "$TGT" status
status_is 4 "a look-alike host is refused (status too)"

# -- status -----------------------------------------------------------------------

mock_log_clear
vt_imp "$DEL,$TGT" status
vt_ok "status"
like "$VT_OUT" "impersonated_service_account, $TGT" "the target is the identity"
like "$VT_OUT" "impersonates: $TGT" "impersonates line"
like "$VT_OUT" "delegates: $DEL" "delegates line"
like "$VT_OUT" "source: service_account, $SRC" "the source credential"
like "$VT_OUT" "--impersonate-service-account +chosen +impersonate $TGT via $DEL" \
    "the trace"
is "$(mock_count /token)$(mock_count "$IAMP")" 00 "status makes no request"
vt_imp "$TGT" status --json
vt_ok "status --json"
cp "$T/out" "$T/status.json"
is "$(json_get "$T/status.json" credentials.impersonate)" "$TGT" \
    "json: credentials.impersonate"

# -- the file type impersonated_service_account ----------------------------------

mock_add_user "$CID" "$SECRET" "$REFRESH"
imp_file() {	# imp_file PATH URL [EXTRA JSON MEMBERS]
	cat >"$1" <<-EOT
	{
	  "type": "impersonated_service_account",
	  "service_account_impersonation_url": "$2",
	  ${3:+$3,}
	  "source_credentials": {
	    "type": "authorized_user",
	    "client_id": "$CID",
	    "client_secret": "$SECRET",
	    "refresh_token": "$REFRESH",
	    "token_uri": "$MOCK_URL/token"
	  }
	}
	EOT
}
imp_file "$T/imp.json" "$MOCK_URL$IAMP" '"delegates": [], "quota_project_id": "vt-quota"'
unset VTOKEN_IAM_ENDPOINT
mock_log_clear
vt --credentials "$T/imp.json" token
vt_ok "impersonated_service_account file"
is "$VT_OUT" "$(mock_get "$IAMP" issued)" "the token is IAM's"
is "$(mock_get /token form.grant_type)" refresh_token "the user source refreshed"
is "$(mock_get "$IAMP" headers.authorization)" \
    "Bearer $(mock_get /token issued)" "its token went to IAM"
is "$(mock_get "$IAMP" headers.x-goog-user-project)" vt-quota \
    "the quota project header"

vt --credentials "$T/imp.json" status
vt_ok "status of the file"
like "$VT_OUT" "source: authorized_user" "status names the source credential"
unlike "$VT_OUT$VT_ERR" "$SECRET|$REFRESH" "status shows no secret"

cat >"$T/imp-nourl.json" <<EOT
{"type": "impersonated_service_account", "source_credentials": {"type": "authorized_user"}}
EOT
vt --credentials "$T/imp-nourl.json" token
vt_fails 4 "missing service_account_impersonation_url"
like "$VT_ERR" "service_account_impersonation_url' is missing" "names the field"
cat >"$T/imp-nosrc.json" <<EOT
{"type": "impersonated_service_account", "service_account_impersonation_url": "$MOCK_URL$IAMP"}
EOT
vt --credentials "$T/imp-nosrc.json" token
vt_fails 4 "missing source_credentials"
like "$VT_ERR" "source_credentials' is missing" "names the field"
imp_file "$T/imp-badurl.json" "$MOCK_URL/v1/something"
vt --credentials "$T/imp-badurl.json" token
vt_fails 4 "a URL that is not generateAccessToken"

mock_log_clear
imp_file "$T/imp-evil.json" \
    "https://evil.example.com/v1/projects/-/serviceAccounts/$TGT:generateAccessToken"
vt --credentials "$T/imp-evil.json" token
vt_fails 4 "a file aiming the source token elsewhere is refused"
is "$(mock_count /token)" 0 "nothing was minted"

imp_file "$T/imp-u.json" \
    "https://iamcredentials.example.com/v1/projects/-/serviceAccounts/$TGT:generateAccessToken" \
    '"universe_domain": "example.com"'
vt --credentials "$T/imp-u.json" status
status_is 4 "a foreign universe the user did not name is refused"
like "$VT_ERR" "GOOGLE_CLOUD_UNIVERSE_DOMAIN" "the message says how to trust it"
GOOGLE_CLOUD_UNIVERSE_DOMAIN=example.com vt --credentials "$T/imp-u.json" status
vt_ok "the same universe named by the user is accepted"
GOOGLE_CLOUD_UNIVERSE_DOMAIN=other.com vt --credentials "$T/imp-u.json" status
status_is 4 "another universe is not"

# -- no secret at -vvv ------------------------------------------------------------

VTOKEN_IAM_ENDPOINT=$MOCK_URL
export VTOKEN_IAM_ENDPOINT
vt_imp "$TGT" -vvv token
vt_ok "-vvv"
unlike "$VT_ERR" "$(mock_get /token issued)" "the source token is not logged"
unlike "$VT_ERR" "$VT_OUT" "the impersonated token is not logged"

done_testing
