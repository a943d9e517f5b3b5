#!/bin/sh
# t2800-external-account: workload and workforce identity federation
# (external_account with file, url and executable subject tokens, the STS
# token exchange, optional impersonation) and external_account_authorized_user.
# STS, IAM and the subject-token URL are the mock's.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
AUD=//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/vt-pool/providers/vt-prov
WAUD=//iam.googleapis.com/locations/global/workforcePools/vt-wf/providers/vt-wfprov
JWT=urn:ietf:params:oauth:token-type:jwt
SUBJ=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2dC10ZXN0In0.c3ViamVjdC1zaWc
WIF=wif@vt-test.iam.gserviceaccount.com
IAMP=/v1/projects/-/serviceAccounts/$WIF:generateAccessToken
CP=https://www.googleapis.com/auth/cloud-platform
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"]}"
mock_set iam "{\"accounts\": {\"$WIF\": {}}}"
printf '%s\n' "$SUBJ" >"$T/subject.txt"
printf '{"id_token": "%s", "other": 1}' "$SUBJ" >"$T/subject.json"


# -- file: text and json ------------------------------------------------------------

ext_file "$T/file.json" "{\"file\": \"$T/subject.txt\"}"
vt --credentials "$T/file.json" token
vt_ok "file source, text"
like "$VT_OUT" "^$TOKEN_RE\$" "prints the access token"
is "$VT_OUT" "$(mock_get /v1/token issued)" "the token is the STS token"
is "$(mock_get /v1/token form.@keys)" \
    "audience grant_type requested_token_type scope subject_token subject_token_type" \
    "every required STS field, nothing else"
is "$(mock_get /v1/token form.grant_type)" \
    urn:ietf:params:oauth:grant-type:token-exchange "grant_type"
is "$(mock_get /v1/token form.audience)" "$AUD" "audience"
is "$(mock_get /v1/token form.requested_token_type)" \
    urn:ietf:params:oauth:token-type:access_token "requested_token_type"
is "$(mock_get /v1/token form.subject_token)" "$SUBJ" \
    "subject token, trailing newline removed"
is "$(mock_get /v1/token form.subject_token_type)" "$JWT" "subject_token_type"
is "$(mock_get /v1/token form.scope)" "$CP" "scope"
is "$VT_ERR" "" "nothing on stderr"

ext_file "$T/filej.json" "{\"file\": \"$T/subject.json\", \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}"
vt --credentials "$T/filej.json" token
vt_ok "file source, json"
is "$(mock_get /v1/token form.subject_token)" "$SUBJ" "the field's value"

ext_file "$T/filej2.json" "{\"file\": \"$T/subject.json\", \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"access_token\"}}"
vt --credentials "$T/filej2.json" token
vt_fails 4 "json without the named field"
like "$VT_ERR" "no field 'access_token'" "names the field"
ext_file "$T/filej3.json" "{\"file\": \"$T/subject.json\", \"format\": {\"type\": \"json\"}}"
vt --credentials "$T/filej3.json" token
vt_fails 4 "json format without subject_token_field_name"
ext_file "$T/filej4.json" "{\"file\": \"$T/subject.json\", \"format\": {\"type\": \"xml\"}}"
vt --credentials "$T/filej4.json" token
vt_fails 4 "an unknown format type"
ext_file "$T/nofile.json" "{\"file\": \"$T/missing.txt\"}"
vt --credentials "$T/nofile.json" token
vt_fails 3 "a missing subject token file is exit 3"
: >"$T/empty.txt"
ext_file "$T/emptyf.json" "{\"file\": \"$T/empty.txt\"}"
vt --credentials "$T/emptyf.json" token
vt_fails 4 "an empty subject token"

# -- url ---------------------------------------------------------------------------

