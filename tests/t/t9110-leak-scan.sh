#!/bin/sh
# t9110-leak-scan: every secret the fixtures hold or the mock issued is
# looked for in everything vtoken wrote, and found only where it belongs.
#
# The runs: every source type (service_account, authorized_user,
# --impersonate-service-account, impersonated_service_account,
# external_account with a file, url and executable subject token and with
# a client secret, external_account_authorized_user, the metadata server
# (the mock's, never 169.254.169.254), API keys from a file, from the
# environment and stored with `vtoken key set`), every command (token,
# token --json, env, env --shell json, header, exec, status, status --json,
# git-credential get|store|erase, refresh with --write-env and
# --write-token, refresh --all, cache list, cache clear, key set|status|
# delete), and the error paths (hostile and malformed replies of the token
# endpoint, STS, IAM, the subject URL and the metadata server, hostile
# subject programs, wrong secrets, bad files, a stale token served on a
# 503), all at -vvv, a few also without -v.
#
# What is searched: each run's stdout and stderr; the environment of
# exec's child and of the subject program vtoken runs; every file (and
# every file name) under HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME (every
# per-run one), XDG_RUNTIME_DIR and ~/.cache, and the subject cache's lock
# file; the labels and attributes (never the secrets) of every item in the
# keyring, read over D-Bus.
#
# Where a secret may be: the token line of token, the access_token member
# of token --json, the OPENAI_API_KEY line of env (and member of env
# --shell json), the header line, OPENAI_API_KEY in exec's child, the
# password line of git-credential get, the files refresh --write-token and
# --write-env write (documented token files), the access_token member of a
# file cache entry, and the keyring item's secret.  Those slots are removed
# before the search, and only when they hold a token the mock issued or
# an API key of the fixtures: a refresh token or a client secret in a slot
# is still found.
#
# vtoken takes no secret on its command line (key set reads stdin), so
# there is nothing to look for in /proc/PID/cmdline.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
PROJ=vt-leak-project
SA=vt-leak-sa@vt-test.iam.gserviceaccount.com
TGT=vt-leak-target@vt-test.iam.gserviceaccount.com
MDSA=vt-leak-md@vt-md-proj.iam.gserviceaccount.com
IAMP=/v1/projects/-/serviceAccounts/$TGT:generateAccessToken
CLIENT_ID=vt-leak-cid.apps.googleusercontent.com
SECRET=vt-client-secret-Kq7Zr2Wx9Lm4
REFRESH=1//0vt-refresh-token-Hd5Tj8Ng3Bv6Yc1
AUD=//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/vt-pool/providers/vt-prov
WAUD=//iam.googleapis.com/locations/global/workforcePools/vt-wf/providers/vt-wfprov
JWT=urn:ietf:params:oauth:token-type:jwt
SUBJ_FILE=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2dC1maWxlIn0.vtSubjFileSig-Wq4Rt7Yu1Io
SUBJ_URL=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2dC11cmwifQ.vtSubjUrlSig-Pa8Sd2Fg6Hj
SUBJ_EXE=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2dC1leGUifQ.vtSubjExeSig-Zx3Cv9Bn4Mq
SUBJ_WRONG=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2dC13cm9uZyJ9.vtSubjWrongSig-Kl5Jh1
STS_CID=vt-leak-wf-client
STS_SECRET=vt-sts-secret-Rb6Nc3Vx8Zq1
EAU_REFRESH=vt-eau-refresh-Lm2Kp9Hs5Df7
KEY_FILE=AIzaSyVtLeakFile-aaaaaaaaaaaaaaaaaaaaaa
KEY_ENV=AIzaSyVtLeakEnvv-bbbbbbbbbbbbbbbbbbbbbb
KEY_STORED=AIzaSyVtLeakStor-cccccccccccccccccccccc
STALE=ya29.vt-stale-but-valid-Tq8Wm3
GIT_HOST=source.developers.google.com

FX=$T/fx		# the fixtures: outside HOME and the XDG directories
mkdir -p "$FX" "$T/runs" "$T/exeenv" "$T/scan"
: >"$T/runs/index"

# -- the fixtures and the mock ------------------------------------------------------

mock_start
KEY=$(gen_sa_key sa)
OTHER=$(gen_sa_key other)
mock_add_sa "$SA" "$KEY"
make_sa_file "$FX/sa.json" "$SA" "$KEY" "$MOCK_URL/token" "$PROJ"
make_sa_file "$FX/other.json" "$SA" "$OTHER" "$MOCK_URL/token"
mock_add_user "$CLIENT_ID" "$SECRET" "$REFRESH"
make_user_file "$FX/user.json" "$CLIENT_ID" "$SECRET" "$REFRESH" \
    "$MOCK_URL/token" vt-quota-project
make_user_file "$FX/wrong.json" "$CLIENT_ID" vt-wrong-secret-Pz3Qm8 \
    "$REFRESH" "$MOCK_URL/token"
mock_set iam "{\"accounts\": {\"$TGT\": {}}}"
STS_BASE="\"subject_tokens\": [\"$SUBJ_FILE\", \"$SUBJ_URL\", \"$SUBJ_EXE\"]"
mock_set sts "{$STS_BASE}"
mock_set subject_url "{\"token\": \"$SUBJ_URL\", \"headers\": {\"Metadata\": \"True\"}}"
mock_metadata "{\"email\": \"$MDSA\", \"project_id\": \"vt-md-proj\"}"
VTOKEN_IAM_ENDPOINT=$MOCK_URL
GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1
export VTOKEN_IAM_ENDPOINT GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES

