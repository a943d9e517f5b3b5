#!/bin/sh
# t2000-service-account: a service_account key file is minted into an access
# token through the jwt-bearer grant at the mock, and the token comes out as
# token, token --json, header and env.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1	# every run mints, so the mock sees each one
SA=vt-sa@vt-test.iam.gserviceaccount.com
CP=https://www.googleapis.com/auth/cloud-platform
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY" key-id-1
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-file-project key-id-1

# vt_sa ARGS...: vt with the key file named on the command line.
vt_sa() {
	vt --credentials "$T/sa.json" "$@"
}

# -- token ------------------------------------------------------------------------

vt_sa token
vt_ok "token"
like "$VT_OUT" "^$TOKEN_RE\$" "prints the access token"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "on exactly one line"
is "$VT_ERR" "" "and nothing on stderr"
is "$(mock_count /token)" 1 "one request to the token endpoint"
is "$(mock_get /token status)" 200 "which the mock accepted (signature, aud, iat, exp)"
is "$VT_OUT" "$(mock_issued)" "the token is the one the mock issued"
is "$(mock_get /token method)" POST "the request is a POST"
like "$(mock_get /token headers.content-type)" \
    '^application/x-www-form-urlencoded' "of a form"
is "$(mock_get /token form.grant_type)" \
    urn:ietf:params:oauth:grant-type:jwt-bearer "grant_type is jwt-bearer"
is "$(mock_get /token form.@keys)" "assertion grant_type" \
    "the form holds grant_type and assertion only"
is "$(mock_get /token jwt.header.alg)/$(mock_get /token jwt.header.typ)" \
    RS256/JWT "the JWT header is RS256 JWT"
is "$(mock_get /token jwt.header.kid)" key-id-1 "its kid is private_key_id"
is "$(mock_get /token jwt.claims.iss)" "$SA" "iss is client_email"
is "$(mock_get /token jwt.claims.aud)" "$MOCK_URL/token" "aud is the token_uri"
is "$(mock_get /token jwt.claims.scope)" "$CP" "scope defaults to cloud-platform"
iat=$(mock_get /token jwt.claims.iat)
exp=$(mock_get /token jwt.claims.exp)
is "$((exp - iat))" 3600 "exp is iat + 3600"
if mock_get /token jwt.claims.sub >/dev/null; then
	fail "no sub claim"
else
	pass "no sub claim"
fi

vt token --credentials "$T/sa.json"
vt_ok "global options are accepted after the command"
is "$(mock_count /token)" 2 "and it mints again (no cache here)"

# -- token --json ---------------------------------------------------------------

vt_sa token --json
vt_ok "token --json"
cp "$T/out" "$T/token.json"
# vtoken's "now" lies between the seconds the run began and ended in (the
# first less one: time() may trail the clock date reads by a tick).
t0=$((VT_T0 / 1000 - 1))
t1=$((VT_T1 / 1000))
like "$(json_get "$T/token.json" access_token)" "^$TOKEN_RE\$" "has access_token"
is "$(json_get "$T/token.json" access_token)" "$(mock_issued)" \
    "the one the mock issued"
is "$(json_get "$T/token.json" token_type)" Bearer "token_type Bearer"
expires_in=$(json_get "$T/token.json" expires_in)
like "$expires_in" '^[0-9]+$' "expires_in is a number ($expires_in)"
[ "${expires_in:-0}" -ge 3590 ] && [ "$expires_in" -le 3599 ]
ok $? "expires_in is what the mock granted, give or take a few seconds"
expires_at=$(json_get "$T/token.json" expires_at)
like "$expires_at" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "expires_at is RFC 3339 UTC ($expires_at)"
now=$(($(epoch_of "$expires_at") - ${expires_in:-0}))
[ "$now" -ge "$t0" ] && [ "$now" -le "$t1" ]
ok $? "expires_at is now + expires_in (now $now, the run $t0-$t1)"

# -- header -----------------------------------------------------------------------

vt_sa header
vt_ok "header"
like "$VT_OUT" "^Authorization: Bearer $TOKEN_RE\$" "prints an Authorization header"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "on one line"
is "${VT_OUT#Authorization: Bearer }" "$(mock_issued)" \
    "with the minted token"

# -- env: the base URL ------------------------------------------------------------

# env_url ARGS...: run env with ARGS; URL is the OPENAI_BASE_URL it exports.
env_url() {
	vt_sa env "$@"
	URL=$(sed -n "s/^export OPENAI_BASE_URL='\\(.*\\)'\$/\\1/p" "$T/out")
}

env_url --project vt-proj-1 --location europe-west4
vt_ok "env --project --location"
is "$URL" \
    https://europe-west4-aiplatform.googleapis.com/v1/projects/vt-proj-1/locations/europe-west4/endpoints/openapi \
    "OPENAI_BASE_URL for the project and location"
like "$VT_OUT" "^export OPENAI_API_KEY='$TOKEN_RE'\$" "OPENAI_API_KEY is the token"
like "$VT_OUT" \
    "^export VTOKEN_EXPIRES_AT='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'\$" \
    "VTOKEN_EXPIRES_AT is RFC 3339 UTC"