mock_set subject_url "{\"token\": \"$SUBJ\", \"headers\": {\"Metadata\": \"True\"}}"
ext_file "$T/url.json" "{\"url\": \"$MOCK_URL/subject/text\", \"headers\": {\"Metadata\": \"True\"}}"
vt --credentials "$T/url.json" token
vt_ok "url source, text"
is "$(mock_get /subject/text headers.metadata)" True "the file's header sent"
is "$(mock_get /v1/token form.subject_token)" "$SUBJ" "its token exchanged"
ext_file "$T/urlj.json" "{\"url\": \"$MOCK_URL/subject/json\", \"headers\": {\"Metadata\": \"True\"}, \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}"
vt --credentials "$T/urlj.json" token
vt_ok "url source, json"
# -vvv masks the subject token wherever it shows: under the field the
# file names (GitHub's OIDC reply: {"count": ..., "value": ...}), as the
# whole of a text reply, and in the STS request.
mock_set subject_url "{\"token\": \"$SUBJ\", \"field\": \"value\"}"
ext_file "$T/urlv.json" "{\"url\": \"$MOCK_URL/subject/json\", \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"value\"}}"
vt -vvv --no-cache --credentials "$T/urlv.json" token
vt_ok "url source, json field 'value', at -vvv"
! grep -qF "$SUBJ" "$T/err"
ok $? "the trace does not show the subject token"
like "$VT_ERR" '< \[redacted, [0-9]+ bytes\]' \
    "the reply is measured only (until read, nothing knows the token)"
ext_file "$T/urlt.json" "{\"url\": \"$MOCK_URL/subject/text\"}"
vt -vvv --no-cache --credentials "$T/urlt.json" token
vt_ok "url source, text, at -vvv"
! grep -qF "$SUBJ" "$T/err"
ok $? "the trace does not show the subject token"
like "$VT_ERR" '< \[redacted, [0-9]+ bytes\]' "the text reply is measured only"
mock_set subject_url "{\"token\": \"$SUBJ\", \"headers\": {\"Metadata\": \"True\"}}"
ext_file "$T/urlnoh.json" "{\"url\": \"$MOCK_URL/subject/text\"}"
vt --credentials "$T/urlnoh.json" token
vt_fails 4 "the URL refuses a request without its header"
like "$VT_ERR" "HTTP 403" "names the status"
ext_file "$T/both.json" "{\"url\": \"$MOCK_URL/subject/text\", \"file\": \"$T/subject.txt\"}"
vt --credentials "$T/both.json" token
vt_fails 4 "file and url together"

# -- required fields ----------------------------------------------------------------

for f in audience subject_token_type credential_source; do
	"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1])); del d[sys.argv[2]]
json.dump(d, open(sys.argv[3], "w"))' "$T/file.json" "$f" "$T/no-$f.json"
	vt --credentials "$T/no-$f.json" token
	vt_fails 4 "missing $f"
	like "$VT_ERR" "'$f' is missing" "names $f"
done

# -- STS errors --------------------------------------------------------------------

mock_set sts '{"subject_tokens": ["something-else"]}'
vt --credentials "$T/file.json" token
vt_fails 4 "STS invalid_grant"
like "$VT_ERR" "invalid_grant" "names the error"
like "$VT_ERR" "audience '$AUD'" "names the audience"
unlike "$VT_ERR" "$SUBJ" "never the subject token"
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"], \"reply\": \"invalid_request\"}"
vt --credentials "$T/file.json" token
vt_fails 4 "STS invalid_request"
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"], \"faults\": {\"status\": 503}}"
vt --credentials "$T/file.json" token
vt_fails 5 "STS 503 after retries"
like "$VT_ERR" 'HTTP 503.* after [0-9]+ attempts' \
    "the message says how many attempts (as for token endpoints)"
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"], \"audiences\": [\"//other\"]}"
vt --credentials "$T/file.json" token
vt_fails 4 "an audience STS does not accept"
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"]}"

# -- the URL rule ------------------------------------------------------------------

mock_log_clear
ext_file "$T/evil.json" "{\"url\": \"$MOCK_URL/subject/text\", \"headers\": {\"Metadata\": \"True\"}}" \
    '"token_url": "https://sts.example.com/v1/token"'