printf '%s\n' "$SUBJ_FILE" >"$FX/subject.txt"
printf '{"vt_other_field": "%s"}\n' "$SUBJ_FILE" >"$FX/subject-other.json"
printf '%s\n' "$SUBJ_WRONG" >"$FX/subject-wrong.txt"
ext_file "$FX/ext-file.json" "{\"file\": \"$FX/subject.txt\"}"
ext_file "$FX/ext-nofield.json" "{\"file\": \"$FX/subject-other.json\", \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}"
ext_file "$FX/ext-wrong.json" "{\"file\": \"$FX/subject-wrong.txt\"}"
ext_file "$FX/ext-missing.json" "{\"file\": \"$FX/no-such-subject.txt\"}"
ext_file "$FX/ext-url.json" "{\"url\": \"$MOCK_URL/subject/json\", \"headers\": {\"Metadata\": \"True\"}, \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}"
ext_file "$FX/ext-urltext.json" "{\"url\": \"$MOCK_URL/subject/text\", \"headers\": {\"Metadata\": \"True\"}}"
ext_file "$FX/ext-urlmix.json" "{\"url\": \"$MOCK_URL/subject/text\", \"headers\": {\"Metadata\": \"True\"}, \"format\": {\"type\": \"json\", \"subject_token_field_name\": \"id_token\"}}"
ext_file "$FX/ext-urlnoh.json" "{\"url\": \"$MOCK_URL/subject/text\"}"
ext_file "$FX/ext-client.json" "{\"file\": \"$FX/subject.txt\"}" \
    "\"client_id\": \"$STS_CID\", \"client_secret\": \"$STS_SECRET\", \"workforce_pool_user_project\": \"456\"" \
    "$WAUD"
ext_file "$FX/ext-client-wrong.json" "{\"file\": \"$FX/subject.txt\"}" \
    "\"client_id\": \"$STS_CID\", \"client_secret\": \"vt-sts-wrong-Yh7Ub2\", \"workforce_pool_user_project\": \"456\"" \
    "$WAUD"

