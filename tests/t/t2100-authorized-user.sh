#!/bin/sh
# t2100-authorized-user: an authorized_user file (gcloud's ADC user login)
# is turned into an access token with the refresh_token grant at the
# file's token_uri (always the mock here: the default
# https://oauth2.googleapis.com/token is never reached from the tests).

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
CID=764086051850-vttest.apps.googleusercontent.com
SECRET=d-FL95Q19q7MQmFpd7hHD0Ty
REFRESH=1//0vt-test-refresh-token
CP=https://www.googleapis.com/auth/cloud-platform
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start
mock_add_user "$CID" "$SECRET" "$REFRESH"
make_user_file "$T/user.json" "$CID" "$SECRET" "$REFRESH" "$MOCK_URL/token"

vt_user() {
	vt --credentials "$T/user.json" "$@"
}

# -- the refresh grant ------------------------------------------------------------

vt_user token
vt_ok "token"
like "$VT_OUT" "^$TOKEN_RE\$" "prints the access token"
is "$VT_ERR" "" "nothing on stderr"
is "$(mock_count /token)" 1 "one request to the token_uri"
is "$(mock_get /token status)" 200 "which the mock accepted"
is "$VT_OUT" "$(mock_issued)" "the token is the one it issued"
like "$(mock_get /token headers.content-type)" \
    '^application/x-www-form-urlencoded' "a form POST"
is "$(mock_get /token form.@keys)" \
    "client_id client_secret grant_type refresh_token" \
    "fields: grant_type, client_id, client_secret, refresh_token"
is "$(mock_get /token form.grant_type)" refresh_token "grant_type refresh_token"
is "$(mock_get /token form.client_id)" "$CID" "client_id from the file"
is "$(mock_get /token form.client_secret)" "$SECRET" "client_secret from the file"
is "$(mock_get /token form.refresh_token)" "$REFRESH" "refresh_token from the file"
if mock_get /token headers.authorization >/dev/null; then
	fail "no Authorization header (client credentials go in the body)"
else
	pass "no Authorization header (client credentials go in the body)"
fi

vt_user token --json
vt_ok "token --json"
cp "$T/out" "$T/token.json"
is "$(json_get "$T/token.json" access_token)" "$(mock_issued)" \
    "json: access_token"
is "$(json_get "$T/token.json" token_type)" Bearer "json: token_type"
like "$(json_get "$T/token.json" expires_in)" '^35[0-9][0-9]$' "json: expires_in"
like "$(json_get "$T/token.json" expires_at)" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "json: expires_at"

vt_user header
vt_ok "header"
is "$VT_OUT" "Authorization: Bearer $(mock_issued)" \
    "Authorization: Bearer TOKEN"

# -- scopes: only when asked for -----------------------------------------------------

vt_user token --scopes cloud-platform
vt_ok "token --scopes cloud-platform"
is "$(mock_get /token form.scope)" "$CP" "the scope is sent, expanded"
vt_user token --scopes "cloud-platform https://www.googleapis.com/auth/userinfo.email"
vt_ok "token --scopes with two scopes"
is "$(mock_get /token form.scope)" \
    "$CP https://www.googleapis.com/auth/userinfo.email" \
    "space-separated in the form"

# -- project: user credentials carry none -------------------------------------------

vt_user env --project vt-proj-2
vt_ok "env --project"
like "$VT_OUT" \
    "^export OPENAI_BASE_URL='https://us-central1-aiplatform\\.googleapis\\.com/v1/projects/vt-proj-2/locations/us-central1/endpoints/openapi'\$" \
    "the base URL"
like "$VT_OUT" "^export OPENAI_API_KEY='$TOKEN_RE'\$" "the token"

vt_user env
vt_fails 3 "env with no project anywhere: exit 3"

make_user_file "$T/quota.json" "$CID" "$SECRET" "$REFRESH" "$MOCK_URL/token" \
    vt-billing-project
vt --credentials "$T/quota.json" env
vt_fails 3 "quota_project_id is not the project"

vt --credentials "$T/quota.json" token
vt_ok "token needs no project"

# -- refusals -----------------------------------------------------------------------

make_user_file "$T/revoked.json" "$CID" "$SECRET" 1//0vt-revoked "$MOCK_URL/token"
n=$(mock_count /token)
vt --credentials "$T/revoked.json" token
vt_fails 4 "a revoked refresh token: exit 4"
like "$VT_ERR" 'invalid_grant' "the message quotes the error"
like "$VT_ERR" 'Token has been expired or revoked' "and its description"
like "$VT_ERR" 'gcloud auth application-default login' "and says how to log in again"
is "$(mock_count /token)" $((n + 1)) "invalid_grant is not retried"

make_user_file "$T/secret.json" "$CID" wrong-secret "$REFRESH" "$MOCK_URL/token"
n=$(mock_count /token)
vt --credentials "$T/secret.json" token
vt_fails 4 "a wrong client secret (401 invalid_client): exit 4"
like "$VT_ERR" 'invalid_client' "the message quotes the error"
is "$(mock_count /token)" $((n + 1)) "401 is not retried"

make_user_file "$T/client.json" other.apps.googleusercontent.com "$SECRET" \
    "$REFRESH" "$MOCK_URL/token"
vt --credentials "$T/client.json" token
vt_fails 4 "an unknown client: exit 4"

mock_fault '{"reply":"invalid_rapt"}'
vt_user token
vt_fails 4 "reauth required (invalid_rapt): exit 4"
like "$VT_ERR" 'gcloud auth application-default login' \
    "the message says to run gcloud auth application-default login"
mock_fault_clear

# -- the secrets stay out of sight ---------------------------------------------------

vt --credentials "$T/revoked.json" token
for s in "$SECRET" 1//0vt-revoked; do
	case $VT_ERR in
	*"$s"*) fail "the error message does not show a secret ($s)" ;;
	*) pass "the error message does not show a secret ($s)" ;;
	esac
done

done_testing