sed -i '/"token_url": "http:/d' "$T/evil.json"
vt --credentials "$T/evil.json" token
vt_fails 4 "an STS URL off googleapis.com is refused"
is "$(mock_count /subject/text)" 0 "before the subject token is read"
# Hosts GLib's URL parser and curl's read differently: refused on curl's
# reading, before the subject token is read.
for h in 'evil.com%2f.googleapis.com' 'evil.com%23.googleapis.com' \
    'evil.com%40.googleapis.com' 'evil.com;.googleapis.com' \
    'evil.com\\.googleapis.com'; do
	mock_log_clear
	ext_file "$T/evil.json" "{\"url\": \"$MOCK_URL/subject/text\"}" \
	    "\"token_url\": \"https://$h/v1/token\""
	sed -i '/"token_url": "http:/d' "$T/evil.json"
	vt --credentials "$T/evil.json" token
	vt_fails 4 "token_url https://$h/ is refused"
	is "$(mock_count /subject/text)" 0 "before the subject token is read"
done
ext_file "$T/evil2.json" "{\"file\": \"$T/subject.txt\"}" \
    "\"service_account_impersonation_url\": \"https://iam.example.com$IAMP\""
vt --credentials "$T/evil2.json" token
vt_fails 4 "an impersonation URL off googleapis.com is refused"
is "$(mock_count /v1/token)" 0 "nothing sent to STS"
ext_file "$T/uni.json" "{\"file\": \"$T/subject.txt\"}" \
    '"universe_domain": "example.com", "service_account_impersonation_url": "https://iamcredentials.example.com/v1/projects/-/serviceAccounts/a@b.c:generateAccessToken"'
sed -i 's|"token_url": "http://127.0.0.1:[0-9]*/v1/token"|"token_url": "https://sts.example.com/v1/token"|' "$T/uni.json"
vt --credentials "$T/uni.json" status
is "$VT_STATUS" 4 "a foreign universe is refused"
GOOGLE_CLOUD_UNIVERSE_DOMAIN=example.com vt --credentials "$T/uni.json" status
is "$VT_STATUS" 0 "unless the user names it"

# -- impersonation ------------------------------------------------------------------

ext_file "$T/imp.json" "{\"file\": \"$T/subject.txt\"}" \
    "\"service_account_impersonation_url\": \"$MOCK_URL$IAMP\", \"service_account_impersonation\": {\"token_lifetime_seconds\": 1200}"
vt --credentials "$T/imp.json" --scopes userinfo.email token
vt_ok "with service_account_impersonation_url"
is "$VT_OUT" "$(mock_get "$IAMP" issued)" "the token is IAM's"
is "$(mock_get /v1/token form.scope)" "$CP" "STS asked for cloud-platform"
is "$(mock_get "$IAMP" headers.authorization)" \
    "Bearer $(mock_get /v1/token issued)" "IAM got the STS token"
is "$(mock_get "$IAMP" json.lifetime)" 1200s "token_lifetime_seconds"
is "$(mock_get "$IAMP" json.scope)" \
    '["https://www.googleapis.com/auth/userinfo.email"]' "IAM got the scopes"
mock_set iam '{"accounts": {}}'
vt --credentials "$T/imp.json" token
vt_fails 4 "IAM 403"
like "$VT_ERR" "roles/iam\.serviceAccountTokenCreator" "with the hint"
mock_set iam "{\"accounts\": {\"$WIF\": {}}}"

# -- workforce pools and client authentication -------------------------------------

ext_file "$T/wf.json" "{\"file\": \"$T/subject.txt\"}" \
    '"workforce_pool_user_project": "456"' "$WAUD"
vt --credentials "$T/wf.json" token
vt_ok "workforce pool"
is "$(mock_get /v1/token options)" '{"userProject": "456"}' \
    "options carries userProject"
ext_file "$T/wl.json" "{\"file\": \"$T/subject.txt\"}" \
    '"workforce_pool_user_project": "456"'
vt --credentials "$T/wl.json" token
vt_fails 4 "workforce_pool_user_project with a workload pool"
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"], \"client\": {\"id\": \"vt-client\", \"secret\": \"vt-client-secret\"}}"
ext_file "$T/cl.json" "{\"file\": \"$T/subject.txt\"}" \
    '"client_id": "vt-client", "client_secret": "vt-client-secret", "workforce_pool_user_project": "456"' "$WAUD"