# The subject programs: each leaves its environment in $T/exeenv.
mkdir -p "$FX/bin"
exe_script() {	# exe_script NAME BODY
	printf '#!/bin/sh\nenv >"%s/exeenv/$$"\n%s\n' "$T" "$2" >"$FX/bin/$1.sh"
	chmod +x "$FX/bin/$1.sh"
}
exe_script ok "out='{\"version\": 1, \"success\": true, \"token_type\": \"$JWT\", \"id_token\": \"$SUBJ_EXE\", \"expiration_time\": '\$((\$(date +%s) + 3600))'}'
[ -n \"\$GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE\" ] &&
    printf '%s' \"\$out\" >\"\$GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE\"
printf '%s\\n' \"\$out\""
exe_script garbage "echo 'id_token=$SUBJ_EXE; this is not JSON'"
exe_script badtype "echo '{\"version\": 1, \"success\": true, \"token_type\": \"urn:vt:bogus\", \"id_token\": \"$SUBJ_EXE\"}'"
exe_script exit3 "echo '{\"version\": 1, \"success\": true, \"token_type\": \"$JWT\", \"id_token\": \"$SUBJ_EXE\"}'; exit 3"
exe_script no "echo '{\"version\": 1, \"success\": false, \"code\": \"401\", \"message\": \"caller not authorized\"}'"
ext_file "$FX/ext-exe.json" "{\"executable\": {\"command\": \"$FX/bin/ok.sh\", \"timeout_millis\": 10000, \"output_file\": \"$FX/exe-out.json\"}}" \
    "\"service_account_impersonation_url\": \"$MOCK_URL$IAMP\""
for e in garbage badtype exit3 no; do
	ext_file "$FX/ext-exe-$e.json" "{\"executable\": {\"command\": \"$FX/bin/$e.sh\", \"timeout_millis\": 10000}}"
done

# external_account_authorized_user, with the same client as ext-client.
eau_file() {	# eau_file PATH REFRESH
	cat >"$1" <<-EOT
	{"type": "external_account_authorized_user", "audience": "$WAUD",
	 "client_id": "$STS_CID", "client_secret": "$STS_SECRET",
	 "refresh_token": "$2", "token_url": "$MOCK_URL/v1/oauthtoken"}
	EOT
}
eau_file "$FX/eau.json" "$EAU_REFRESH"
eau_file "$FX/eau-wrong.json" vt-eau-wrong-refresh-Cz4Vb8

# impersonated_service_account, from the authorized user.
imp_file() {	# imp_file PATH URL CLIENT_SECRET
	cat >"$1" <<-EOT
	{
	  "type": "impersonated_service_account",
	  "service_account_impersonation_url": "$2",
	  "delegates": [],
	  "source_credentials": {
	    "type": "authorized_user",
	    "client_id": "$CLIENT_ID",
	    "client_secret": "$3",
	    "refresh_token": "$REFRESH",
	    "token_uri": "$MOCK_URL/token"
	  }
	}
	EOT
}
imp_file "$FX/imp.json" "$MOCK_URL$IAMP" "$SECRET"
imp_file "$FX/imp-other.json" \
    "$MOCK_URL/v1/projects/-/serviceAccounts/vt-nobody@vt-test.iam.gserviceaccount.com:generateAccessToken" \
    "$SECRET"

# API keys in files (0600), one that is not a key.
printf '%s\n' "$KEY_FILE" >"$FX/key.txt"
printf '%s\n' 'AIzaSyVtLeakBad!Key-dddddddddddddddddddd' >"$FX/badkey.txt"
printf '%s\n' "$KEY_STORED" >"$FX/stored-key.txt"
# shellcheck disable=SC2016 # a literal $ in a key that is not one
printf '%s\n' 'AIzaSyVtLeakBadStdin$Key-eeeeeeeeeeeeeeee' >"$FX/bad-stdin-key.txt"
chmod 600 "$FX/key.txt" "$FX/badkey.txt"

# Credential files that are wrong in ways that might echo their content
# (as in t9100): a private_key that is not a key, a file that breaks off
# in a secret, a secret that is not a string, an unknown type.
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
# A placeholder, not a key; the marker is split for key scanners.
d["private_key"] = ("-----BEGIN " "PRIVATE KEY-----\nMIIvtLeakScanKeyBodyW2e3R4t5Y6u7I8o9P0\n"
                    "-----END PRIVATE KEY-----\n")
json.dump(d, open(sys.argv[2], "w"))' "$FX/sa.json" "$FX/badpk.json"
printf '{"type": "authorized_user", "client_id": "c", "client_secret": "vt-cut-secret-Xy7Wq2Ab9' \
    >"$FX/cut.json"
printf '{"type": "authorized_user", "client_id": "c", "refresh_token": "1//0vt-half-Lk3Jh6", "client_secret": ["vt-array-secret-Mn4Bv7"]}\n' \
    >"$FX/array.json"
printf '{"type": "vt-type-Qw9Er4", "private_key": "vt-pk-Zx8Cv5", "client_secret": "vt-odd-secret-Gh2Fd1"}\n' \
    >"$FX/oddtype.json"
chmod 600 "$FX"/*.json

printf 'protocol=https\nhost=%s\n\n' "$GIT_HOST" >"$FX/git-get"

# -- the secrets ----------------------------------------------------------------------

# halves PEM: both 32-character halves of each full base64 line but the
# first (the same in every RSA 2048 key), so that a key printed with other
# line breaks is caught too.
halves() {
	grep -v -e '^-----' "$1" |
	    awk 'NR > 1 && length($0) >= 64 { print substr($0, 1, 32); print substr($0, 33, 32) }'
}
halves "$KEY" >"$T/secrets"
halves "$OTHER" >>"$T/secrets"
[ "$(wc -l <"$T/secrets")" -gt 80 ] || bail_out "no key lines in $KEY"
basic=$(printf '%s:%s' "$STS_CID" "$STS_SECRET" | base64 | tr -d '\n')
# shellcheck disable=SC2016 # literal $s in two of them
printf '%s\n' "$SECRET" "$REFRESH" vt-wrong-secret-Pz3Qm8 \
    "$SUBJ_FILE" "$SUBJ_URL" "$SUBJ_EXE" "$SUBJ_WRONG" \
    "${SUBJ_FILE##*.}" "${SUBJ_URL##*.}" "${SUBJ_EXE##*.}" "${SUBJ_WRONG##*.}" \
    "$STS_SECRET" vt-sts-wrong-Yh7Ub2 "$basic" \
    "$EAU_REFRESH" vt-eau-wrong-refresh-Cz4Vb8 \
    "$KEY_FILE" "$KEY_ENV" "$KEY_STORED" \
    'AIzaSyVtLeakBad!Key-dddddddddddddddddddd' \
    'AIzaSyVtLeakBadStdin$Key-eeeeeeeeeeeeeeee' \
    MIIvtLeakScanKeyBodyW2e3R4t5Y6u7I8o9P0 vt-cut-secret-Xy7Wq2Ab9 \
    1//0vt-half-Lk3Jh6 vt-array-secret-Mn4Bv7 vt-pk-Zx8Cv5 \
    vt-odd-secret-Gh2Fd1 "$STALE" \
    ya29.nope 'ya29.$(touch' >>"$T/secrets"
# What may stand in a slot: the tokens the mock issued (added at the end),
# the stale token vtoken may serve, and (but in the file cache) the API keys
# vtoken was given.
printf '%s\n' "$STALE" >"$T/allowed"
printf '%s\n' "$KEY_FILE" "$KEY_ENV" "$KEY_STORED" >"$T/apikeys"

# -- keeping what vtoken wrote ----------------------------------------------------------

VT_KEPT=0
# keep KIND FILE DESC: a copy of FILE, searched at the end after the
# slots of KIND are removed (raw: nothing is).
keep() {
	VT_KEPT=$((VT_KEPT + 1))
	cp "$2" "$T/runs/$VT_KEPT"
	printf '%s %s %s\n' "$VT_KEPT" "$1" "$3" >>"$T/runs/index"
}

# check KIND DESC: keep the last run's stdout (KIND) and stderr (raw).
check() {
	keep "$1" "$T/out" "$2: stdout"
	keep raw "$T/err" "$2: stderr"
}

# succeeds KIND DESC ARGS...: vtoken -vvv ARGS exits 0; keep its output.
succeeds() {
	sc_kind=$1
	sc_desc=$2
	shift 2
	vt -vvv "$@"
	is "$VT_STATUS" 0 "$sc_desc: exit 0" || vt_report
	check "$sc_kind" "$sc_desc"
}

# fails DESC ARGS...: vtoken -vvv ARGS fails with nothing on stdout; keep
# its output (stdout raw: nothing may be there).
fails() {
	fl_desc=$1
	shift
	vt -vvv "$@"
	[ "$VT_STATUS" -ne 0 ] && [ ! -s "$T/out" ]
	ok $? "$fl_desc: fails (exit $VT_STATUS), nothing on stdout" ||
	    vt_report
	check raw "$fl_desc"
}

# runs DESC ARGS...: vtoken -vvv ARGS, whatever its exit status (status on
# a bad file may succeed: it need not parse everything); all raw.
runs() {
	rn_desc=$1
	shift
	vt -vvv "$@"
	check raw "$rn_desc (exit $VT_STATUS)"
}

# every_command DESC ARGS...: every command with credential options ARGS.
# With NO_EXEC set, not exec.
every_command() {
	ec_desc=$1
	shift
	succeeds token "$ec_desc: token" "$@" --project "$PROJ" token
	succeeds tokenjson "$ec_desc: token --json" "$@" token --json
	succeeds env "$ec_desc: env" "$@" --project "$PROJ" env
	succeeds envjson "$ec_desc: env --shell json" "$@" --project "$PROJ" \
	    env --shell json
	succeeds header "$ec_desc: header" "$@" header
	if [ -z "${NO_EXEC-}" ]; then
		succeeds execenv "$ec_desc: exec -- env" "$@" --project "$PROJ" \
		    exec -- env
		grep -q '^OPENAI_API_KEY=' "$T/out"
		ok $? "$ec_desc: exec's child has OPENAI_API_KEY"
	fi
	succeeds raw "$ec_desc: status" "$@" --project "$PROJ" status
	succeeds raw "$ec_desc: status --json" "$@" --project "$PROJ" \
	    status --json
	VT_STDIN=$FX/git-get
	succeeds gitcred "$ec_desc: git-credential get" "$@" git-credential get
	VT_STDIN=
	grep -q '^password=' "$T/out"
	ok $? "$ec_desc: git-credential get answers with a password"
}

# -- every source, every command ----------------------------------------------------------

every_command "service_account" --credentials "$FX/sa.json"
every_command "authorized_user" --credentials "$FX/user.json"
every_command "--impersonate-service-account" --credentials "$FX/sa.json" \
    --impersonate-service-account "$TGT"
every_command "impersonated_service_account" --credentials "$FX/imp.json"
every_command "external_account, file" --credentials "$FX/ext-file.json"
every_command "external_account, url (json)" --credentials "$FX/ext-url.json"
every_command "external_account, url (text)" \
    --credentials "$FX/ext-urltext.json"
every_command "external_account, executable, impersonated" \
    --credentials "$FX/ext-exe.json"
every_command "API key, --api-key-file" --api-key-file "$FX/key.txt"
# Not exec: its child would inherit GOOGLE_API_KEY from us, as it should.
GOOGLE_API_KEY=$KEY_ENV
export GOOGLE_API_KEY
NO_EXEC=1
every_command "API key, GOOGLE_API_KEY"
unset GOOGLE_API_KEY NO_EXEC

# The metadata server: the mock, and no other credential to be found.
unset NO_GCE_CHECK
GCE_METADATA_HOST=127.0.0.1:$MOCK_PORT
GCE_METADATA_IP=127.0.0.1:$MOCK_PORT
every_command "metadata server"
mock_metadata "{\"email\": \"$MDSA\", \"project_id\": \"vt-md-proj\", \"fault\": \"no_flavor\"}"
fails "metadata server: a reply without Metadata-Flavor" token
mock_metadata "{\"email\": \"$MDSA\", \"fault\": \"no_sa\"}"
fails "metadata server: no service account" token
runs "metadata server: no service account" status
mock_metadata "{\"email\": \"$MDSA\", \"status\": 403}"
fails "metadata server: 403" token
mock_metadata "{\"email\": \"$MDSA\", \"project_id\": \"vt-md-proj\"}"
GCE_METADATA_HOST=127.0.0.1:9
GCE_METADATA_IP=127.0.0.1:9
NO_GCE_CHECK=true
export NO_GCE_CHECK

# STS with a client: external_account with client_secret, and
# external_account_authorized_user.
mock_set sts "{$STS_BASE, \"client\": {\"id\": \"$STS_CID\", \"secret\": \"$STS_SECRET\"}, \"refresh_tokens\": [\"$EAU_REFRESH\"]}"
every_command "external_account, client secret" \
    --credentials "$FX/ext-client.json"
every_command "external_account_authorized_user" --credentials "$FX/eau.json"
fails "external_account, a wrong client secret" \
    --credentials "$FX/ext-client-wrong.json" token
fails "external_account_authorized_user, a wrong refresh token" \
    --credentials "$FX/eau-wrong.json" token
vt --credentials "$FX/eau-wrong.json" token
check raw "external_account_authorized_user, a wrong refresh token, without -v"
mock_set sts "{$STS_BASE}"

# -- the token endpoint's hostile and malformed replies ---------------------------------

for kind in invalid_grant invalid_rapt malformed truncated not_object \
    no_token bad_token_type metachar oversized html; do
	mock_fault "{\"reply\":\"$kind\"}"
	creds="sa user"
	[ "$kind" = html ] && creds=sa		# retried: keep it to one
	for cred in $creds; do
		fails "$cred: reply $kind" --credentials "$FX/$cred.json" \
		    --project "$PROJ" env
	done
done
# The injection attempt, through every command that prints a token.
mock_fault '{"reply":"metachar"}'
for cmd in token header "token --json" "env --shell json"; do
	# shellcheck disable=SC2086 # a command and its option
	fails "sa: reply metachar: $cmd" --credentials "$FX/sa.json" $cmd
done
fails "sa: reply metachar: exec" --credentials "$FX/sa.json" \
    --project "$PROJ" exec -- env
VT_STDIN=$FX/git-get
fails "sa: reply metachar: git-credential get" --credentials "$FX/sa.json" \
    git-credential get
VT_STDIN=
fails "impersonated_service_account: reply metachar for the source token" \
    --credentials "$FX/imp.json" token
mock_fault '{"status":401,"body":{"error":"invalid_client","error_description":"Unauthorized"}}'
fails "user: HTTP 401" --credentials "$FX/user.json" token
mock_fault '{"reply":"invalid_grant"}'
vt --credentials "$FX/sa.json" token
vt_fails 4 "invalid_grant without -v: exit 4"
check raw "invalid_grant without -v"
mock_fault_clear

# Wrong secrets: a key the server does not know, a wrong client secret.
fails "an unknown key" --credentials "$FX/other.json" token
fails "a wrong client secret" --credentials "$FX/wrong.json" token
vt --credentials "$FX/wrong.json" token
check raw "a wrong client secret, without -v"

# -- STS, IAM, the subject sources ----------------------------------------------------

mock_set sts "{$STS_BASE, \"reply\": \"invalid_grant\"}"
fails "STS invalid_grant" --credentials "$FX/ext-file.json" token
vt --credentials "$FX/ext-file.json" token
check raw "STS invalid_grant, without -v"
mock_set sts "{$STS_BASE, \"faults\": {\"status\": 503}}"
fails "STS 503 after retries" --credentials "$FX/ext-file.json" token
mock_set sts "{$STS_BASE}"
fails "a subject token STS does not know" --credentials "$FX/ext-wrong.json" \
    token
fails "a subject JSON file without the named field" \
    --credentials "$FX/ext-nofield.json" token
fails "a subject file that is missing" --credentials "$FX/ext-missing.json" \
    token
fails "a subject URL refusing a request without its header" \
    --credentials "$FX/ext-urlnoh.json" token
fails "a subject URL answering text where JSON is expected" \
    --credentials "$FX/ext-urlmix.json" token
mock_set subject_url "{\"token\": \"$SUBJ_URL\", \"field\": \"vt_other_field\", \"headers\": {\"Metadata\": \"True\"}}"
fails "a subject URL reply without the named field" \
    --credentials "$FX/ext-url.json" token
mock_set subject_url "{\"token\": \"$SUBJ_URL\", \"status\": 500, \"headers\": {\"Metadata\": \"True\"}}"
fails "a subject URL answering 500" --credentials "$FX/ext-url.json" token
mock_set subject_url "{\"token\": \"$SUBJ_URL\", \"headers\": {\"Metadata\": \"True\"}}"
for e in garbage badtype exit3 no; do
	fails "a subject program: $e" --credentials "$FX/ext-exe-$e.json" token
done
runs "a subject program: garbage: status" \
    --credentials "$FX/ext-exe-garbage.json" status

fails "IAM 403" --credentials "$FX/sa.json" \
    --impersonate-service-account vt-nobody@vt-test.iam.gserviceaccount.com \
    token
fails "impersonated_service_account: IAM 403" \
    --credentials "$FX/imp-other.json" token
mock_set iam "{\"accounts\": {\"$TGT\": {}}, \"faults\": {\"status\": 404, \"code\": \"NOT_FOUND\"}}"
fails "IAM 404" --credentials "$FX/imp.json" token
mock_set iam "{\"accounts\": {\"$TGT\": {}}}"

# -- bad files ----------------------------------------------------------------------------

for f in badpk cut array oddtype; do
	fails "$f.json: token" --credentials "$FX/$f.json" token
	runs "$f.json: status" --credentials "$FX/$f.json" status
	runs "$f.json: status --json" --credentials "$FX/$f.json" status --json
done
fails "an API key file that holds no key" --api-key-file "$FX/badkey.txt" \
    token
runs "an API key file that holds no key: status" \
    --api-key-file "$FX/badkey.txt" status
GOOGLE_API_KEY='AIzaSyVtLeakBad!Key-dddddddddddddddddddd'
export GOOGLE_API_KEY
fails "GOOGLE_API_KEY that is no key" token
runs "GOOGLE_API_KEY that is no key: status --json" status --json
unset GOOGLE_API_KEY

# -- one cache: refresh, its files, cache list and clear, git's store and erase -----------

unset VT_FRESH_CACHE
XDG_CACHE_HOME=$T/cache/shared
mkdir -p "$XDG_CACHE_HOME"
mkdir -p "$XDG_CONFIG_HOME/vtoken"
cat >"$XDG_CONFIG_HOME/vtoken/config" <<EOF
[default]
project = $PROJ
credentials = $FX/sa.json

[user]
project = $PROJ
credentials = $FX/user.json

[ext]
project = $PROJ
credentials = $FX/eau.json
EOF
mock_set sts "{$STS_BASE, \"client\": {\"id\": \"$STS_CID\", \"secret\": \"$STS_SECRET\"}, \"refresh_tokens\": [\"$EAU_REFRESH\"]}"
succeeds raw "refresh --write-env --write-token" refresh \
    --write-env "$HOME/vt.env" --write-token "$HOME/vt.token"
[ -s "$HOME/vt.env" ] && [ -s "$HOME/vt.token" ]
ok $? "refresh wrote its files"
succeeds raw "refresh --write-env --shell sh" --profile user refresh \
    --write-env "$HOME/vt-sh.env" --shell sh
succeeds raw "refresh --all" refresh --all
succeeds token "a cache hit: token" token
succeeds raw "cache list" cache list
succeeds raw "cache list --json" cache list --json
set -- "$XDG_CACHE_HOME"/vtoken/*.json
[ $# -ge 3 ] && [ -f "$1" ]
ok $? "three entries in the file cache ($#)"

# A git that got a 401 with the token: store, then erase, with the
# password on stdin.
printf 'protocol=https\nhost=%s\nusername=oauth2accesstoken\npassword=%s\n\n' \
    "$GIT_HOST" "$(cat "$HOME/vt.token")" >"$FX/git-pw"
VT_STDIN=$FX/git-pw
succeeds raw "git-credential store" git-credential store
succeeds raw "git-credential erase" git-credential erase
VT_STDIN=

# A stale token served when the token endpoint fails (stale-if-error).
succeeds token "token, to be made stale" token
ckey=$(grep -l "\"service_account $SA\"" "$XDG_CACHE_HOME"/vtoken/*.json |
    head -n 1)
now=$(date +%s)
printf '{"version": 1, "key": "%s", "desc": "service_account %s", "scopes": "https://www.googleapis.com/auth/cloud-platform", "issued_at": %s, "expires_at": %s, "access_token": "%s"}\n' \
    "$(basename "$ckey" .json)" "$SA" $((now - 3360)) $((now + 240)) \
    "$STALE" >"$ckey.new" && chmod 600 "$ckey.new" && mv -f "$ckey.new" "$ckey"
mock_fault '{"status":503}'
succeeds token "a stale token on a 503" token --timeout 2
is "$VT_OUT" "$STALE" "the stale token is served"
mock_fault_clear

succeeds raw "cache clear" cache clear
succeeds raw "cache clear --all" cache clear --all
succeeds token "token after clearing" token
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# No XDG_CACHE_HOME, no XDG_RUNTIME_DIR: ~/.cache/vtoken, locks there.
unset XDG_CACHE_HOME XDG_RUNTIME_DIR
succeeds token "\$HOME/.cache: token" --credentials "$FX/user.json" token
succeeds raw "\$HOME/.cache: refresh" --credentials "$FX/user.json" refresh
succeeds raw "\$HOME/.cache: cache list" cache list
[ -n "$(ls "$HOME/.cache/vtoken/"*.json 2>/dev/null)" ]
ok $? "\$HOME/.cache/vtoken holds an entry"
XDG_CACHE_HOME=$T/cache/home-less
XDG_RUNTIME_DIR=$VT_RUN
export XDG_CACHE_HOME XDG_RUNTIME_DIR
mock_set sts "{$STS_BASE}"

# -- the keyring ---------------------------------------------------------------------

KR_BUS_PID=
KR_PID=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$KR_PID" ] && kill "$KR_PID" 2>/dev/null
	[ -n "$KR_BUS_PID" ] && kill "$KR_BUS_PID" 2>/dev/null
	mock_stop
}
trap cleanup EXIT

# kr_dump: the label and attributes of every item of every collection of
# the Secret Service, as dbus-send prints them (an item's secret is not a
# property: it is not there).
kd_get() {	# kd_get PATH INTERFACE PROPERTY: the object paths in it
	dbus-send --session --print-reply --dest=org.freedesktop.secrets \
	    "$1" org.freedesktop.DBus.Properties.Get "string:$2" \
	    "string:$3" | sed -n 's/.*object path "\(.*\)"/\1/p'
}
kr_dump() {
	for kd_c in $(kd_get /org/freedesktop/secrets \
	    org.freedesktop.Secret.Service Collections); do
		echo "collection $kd_c"
		dbus-send --session --print-reply --dest=org.freedesktop.secrets \
		    "$kd_c" org.freedesktop.DBus.Properties.Get \
		    string:org.freedesktop.Secret.Collection string:Label
		for kd_i in $(kd_get "$kd_c" org.freedesktop.Secret.Collection \
		    Items); do
			echo "item $kd_i"
			dbus-send --session --print-reply \
			    --dest=org.freedesktop.secrets "$kd_i" \
			    org.freedesktop.DBus.Properties.GetAll \
			    string:org.freedesktop.Secret.Item
		done
	done
}

kr_skip=$(keyring_missing dbus-daemon dbus-send gnome-keyring-daemon \
    secret-tool)
if [ -n "$kr_skip" ]; then
	skip "keyring: $kr_skip"
else
	# The bus in the runtime directory, where its path is short enough;
	# the test's own files, which hold tokens, out of the search.
	KR=$T/kr
	mkdir -p "$KR"
	dbus-daemon --session --address="unix:path=$XDG_RUNTIME_DIR/kr-bus" --fork \
	    --print-pid >"$KR/bus.pid" 2>"$KR/bus.err" ||
	    bail_out "dbus-daemon --session failed"
	KR_BUS_PID=$(cat "$KR/bus.pid")
	DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/kr-bus
	export DBUS_SESSION_BUS_ADDRESS
	echo vt-leak-keyring-password | gnome-keyring-daemon --unlock \
	    --components=secrets >/dev/null 2>"$KR/gkd.err" ||
	    bail_out "gnome-keyring-daemon --unlock failed"
	i=0
	until KR_PID=$(dbus-send --session --print-reply \
	    --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	    org.freedesktop.DBus.GetConnectionUnixProcessID \
	    string:org.freedesktop.secrets 2>/dev/null |
	    sed -n 's/.*uint32 \([0-9]*\).*/\1/p') && [ -n "$KR_PID" ]; do
		i=$((i + 1))
		# 5 s (x VT_TIME_SCALE)
		[ $i -gt "$(scaled_ms 100)" ] &&
		    bail_out "org.freedesktop.secrets did not appear on the bus"
		sleep 0.05
	done
	keyring_wait_default ||
	    bail_out "gnome-keyring made no default collection"
	VT_FRESH_CACHE=1

	# Tokens: into the keyring (cache auto, a Secret Service answers).
	succeeds token "keyring: service_account: token" \
	    --credentials "$FX/sa.json" token
	succeeds token "keyring: authorized_user: token" \
	    --credentials "$FX/user.json" token
	succeeds header "keyring: external_account: header" \
	    --credentials "$FX/ext-file.json" header
	KR_DIR=$XDG_CACHE_HOME
	unset VT_FRESH_CACHE	# from here on, one cache
	succeeds token "keyring: impersonated: token" \
	    --credentials "$FX/imp.json" token
	succeeds token "keyring: a hit" --credentials "$FX/imp.json" token
	succeeds raw "keyring: status" --credentials "$FX/imp.json" status
	succeeds raw "keyring: cache list" cache list
	succeeds raw "keyring: cache list --json" cache list --json
	like "$VT_OUT" '"backend": ?"keyring"' "keyring: cache list shows keyring entries"
	[ -z "$(ls "$KR_DIR"/vtoken/*.json 2>/dev/null)" ]
	ok $? "keyring: no file cache entry"

	# The API key: key set (stdin), status, and the commands using it.
	VT_STDIN=$FX/stored-key.txt
	succeeds raw "keyring: key set" key set
	VT_STDIN=$FX/bad-stdin-key.txt
	fails "keyring: key set, a key that is not one" key set
	VT_STDIN=
	succeeds raw "keyring: key status" key status
	every_command "API key, key set"

	# What the keyring holds: the secrets are there...
	is "$(secret-tool search --all xdg:schema io.vtoken.ApiKey 2>&1 |
	    sed -n 's/^secret = //p')" "$KEY_STORED" \
	    "keyring: the stored key is an item's secret"
	secret-tool search --all xdg:schema io.vtoken.AccessToken \
	    >"$KR/tokens" 2>&1
	[ "$(grep -c '^secret = ya29\.mock-' "$KR/tokens")" -ge 3 ]
	ok $? "keyring: tokens are items' secrets"
	# ...and in no label or attribute.
	kr_dump >"$KR/dump" 2>&1
	keep raw "$KR/dump" "keyring: labels and attributes (dbus-send)"
	grep -q 'vtoken access token' "$KR/dump" &&
	    grep -q 'vtoken API key' "$KR/dump" &&
	    grep -q 'vtoken-key' "$KR/dump"
	ok $? "keyring: the dump shows vtoken's items, labels and attributes" ||
	    diag "$(head -c 2000 "$KR/dump")"
	{
		grep -v '^secret = ' "$KR/tokens"
		secret-tool search --all xdg:schema io.vtoken.ApiKey 2>&1 |
		    grep -v '^secret = '
	} >"$KR/attrs"
	keep raw "$KR/attrs" "keyring: labels and attributes (secret-tool)"

	succeeds raw "keyring: key delete" key delete
	succeeds raw "keyring: cache clear" cache clear --all
	kr_dump >"$KR/dump2" 2>&1
	keep raw "$KR/dump2" "keyring: labels and attributes after clearing"
	kill "$KR_PID" 2>/dev/null
	kill "$KR_BUS_PID" 2>/dev/null
	KR_PID=
	KR_BUS_PID=
	unset DBUS_SESSION_BUS_ADDRESS
