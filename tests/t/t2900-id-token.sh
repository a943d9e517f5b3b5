#!/bin/sh
# t2900-id-token: vtoken token --id-token AUDIENCE prints an ID token from
# a service account key (the token endpoint's target_audience grant),
# through impersonation (IAM generateIdToken) and from the metadata server
# (identity?audience=), all the mock's; other types say they cannot; bad
# audiences and hostile replies are refused, and no ID token is ever
# cached or written to stderr.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-id@vt-test.iam.gserviceaccount.com
TGT=target@vt-test.iam.gserviceaccount.com
DEL=middle@vt-test.iam.gserviceaccount.com
MDSA=vt-md@vt-md-proj.iam.gserviceaccount.com
AUD=https://svc.example/run?x=1
IDP=/v1/projects/-/serviceAccounts/$TGT:generateIdToken
IDENT=/computeMetadata/v1/instance/service-accounts/default/identity
CID=764086051850-vttest.apps.googleusercontent.com

mock_start
KEY=$(gen_sa_key id)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-test
mock_set iam "{\"accounts\": {\"$TGT\": {}}}"
VTOKEN_IAM_ENDPOINT=$MOCK_URL
NO_GCE_CHECK=1
export VTOKEN_IAM_ENDPOINT NO_GCE_CHECK