vt --credentials "$T/cl.json" token
vt_ok "client_id and client_secret"
like "$(mock_get /v1/token headers.authorization)" '^Basic ' "Basic client auth"
if mock_get /v1/token form.options >/dev/null; then
	fail "no options with a client"
else
	pass "no options with a client"
fi
vt --credentials "$T/wf.json" token
vt_fails 4 "without the client STS says invalid_client"
mock_set sts "{\"subject_tokens\": [\"$SUBJ\"]}"

# -- unsupported sources -------------------------------------------------------------

ext_file "$T/aws.json" '{"environment_id": "aws1", "region_url": "http://127.0.0.1:9/r", "url": "http://127.0.0.1:9/c", "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}'
vt --credentials "$T/aws.json" token
vt_fails 4 "AWS sources are refused"
like "$VT_ERR" "not supported" "as unsupported"

# -- executable ----------------------------------------------------------------------

mkdir -p "$T/bin"
cat >"$T/bin/ok.sh" <<EOT
#!/bin/sh
env >"$T/exec-env"
n=\$(cat "$T/count" 2>/dev/null || echo 0)
echo \$((n + 1)) >"$T/count"
[ -n "\$SLEEP" ] && sleep "\$SLEEP"
exp=\$((\$(date +%s) + 3600))
out='{"version": 1, "success": true, "token_type": "$JWT", "id_token": "$SUBJ", "expiration_time": '\$exp'}'
[ -n "\$GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE" ] && printf '%s' "\$out" >"\$GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE"
printf '%s\n' "\$out"
EOT
cat >"$T/bin/pwn.sh" <<EOT
#!/bin/sh
touch "$T/pwned-exec"
echo '{"version": 1, "success": true, "token_type": "$JWT", "id_token": "$SUBJ"}'
EOT
cat >"$T/bin/no.sh" <<'EOT'
#!/bin/sh
echo '{"version": 1, "success": false, "code": "401", "message": "caller not authorized"}'
EOT
cat >"$T/bin/slow.sh" <<'EOT'
#!/bin/sh
sleep 30
EOT
chmod +x "$T/bin/"*.sh

ext_file "$T/pwn.json" "{\"executable\": {\"command\": \"$T/bin/pwn.sh --flag\"}}"
vt --credentials "$T/pwn.json" token
vt_fails 3 "an executable source without the opt-in is exit 3"
like "$VT_ERR" "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1" "says what to set"
[ ! -e "$T/pwned-exec" ]
ok $? "and the program never ran"
GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=true vt --credentials "$T/pwn.json" token
vt_fails 3 "only the value 1 allows it"
[ ! -e "$T/pwned-exec" ]
ok $? "still never ran"
vt --credentials "$T/pwn.json" status
like "$VT_OUT" "subject from: executable .*not allowed" "status says it is not allowed"
[ ! -e "$T/pwned-exec" ]
ok $? "status does not run it either"

GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1
export GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES
MARKER_SECRET=do-not-pass-me
export MARKER_SECRET
ext_file "$T/exec.json" "{\"executable\": {\"command\": \"$T/bin/ok.sh a 'b c'\", \"timeout_millis\": 10000}}" \
    "\"service_account_impersonation_url\": \"$MOCK_URL$IAMP\""
vt --credentials "$T/exec.json" token
vt_ok "executable source"
is "$(mock_get /v1/token form.subject_token)" "$SUBJ" "its id_token exchanged"
like "$(cat "$T/exec-env")" "^GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE=$AUD\$" "AUDIENCE set"
like "$(cat "$T/exec-env")" "^GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE=$JWT\$" "TOKEN_TYPE set"
like "$(cat "$T/exec-env")" "^GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=0\$" "INTERACTIVE=0"
like "$(cat "$T/exec-env")" "^GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL=$WIF\$" \
    "IMPERSONATED_EMAIL set"