fi

# -- collect the secrets the mock issued and saw -----------------------------------------

"$PYTHON3" - "$MOCK_LOG" "$T/secrets" "$T/allowed" >"$T/issued" <<'EOF'
import json, sys
log, secrets, allowed = sys.argv[1:4]
issued, assertions = {}, set()
with open(secrets, "a") as s, open(allowed, "a") as a:
    for line in open(log):
        rec = json.loads(line)
        form = rec.get("form") or {}
        v = form.get("assertion")
        if isinstance(v, str) and v.count(".") == 2:
            s.write(v + "\n")
            s.write(v.rsplit(".", 1)[1] + "\n")   # the signature alone
            assertions.add(v)
        for f in ("subject_token", "refresh_token", "client_secret"):
            if isinstance(form.get(f), str) and len(form[f]) >= 8:
                s.write(form[f] + "\n")
        auth = (rec.get("headers") or {}).get("authorization")
        if isinstance(auth, str) and " " in auth:
            s.write(auth.split(" ", 1)[1] + "\n")
        if rec.get("issued"):
            s.write(rec["issued"] + "\n")
            a.write(rec["issued"] + "\n")
            issued[rec["path"]] = issued.get(rec["path"], 0) + 1
for path, n in issued.items():
    print(path, n)
# (Assertions minted in the same second are the same: RS256 is
# deterministic.)
print("assertions", len(assertions))
EOF
sort -u -o "$T/secrets" "$T/secrets"
for p in /token /v1/token /v1/oauthtoken "$IAMP" \
    /computeMetadata/v1/instance/service-accounts/default/token; do
	n=$(awk -v p="$p" '$1 == p { print $2 }' "$T/issued")
	[ "${n:-0}" -ge 1 ]
	ok $? "(the tokens issued by $p are looked for: ${n:-0})"