# claim JWT NAME: a claim of the JWT's payload (JSON for lists, objects).
claim() {
	"$PYTHON3" -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
v = c.get(sys.argv[2])
if v is None:
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

# no_leak TOKEN DESC: TOKEN is not in stderr, the trace log or the cache.
no_leak() {
	if grep -qF -e "$1" "$T/err" || { [ -d "$XDG_CACHE_HOME" ] &&
	    grep -rqF -e "$1" "$XDG_CACHE_HOME"; }; then
		fail "$2"
	else
		pass "$2"
	fi
}

vt_sa() {
	vt --credentials "$T/sa.json" "$@"
}

# -- a service account key ------------------------------------------------------------

vt_sa token --id-token "$AUD"
vt_ok "an ID token from a service account key"
ID=$VT_OUT
is "$ID" "$(mock_get /token issued_id_token)" "the one the mock issued"
is "$(mock_get /token jwt.claims.target_audience)" "$AUD" \
    "the assertion names target_audience"
if mock_get /token jwt.claims.scope >/dev/null; then
	fail "and no scope"
else
	pass "and no scope"
fi
is "$(mock_get /token form.grant_type)" \
    urn:ietf:params:oauth:grant-type:jwt-bearer "the jwt-bearer grant"
is "$(claim "$ID" aud)" "$AUD" "aud is the audience"
is "$(claim "$ID" email)" "$SA" "email is the account"
is "$VT_ERR" "" "nothing on stderr"
no_leak "$ID" "not cached"

vt_sa token --id-token "$AUD" --json
vt_ok "--json"
cp "$T/out" "$T/id.json"
ID=$(json_get "$T/id.json" id_token)
is "$ID" "$(mock_get /token issued_id_token)" "id_token in the JSON"
like "$(json_get "$T/id.json" expires_in)" '^3(5[0-9][0-9])$' \
    "expires_in from exp"
EXP=$(epoch_of "$(json_get "$T/id.json" expires_at)")
is "$EXP" "$(claim "$ID" exp)" "expires_at is exp"
if json_get "$T/id.json" access_token >/dev/null; then
	fail "no access_token member"
else
	pass "no access_token member"
fi

vt_sa token
vt_ok "an access token still works"
is "$VT_OUT" "$(mock_get /token issued)" "the access token"
vt_sa token --id-token "$AUD" -vvv
vt_ok "-vvv"
ID=$VT_OUT
no_leak "$ID" "-vvv: the ID token is not in the trace"
like "$VT_ERR" "ID token" "the trace says what it minted"

# -- impersonation: IAM generateIdToken -------------------------------------------------

vt_sa --impersonate-service-account "$TGT" token --id-token "$AUD"
vt_ok "an ID token through impersonation"
ID=$VT_OUT
is "$ID" "$(mock_get "$IDP" issued_id_token)" "the one IAM issued"
is "$(mock_get "$IDP" json.audience)" "$AUD" "IAM got the audience"
is "$(mock_get "$IDP" json.includeEmail)" false "includeEmail false"
is "$(mock_get "$IDP" headers.authorization)" \
    "Bearer $(mock_get /token issued)" "with the source token as Bearer"
if claim "$ID" email >/dev/null; then
	fail "no email claim without --include-email"
else
	pass "no email claim without --include-email"
fi
no_leak "$ID" "not on stderr"

vt_sa --impersonate-service-account "$TGT" token --id-token "$AUD" \
    --include-email
vt_ok "--include-email"
is "$(mock_get "$IDP" json.includeEmail)" true "includeEmail true"
is "$(claim "$VT_OUT" email)" "$TGT" "the email claim names the target"

mock_set iam "{\"accounts\": {\"$TGT\": {\"delegates\": [\"$DEL\"]}}}"
vt_sa --impersonate-service-account "$DEL,$TGT" token --id-token "$AUD"
vt_ok "with a delegate"
is "$(mock_get "$IDP" json.delegates)" \
    "[\"projects/-/serviceAccounts/$DEL\"]" "delegates in IAM's form"
vt_sa --impersonate-service-account "$TGT" token --id-token "$AUD"
vt_fails 4 "IAM's 403 is exit 4"
like "$VT_ERR" "serviceAccountTokenCreator" "with the hint"
mock_set iam "{\"accounts\": {\"$TGT\": {}}}"

# The ADC type impersonated_service_account.
"$PYTHON3" - "$T/sa.json" "$MOCK_URL" "$TGT" >"$T/imp.json" <<'EOF'
import json, sys
print(json.dumps({
    "type": "impersonated_service_account",
    "service_account_impersonation_url":
        "%s/v1/projects/-/serviceAccounts/%s:generateAccessToken"
        % (sys.argv[2], sys.argv[3]),
    "source_credentials": json.load(open(sys.argv[1]))}))
EOF
chmod 600 "$T/imp.json"
vt --credentials "$T/imp.json" token --id-token "$AUD"
vt_ok "the impersonated_service_account type"
is "$VT_OUT" "$(mock_get "$IDP" issued_id_token)" "through generateIdToken"

# -- the metadata server --------------------------------------------------------------

mock_metadata "{\"email\": \"$MDSA\", \"project_id\": \"vt-md-proj\"}"
md_vt() {
	GCE_METADATA_HOST=127.0.0.1:$MOCK_PORT NO_GCE_CHECK= vt "$@"
}
md_vt token --id-token "$AUD"
vt_ok "an ID token from the metadata server"
ID=$VT_OUT
is "$ID" "$(mock_get $IDENT issued_id_token)" "the one it issued"
is "$(mock_get $IDENT audience)" "$AUD" "the audience, URL-encoded and back"
like "$(mock_get $IDENT query)" '^audience=https%3A%2F%2Fsvc\.example%2Frun%3Fx%3D1$' \
    "the query escapes the audience, no format"
is "$(mock_get $IDENT headers.metadata-flavor)" Google "Metadata-Flavor"
if claim "$ID" email >/dev/null; then
	fail "standard format: no email"
else
	pass "standard format: no email"
fi
md_vt token --id-token "$AUD" --include-email
vt_ok "--include-email"
is "$(mock_get $IDENT format)" full "format=full"
is "$(claim "$VT_OUT" email)" "$MDSA" "the email claim"
no_leak "$VT_OUT" "not on stderr, not cached"

mock_metadata "{\"email\": \"$MDSA\", \"fault\": \"no_sa\"}"
md_vt token --id-token "$AUD"
vt_fails 3 "no service account attached: exit 3"
mock_metadata "{\"email\": \"$MDSA\", \"fault\": \"no_flavor\"}"
md_vt token --id-token "$AUD"
vt_fails 5 "a reply without Metadata-Flavor: exit 5"
mock_metadata "{\"email\": \"$MDSA\"}"

# -- what cannot --------------------------------------------------------------------------

mock_log_clear
make_user_file "$T/user.json" "$CID" secret-value 1//0vt-refresh \
    "$MOCK_URL/token"
vt --credentials "$T/user.json" token --id-token "$AUD"
vt_fails 3 "authorized_user cannot: exit 3"
is "$VT_ERR" "vtoken: credentials of type authorized_user cannot mint ID tokens" \
    "the message"

vt_sa token --id-token ""
vt_fails 2 "an empty audience: exit 2"
vt_sa token --id-token "a b"
vt_fails 2 "an audience with a space: exit 2"
vt_sa token --id-token "$(printf 'a%01100d' 0)"
vt_fails 2 "an audience over 1 KiB: exit 2"
vt_sa token --include-email
vt_fails 2 "--include-email without --id-token: exit 2"
vt_sa header --id-token "$AUD"
vt_fails 2 "--id-token is an option of token only"
is "$(mock_count /token)" 0 "none of these asked the mock"

# -- hostile replies ----------------------------------------------------------------------

# hostile KIND STATUS DESC: every route's reply replaced by KIND.
hostile() {
	mock_set id_token "{\"reply\": \"$1\"}"
	vt_sa token --id-token "$AUD"
	vt_fails "$2" "key: $3"
	vt_sa --impersonate-service-account "$TGT" token --id-token "$AUD"
	vt_fails "$2" "impersonation: $3"
	md_vt token --id-token "$AUD"
	vt_fails "$2" "metadata: $3"
	no_leak "$(mock_get "$IDENT" issued_id_token)" "$1: not on stderr"
}
hostile not_jwt 5 "not a JWT is exit 5"
hostile two_parts 5 "two parts is exit 5"
hostile not_base64 5 "not base64url is exit 5"
hostile no_exp 5 "no exp is exit 5"
hostile string_exp 5 "a string exp is exit 5"
hostile expired 5 "expired is exit 5"
hostile bad_chars 4 "characters a JWT cannot have is exit 4"
hostile huge 4 "a huge token is exit 4"
hostile wrong_aud 4 "another audience is exit 4"
"$PYTHON3" "$MOCKCTL" del "$MOCK_CONFIG" id_token

mock_fault '{"status": 400, "body": {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}}'
vt_sa token --id-token "$AUD"
vt_fails 4 "the token endpoint's invalid_grant is exit 4"
mock_fault_clear

done_testing