unlike "$(cat "$T/exec-env")" "MARKER_SECRET|GOOGLE_EXTERNAL_ACCOUNT_ALLOW" \
    "a minimal environment"

ext_file "$T/no.json" "{\"executable\": {\"command\": \"$T/bin/no.sh\"}}"
vt --credentials "$T/no.json" token
vt_fails 4 "success false"
like "$VT_ERR" "code 401: caller not authorized" "code and message"

# (timeout_millis well past any bound VT_TIME_SCALE may give: --timeout decides.)
ext_file "$T/slow.json" "{\"executable\": {\"command\": \"$T/bin/slow.sh\", \"timeout_millis\": 20000}}"
vt --credentials "$T/slow.json" --timeout 2 token
vt_fails 5 "a program that does not finish is killed"
like "$VT_ERR" "'$T/bin/slow.sh' did not finish" "the message names the command"
within 1000 "within the time bound" 2000

# A program that answers, closes its stdout and goes on running (here in
# a child it started): --timeout still bounds the call, exit 5, and its
# process group is killed.
cat >"$T/bin/closer.sh" <<EOT
#!/bin/sh
printf '%s\n' '{"version": 1, "success": true, "token_type": "$JWT", "id_token": "$SUBJ"}'
exec >&-
sleep 37.$$ &
wait
EOT
chmod +x "$T/bin/closer.sh"
ext_file "$T/closer.json" "{\"executable\": {\"command\": \"$T/bin/closer.sh\", \"timeout_millis\": 20000}}"
vt --no-cache --credentials "$T/closer.json" --timeout 2 token
vt_fails 5 "a program that closes stdout and runs on is killed at --timeout"
like "$VT_ERR" "'$T/bin/closer.sh' did not finish" "the message names the command"
within 1000 "within the time bound" 2000
pgrep -f "sleep 37.$$" >/dev/null
ok $((!$?)) "nothing it started is left running"

ext_file "$T/rel.json" '{"executable": {"command": "ok.sh"}}'
vt --credentials "$T/rel.json" token
vt_fails 4 "a relative command is refused"
ext_file "$T/tmo.json" "{\"executable\": {\"command\": \"$T/bin/ok.sh\", \"timeout_millis\": 100}}"
vt --credentials "$T/tmo.json" token
vt_fails 4 "timeout_millis below 5000 is refused"

# output_file: the cache the program writes, read first under a lock.
rm -f "$T/count"
ext_file "$T/cache.json" "{\"executable\": {\"command\": \"$T/bin/ok.sh\", \"output_file\": \"$T/out-cache.json\"}}"
vt --credentials "$T/cache.json" token
vt_ok "output_file: first run"
vt --credentials "$T/cache.json" token
vt_ok "output_file: second run"
is "$(cat "$T/count")" 1 "the program ran once; the cache was reused"
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1])); d["expiration_time"] = 1000
json.dump(d, open(sys.argv[1], "w"))' "$T/out-cache.json"
vt --credentials "$T/cache.json" token
vt_ok "an expired output_file"
is "$(cat "$T/count")" 2 "makes the program run again"

# An output_file or lock that another user could have planted (in a
# shared directory) is ignored, as the cache's entries would be.
plant() {
	"$PYTHON3" -c 'import json, sys, time
json.dump({"version": 1, "success": True, "token_type": sys.argv[2],
    "id_token": "planted-subject", "expiration_time": int(time.time()) + 3600},
    open(sys.argv[1], "w"))' "$T/out-cache.json" "$JWT"
	chmod "$1" "$T/out-cache.json"
}
plant 600
vt --no-cache --credentials "$T/cache.json" token
is "$(mock_get /v1/token form.subject_token)" planted-subject \
    "output_file of ours, private: its response is used"
echo 0 >"$T/count"
plant 666
vt --no-cache -v --credentials "$T/cache.json" token
vt_ok "a world-writable output_file"
is "$(cat "$T/count")" 1 "is not read: the program runs"
is "$(mock_get /v1/token form.subject_token)" "$SUBJ" \
    "and its token is exchanged, not the planted one"
like "$VT_ERR" "ignoring output_file '$T/out-cache.json': others may write to it" \
    "-v says why"