done
n=$(sed -n 's/^assertions //p' "$T/issued")
[ "${n:-0}" -ge 3 ]
ok $? "(and the assertions vtoken sent: ${n:-0} different ones)"

# -- the files vtoken wrote, then the search ---------------------------------------------

# Every file (and every file's name) under HOME, the XDG directories
# (every per-run cache) and ~/.cache, the subject program's lock file and
# environments; the kind says which slot a file may hold.
"$PYTHON3" - "$T" "$HOME" "$XDG_CONFIG_HOME" "$T/cache" "$T/run" <<'EOF'
import os, shutil, sys
t, home, roots = sys.argv[1], sys.argv[2], sys.argv[2:]
index = open(os.path.join(t, "runs", "index"), "a")
n = sum(1 for _ in open(os.path.join(t, "runs", "index")))
names = []
def add(path, kind):
    global n
    n += 1
    shutil.copyfile(path, os.path.join(t, "runs", "f%d" % n))
    index.write("f%d %s file %s\n" % (n, kind, path))
def kind(path):
    d, b = os.path.split(path)
    if os.path.basename(d) == "vtoken" and b.endswith(".json") and \
            (d.startswith(os.path.join(t, "cache") + os.sep)
             or d == os.path.join(home, ".cache", "vtoken")):
        return "cachefile"
    return {os.path.join(home, "vt.token"): "token",
            os.path.join(home, "vt.env"): "dotenv",
            os.path.join(home, "vt-sh.env"): "env"}.get(path, "raw")