is "$(grep -c . "$T/out")" 3 "three lines"
is "$(mock_get /token jwt.claims.scope)" "$CP" "env mints with cloud-platform"

env_url
is "$URL" \
    https://us-central1-aiplatform.googleapis.com/v1/projects/vt-file-project/locations/us-central1/endpoints/openapi \
    "no --project: the key file's project_id, location us-central1"

env_url --project vt-proj-1 --location global
is "$URL" \
    https://aiplatform.googleapis.com/v1/projects/vt-proj-1/locations/global/endpoints/openapi \
    "location global: no region prefix on the host"

env_url --project vt-proj-1 --api-version v1beta1 --endpoint 1234567890
is "$URL" \
    https://us-central1-aiplatform.googleapis.com/v1beta1/projects/vt-proj-1/locations/us-central1/endpoints/1234567890 \
    "--api-version and --endpoint"

GOOGLE_CLOUD_PROJECT=vt-env-project
GOOGLE_CLOUD_LOCATION=asia-northeast1
export GOOGLE_CLOUD_PROJECT GOOGLE_CLOUD_LOCATION
env_url
is "$URL" \
    https://asia-northeast1-aiplatform.googleapis.com/v1/projects/vt-env-project/locations/asia-northeast1/endpoints/openapi \
    "GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION beat the key file"
env_url --project vt-proj-1 --location us-east5
is "$URL" \
    https://us-east5-aiplatform.googleapis.com/v1/projects/vt-proj-1/locations/us-east5/endpoints/openapi \
    "the command line beats the environment"
unset GOOGLE_CLOUD_PROJECT GOOGLE_CLOUD_LOCATION

# The variables work: eval them and call the mock's chat endpoint.
BASE=$MOCK_URL/v1/projects/vt-proj-1/locations/us-central1/endpoints/openapi
env_url --base-url "$BASE"
is "$URL" "$BASE" "--base-url (http to loopback)"
reply=$(
	eval "$VT_OUT"
	curl -q -sS --noproxy '*' -m 10 "$OPENAI_BASE_URL/chat/completions" \
	    -H "Authorization: Bearer $OPENAI_API_KEY" \
	    -H 'Content-Type: application/json' \
	    -d '{"model":"google/gemini-2.0-flash-001","messages":[{"role":"user","content":"ping"}]}'
)
like "$reply" '"content": "mock reply: ping"' \
    "eval \"\$(vtoken env)\" then a chat completion at the mock works"

vt_sa env --project vt-proj-1 --shell json
vt_ok "env --shell json"
cp "$T/out" "$T/env.json"
is "$(json_get "$T/env.json" OPENAI_API_KEY)" "$(mock_issued)" \
    "json: OPENAI_API_KEY"
like "$(json_get "$T/env.json" OPENAI_BASE_URL)" \
    '^https://us-central1-aiplatform\.googleapis\.com/v1/projects/vt-proj-1/' \
    "json: OPENAI_BASE_URL"

# -- scopes -----------------------------------------------------------------------

vt_sa token --scopes "cloud-platform,https://www.googleapis.com/auth/userinfo.email"
vt_ok "token --scopes LIST"
is "$(mock_get /token jwt.claims.scope)" \
    "$CP https://www.googleapis.com/auth/userinfo.email" \
    "scopes: bare names expanded, sent space-separated"
vt_sa token --scopes "https://www.googleapis.com/auth/cloud-platform.read-only  userinfo.email"
vt_ok "token --scopes with spaces"
is "$(mock_get /token jwt.claims.scope)" \
    "$CP.read-only https://www.googleapis.com/auth/userinfo.email" \
    "space-separated scopes"

# -- where the key file is found --------------------------------------------------

GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
vt token
vt_ok "GOOGLE_APPLICATION_CREDENTIALS names the key file"
is "$VT_OUT" "$(mock_issued)" "and its token is minted"
unset GOOGLE_APPLICATION_CREDENTIALS

mkdir -p "$HOME/.config/gcloud"
cp "$T/sa.json" "$HOME/.config/gcloud/application_default_credentials.json"
vt token
vt_ok "the gcloud well-known file"
is "$VT_OUT" "$(mock_issued)" "and its token is minted"
rm -f "$HOME/.config/gcloud/application_default_credentials.json"

# -- the mock says no ---------------------------------------------------------------

OTHER=$(gen_sa_key other)
make_sa_file "$T/wrong-key.json" "$SA" "$OTHER" "$MOCK_URL/token" vt-file-project key-id-1
vt --credentials "$T/wrong-key.json" token
vt_fails 4 "a key the server does not know: exit 4"
like "$VT_ERR" 'invalid_grant' "the message quotes the OAuth error"
like "$VT_ERR" 'Invalid JWT Signature' "and its description"

make_sa_file "$T/unknown.json" nobody@vt-test.iam.gserviceaccount.com "$KEY" "$MOCK_URL/token"
vt --credentials "$T/unknown.json" token
vt_fails 4 "an account the server does not know: exit 4"
like "$VT_ERR" 'Invalid email or User ID' "with the server's description"

done_testing