if [ "$(id -u)" -eq 0 ]; then
	plant 600
	chown 65534 "$T/out-cache.json"
	vt --no-cache -v --credentials "$T/cache.json" token
	is "$(mock_get /v1/token form.subject_token)" "$SUBJ" \
	    "an output_file of another user is not read"
	like "$VT_ERR" "it belongs to uid 65534" "-v says whose it is"
	rm -f "$T/out-cache.json"
	chown 65534 "$T/out-cache.json.lock"
	vt --no-cache -v --credentials "$T/cache.json" token
	vt_ok "a lock file of another user"
	like "$VT_ERR" "ignoring lock file '$T/out-cache.json.lock': it belongs to uid 65534" \
	    "is not waited on"
	rm -f "$T/out-cache.json.lock"
else
	skip "chown needs root" 4
fi

rm -f "$T/count" "$T/out-cache.json"
SLEEP=1
export SLEEP
i=0
pids=
while [ $i -lt 5 ]; do
	"$VTOKEN" --no-cache --credentials "$T/cache.json" token >"$T/par.$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # a list of pids; a bare wait would wait for the mock
wait $pids
unset SLEEP
is "$(cat "$T/count")" 1 "5 parallel runs: the program ran once"
is "$(cat "$T/par."* | grep -Ec "^$TOKEN_RE\$")" 5 "and all 5 got a token"

# -- status -------------------------------------------------------------------------

vt --credentials "$T/url.json" status
vt_ok "status"
like "$VT_OUT" "external_account, workload identity pool vt-pool, provider vt-prov" \
    "the identity: pool and provider"
like "$VT_OUT" "subject from: url $MOCK_URL/subject/text" "the source kind and URL"
like "$VT_OUT" "audience: $AUD" "the audience"
vt --credentials "$T/exec.json" status
like "$VT_OUT" "subject from: executable $T/bin/ok.sh" "the command"
like "$VT_OUT" "impersonates: $WIF" "the impersonated account"
unlike "$VT_OUT" "$SUBJ" "never the subject token"

# -- external_account_authorized_user ----------------------------------------------

mock_set sts '{"client": {"id": "wf-client", "secret": "wf-secret"}, "refresh_tokens": ["wf-refresh"]}'
eau_file() {
	cat >"$1" <<-EOT
	{"type": "external_account_authorized_user", "audience": "$WAUD",
	 "client_id": "wf-client", "client_secret": "wf-secret",
	 "refresh_token": "${2:-wf-refresh}", "token_url": "${3:-$MOCK_URL/v1/oauthtoken}"}
	EOT
}
eau_file "$T/eau.json"
vt --credentials "$T/eau.json" token
vt_ok "external_account_authorized_user"
is "$VT_OUT" "$(mock_get /v1/oauthtoken issued)" "the refreshed token"
is "$(mock_get /v1/oauthtoken form.@keys)" "grant_type refresh_token" \
    "grant_type and refresh_token in the form"
like "$(mock_get /v1/oauthtoken headers.authorization)" '^Basic ' \
    "client in Basic auth"
eau_file "$T/eau-bad.json" wrong-refresh
vt --credentials "$T/eau-bad.json" token
vt_fails 4 "a revoked refresh token"
eau_file "$T/eau-http.json" wf-refresh http://sts.example.com/v1/oauthtoken
vt --credentials "$T/eau-http.json" token
vt_fails 4 "plain http token_url off loopback is refused"
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1])); del d["refresh_token"]
json.dump(d, open(sys.argv[2], "w"))' "$T/eau.json" "$T/eau-nort.json"
vt --credentials "$T/eau-nort.json" token
vt_fails 4 "missing refresh_token"

# -- no secret at -vvv --------------------------------------------------------------

mock_set sts "{\"subject_tokens\": [\"$SUBJ\"]}"
vt --credentials "$T/file.json" -vvv token
vt_ok "-vvv"
unlike "$VT_ERR" "$SUBJ" "the subject token is not logged"
unlike "$VT_ERR" "$VT_OUT" "nor the access token"

done_testing