for root in roots:
    for d, dirs, files in os.walk(root):
        for f in dirs + files:
            names.append(os.path.join(d, f))
        for f in files:
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p):
                add(p, kind(p))
for extra in [os.path.join(t, "fx", "exe-out.json.lock")] + \
        [os.path.join(t, "exeenv", f)
         for f in sorted(os.listdir(os.path.join(t, "exeenv")))]:
    if os.path.isfile(extra):
        add(extra, "raw")
with open(os.path.join(t, "runs", "names"), "w") as f:
    f.write("\n".join(names) + "\n")
index.write("names raw the names of the files\n")
EOF
set -- "$T/exeenv"/*
[ -f "$1" ]
ok $? "(the subject programs' environments are searched)"

# Remove each slot that holds an allowed value (a token the mock issued,
# an API key of the fixtures), from each kept file into $T/scan.
"$PYTHON3" - "$T" <<'EOF'
import json, os, sys
t = sys.argv[1]
allowed = set(open(os.path.join(t, "allowed")).read().split())
apikeys = set(open(os.path.join(t, "apikeys")).read().split())
LINE = {"token": "", "env": "export OPENAI_API_KEY=", "dotenv":
        "OPENAI_API_KEY=", "execenv": "OPENAI_API_KEY=", "header":
        "Authorization: Bearer ", "gitcred": "password="}
JSON = {"tokenjson": "access_token", "envjson": "OPENAI_API_KEY",
        "cachefile": "access_token"}
removed = {}
for line in open(os.path.join(t, "runs", "index")):
    name, kind = line.split()[:2]
    text = open(os.path.join(t, "runs", name), "rb").read() \
        .decode("utf-8", "surrogateescape")
    if kind in LINE:
        keep = []
        for l in text.split("\n"):
            v = l[len(LINE[kind]):].strip("'\"") \
                if l.startswith(LINE[kind]) else None
            if v in allowed or v in apikeys:
                removed[kind] = removed.get(kind, 0) + 1
            else:
                keep.append(l)
        text = "\n".join(keep)
    elif kind in JSON:
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        ok = allowed if kind == "cachefile" else allowed | apikeys
        if isinstance(obj, dict) and obj.get(JSON[kind]) in ok:
            del obj[JSON[kind]]
            removed[kind] = removed.get(kind, 0) + 1
            text = json.dumps(obj)
    open(os.path.join(t, "scan", name), "wb").write(
        text.encode("utf-8", "surrogateescape"))
with open(os.path.join(t, "scan", "removed"), "w") as f:
    for k in sorted(removed):
        f.write("%s %d\n" % (k, removed[k]))
EOF
# The slots were there: the search would not pass for want of output.
for k in token tokenjson env envjson header execenv gitcred cachefile \
    dotenv; do
	n=$(sed -n "s/^$k //p" "$T/scan/removed")
	[ "${n:-0}" -ge 1 ]
	ok $? "(slots of kind $k were found and removed: ${n:-0})"
done

while read -r name kind desc; do
	if grep -a -F -f "$T/secrets" "$T/scan/$name" >"$T/leaked"; then
		fail "no secret in $desc"
		diag "in $T/scan/$name ($kind):" "$(cut -c1-160 "$T/leaked")"
	else
		pass "no secret in $desc"
	fi
done <"$T/runs/index"

done_testing
