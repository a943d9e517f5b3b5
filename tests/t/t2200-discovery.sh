#!/bin/sh
# t2200-discovery: where vtoken finds its credential (--credentials, then
# GOOGLE_APPLICATION_CREDENTIALS, then gcloud's well-known file, in
# $CLOUDSDK_CONFIG or ~/.config/gcloud) and its project (the command line
# and environment, the credential file's project_id, gcloud's active
# configuration), what it refuses, and how status reports it all.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-sa@vt-test.iam.gserviceaccount.com
GCLOUD=$HOME/.config/gcloud
ADC=$GCLOUD/application_default_credentials.json

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-sa-project
make_sa_file "$T/sa-noproj.json" "$SA" "$KEY" "$MOCK_URL/token"
# Three users, one per source, so the mock shows which one was used.
for who in cli gac adc sdk; do
	mock_add_user "vt-$who.apps.googleusercontent.com" "vt-secret-$who" \
	    "1//0vt-refresh-$who"
	make_user_file "$T/user-$who.json" "vt-$who.apps.googleusercontent.com" \
	    "vt-secret-$who" "1//0vt-refresh-$who" "$MOCK_URL/token"
done
mkdir -p "$GCLOUD" "$T/sdk"
cp "$T/user-adc.json" "$ADC"
cp "$T/user-sdk.json" "$T/sdk/application_default_credentials.json"

# field NAME: a field of the last run's stdout, as JSON.
field() {
	json_get "$T/out" "$1" 2>/dev/null
}

# trace WHAT STEP: "result detail" of the first trace entry of the last
# status --json whose kind is WHAT and whose step starts with STEP.
trace() {
	"$PYTHON3" - "$T/out" "$1" "$2" <<-'EOF'
	import json, sys
	try:
	    d = json.load(open(sys.argv[1]))
	except ValueError:
	    sys.exit(1)
	for t in d.get("trace") or []:
	    if t.get("what") == sys.argv[2] and t.get("step", "").startswith(sys.argv[3]):
	        print(t.get("result"), t.get("detail") or "")
	        sys.exit(0)
	print("(no such step)")
	EOF
}

# used WHO DESC: the last run minted a token with the user WHO.
used() {
	if [ "$VT_STATUS" -eq 0 ]; then
		is "$(mock_get /token form.client_id)" \
		    "vt-$1.apps.googleusercontent.com" "$2"
	else
		fail "$2"
		vt_report
	fi
}

# -- the order of the sources ---------------------------------------------------------

GOOGLE_APPLICATION_CREDENTIALS=$T/user-gac.json
export GOOGLE_APPLICATION_CREDENTIALS

vt --credentials "$T/user-cli.json" token
used cli "--credentials beats GOOGLE_APPLICATION_CREDENTIALS and the ADC file"
vt token
used gac "GOOGLE_APPLICATION_CREDENTIALS beats the ADC file"
unset GOOGLE_APPLICATION_CREDENTIALS
vt token
used adc "the ADC file in ~/.config/gcloud"

GOOGLE_APPLICATION_CREDENTIALS=
export GOOGLE_APPLICATION_CREDENTIALS
vt token
used adc "an empty GOOGLE_APPLICATION_CREDENTIALS is ignored"
unset GOOGLE_APPLICATION_CREDENTIALS

CLOUDSDK_CONFIG=$T/sdk
export CLOUDSDK_CONFIG
vt token
used sdk "CLOUDSDK_CONFIG: its ADC file, not ~/.config/gcloud's"
vt status --json
is "$(field credentials.file)" "$T/sdk/application_default_credentials.json" \
    "status names the file in CLOUDSDK_CONFIG"
CLOUDSDK_CONFIG=
vt token
used adc "an empty CLOUDSDK_CONFIG is ignored"
CLOUDSDK_CONFIG=$T/empty-sdk
mkdir -p "$CLOUDSDK_CONFIG"
vt token
vt_fails 3 "CLOUDSDK_CONFIG without an ADC file: exit 3 (no fall-back to ~/.config/gcloud)"
unset CLOUDSDK_CONFIG

# -- status: the trace ------------------------------------------------------------------

GOOGLE_APPLICATION_CREDENTIALS=$T/user-gac.json
export GOOGLE_APPLICATION_CREDENTIALS
vt --credentials "$T/user-cli.json" --project vt-cli-project status --json
vt_ok "status --json"
is "$(field credentials.from)" --credentials "credentials from --credentials"
is "$(trace credentials --credentials)" "chosen $T/user-cli.json (authorized_user, user credentials of OAuth client vt-cli.apps.googleusercontent.com)" \
    "the --credentials step: chosen, with the file"
like "$(trace credentials GOOGLE_APPLICATION_CREDENTIALS)" '^skipped' \
    "the GOOGLE_APPLICATION_CREDENTIALS step: skipped"
like "$(trace credentials gcloud)" '^skipped' "the ADC file step: skipped"
is "$(trace project --project)" "chosen vt-cli-project" \
    "the --project step: chosen"
is "$(field project.from)" --project "the project's origin"
unlike "$(cat "$T/out")" 'vt-secret|1//0vt-refresh' "no secret in status"

vt status --json
is "$(trace credentials --credentials)" "absent " "no --credentials: absent"
like "$(trace credentials GOOGLE_APPLICATION_CREDENTIALS)" "^chosen $T/user-gac.json" \
    "GOOGLE_APPLICATION_CREDENTIALS: chosen"
like "$(trace credentials gcloud)" '^skipped' "the ADC file: skipped"

vt status
vt_ok "status (text)"
like "$VT_OUT" '^credentials: +authorized_user' "the text names the type"
like "$VT_OUT" '^ +found by: +GOOGLE_APPLICATION_CREDENTIALS' \
    "and where it was found"
like "$VT_OUT" "^ +credentials +GOOGLE_APPLICATION_CREDENTIALS +chosen +$T/user-gac.json" \
    "the trace line of the chosen step"
like "$VT_OUT" '^ +credentials +gcloud ADC file +skipped' \
    "the trace line of the later step"
like "$VT_OUT" '^ +credentials +--credentials +absent' \
    "the trace line of the earlier step"
unset GOOGLE_APPLICATION_CREDENTIALS

# -- a named file that does not exist: no fall-through --------------------------------

mock_log_clear
GOOGLE_APPLICATION_CREDENTIALS=$T/missing.json
export GOOGLE_APPLICATION_CREDENTIALS
vt token
vt_fails 3 "GOOGLE_APPLICATION_CREDENTIALS names a missing file: exit 3"
like "$VT_ERR" "$T/missing.json" "the message names the file"
like "$VT_ERR" "GOOGLE_APPLICATION_CREDENTIALS" "and the variable"
vt status
is "$VT_STATUS" 3 "status: exit 3 too"
like "$VT_OUT" "^ +credentials +GOOGLE_APPLICATION_CREDENTIALS +failed" \
    "status: that step failed"
unlike "$VT_OUT" '^ +credentials +gcloud ADC file +chosen' \
    "status: the ADC file was not chosen"
# TODO(vtoken): the later step says "skipped  an earlier step was chosen",
# but no step was chosen: the earlier one failed.
unlike "$VT_OUT" '^ +credentials +gcloud ADC file +skipped +an earlier step was chosen' \
    "status: the later step does not claim an earlier one was chosen"
unset GOOGLE_APPLICATION_CREDENTIALS

vt --credentials "$T/missing.json" token
vt_fails 3 "--credentials names a missing file: exit 3"
like "$VT_ERR" "$T/missing.json" "the message names the file"
is "$(mock_count /token)" 0 "no token request was made"

# -- no credentials anywhere ----------------------------------------------------------

rm -f "$ADC"
vt token
vt_fails 3 "no credentials anywhere: exit 3"
like "$VT_ERR" 'GOOGLE_APPLICATION_CREDENTIALS|--credentials|gcloud auth application-default login' \
    "the message says how to provide some"
vt --project vt-cli-project status
is "$VT_STATUS" 3 "status with no credentials: exit 3"
like "$VT_OUT" '^credentials: +none' "and it says none was found"
like "$VT_OUT" '^ +credentials +gcloud ADC file +absent' \
    "every step is absent"

vt status --json
is "$VT_STATUS" 3 "status --json with no credentials: exit 3"
like "$(field error)" 'credentials' "its error field says why"
is "$(field credentials)" null "and credentials is null"

# -- what a credential file says is shown safely ---------------------------------------

# A planted file's client_id with a newline, a fake trace line and a
# terminal escape: status must not let it forge lines or reach the terminal.
"$PYTHON3" -c 'import json, sys
json.dump({"type": "authorized_user", "client_id": "vt-cid\n  credentials  forged line\u001b[31m",
           "client_secret": "s", "refresh_token": "r", "token_uri": sys.argv[2]},
          open(sys.argv[1], "w"))' "$T/forged.json" "$MOCK_URL/token"
vt --credentials "$T/forged.json" status
vt_ok "status of a file whose client_id has control characters"
# TODO(vtoken): status (text) prints the client_id raw: the newline starts
# a line "  credentials  forged line" and ESC reaches the terminal; stderr
# escapes them (\x0a, \x1b), stdout should too.
unlike "$VT_OUT" '^ +credentials +forged line' "no forged line in status"
ESC=$(printf '\033')
unlike "$VT_OUT" "$ESC" "no terminal escape in status"
vt --credentials "$T/forged.json" status --json
vt_ok "status --json of the same file"
like "$(field credentials.identity)" 'forged line' \
    "status --json keeps the value (escaped by JSON)"

# -- files vtoken refuses: exit 4 -------------------------------------------------------

for type in external_account impersonated_service_account \
    external_account_authorized_user; do
	printf '{"type": "%s", "audience": "x"}\n' "$type" >"$T/$type.json"
	vt --credentials "$T/$type.json" token
	vt_fails 4 "type $type: exit 4"
	like "$VT_ERR" "$type" "the message names the type"
done

printf '{"type": "magic_carpet"}\n' >"$T/unknown.json"
vt --credentials "$T/unknown.json" token
vt_fails 4 "an unknown type: exit 4"
like "$VT_ERR" magic_carpet "the message names it"

printf '{"client_email": "x@y"}\n' >"$T/notype.json"
vt --credentials "$T/notype.json" token
vt_fails 4 "no type at all: exit 4"

printf '{"type": "service_account",\n' >"$T/broken.json"
vt --credentials "$T/broken.json" token
vt_fails 4 "malformed JSON: exit 4"
like "$VT_ERR" "$T/broken.json" "the message names the file"

printf '' >"$T/emptyfile.json"
vt --credentials "$T/emptyfile.json" token
vt_fails 4 "an empty file: exit 4"

printf '["service_account"]\n' >"$T/array.json"
vt --credentials "$T/array.json" token
vt_fails 4 "a JSON array: exit 4"

cp "$T/broken.json" "$ADC"
vt token
vt_fails 4 "a malformed ADC file: exit 4"
rm -f "$ADC"

# drop FIELD OUT: the service-account file without FIELD.
drop() {
	"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
del d[sys.argv[2]]
json.dump(d, open(sys.argv[3], "w"))' "$T/sa.json" "$1" "$2"
}

for f in private_key client_email; do
	drop "$f" "$T/no-$f.json"
	vt --credentials "$T/no-$f.json" token
	vt_fails 4 "a service account file without $f: exit 4"
	like "$VT_ERR" "$f" "the message names the field"
done

"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
# A placeholder, not a key; the marker is split for key scanners.
d["private_key"] = "-----BEGIN " "PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
json.dump(d, open(sys.argv[2], "w"))' "$T/sa.json" "$T/badkey.json"
vt --credentials "$T/badkey.json" token
vt_fails 4 "a private_key that is not a key: exit 4"

"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
del d["client_secret"]
json.dump(d, open(sys.argv[2], "w"))' "$T/user-cli.json" "$T/no-secret.json"
vt --credentials "$T/no-secret.json" token
vt_fails 4 "an authorized_user file without client_secret: exit 4"
like "$VT_ERR" client_secret "the message names the field"

# A token_uri that is not allowed: refused before any connection.  A proxy
# pointing at the mock would show an attempt (and keeps it off the net).
mock_log_clear
http_proxy=$MOCK_URL
HTTPS_PROXY=$MOCK_URL
ALL_PROXY=$MOCK_URL
export http_proxy HTTPS_PROXY ALL_PROXY
make_sa_file "$T/remote.json" "$SA" "$KEY" http://example.com/token
vt --credentials "$T/remote.json" token
vt_fails 4 "token_uri http://example.com/token: exit 4"
make_sa_file "$T/ftp.json" "$SA" "$KEY" ftp://127.0.0.1/token
vt --credentials "$T/ftp.json" token
vt_fails 4 "token_uri ftp://...: exit 4"
unset http_proxy HTTPS_PROXY ALL_PROXY
is "$(wc -l <"$MOCK_LOG" | tr -d ' ')" 0 "and no request reached anything"

# -- project discovery ------------------------------------------------------------------

vt --credentials "$T/sa.json" status --json
is "$(field project.value)" vt-sa-project \
    "nothing else set: the service account file's project_id"
like "$(field project.from)" '^credential file' "from the credential file"
like "$(trace project 'credential file')" '^chosen vt-sa-project' \
    "the trace says so"

vt --credentials "$T/sa.json" env
vt_ok "env with the file's project"
like "$VT_OUT" "^export OPENAI_BASE_URL='https://us-central1-aiplatform.googleapis.com/v1/projects/vt-sa-project/" \
    "the base URL has the file's project"

GOOGLE_CLOUD_PROJECT=vt-env-project
export GOOGLE_CLOUD_PROJECT
vt --credentials "$T/sa.json" status --json
is "$(field project.value) / $(field project.from)" \
    "vt-env-project / GOOGLE_CLOUD_PROJECT" \
    "GOOGLE_CLOUD_PROJECT beats the file's project_id"
unset GOOGLE_CLOUD_PROJECT

# gcloud's configurations, in CLOUDSDK_CONFIG.
CLOUDSDK_CONFIG=$T/sdk
export CLOUDSDK_CONFIG
mkdir -p "$T/sdk/configurations"
echo work >"$T/sdk/active_config"
printf '[core]\nproject = gcloud-proj\naccount = someone@example.com\n' \
    >"$T/sdk/configurations/config_work"
printf '[core]\nproject = gcloud-other-proj\n' \
    >"$T/sdk/configurations/config_other"
printf '[core]\nproject = gcloud-default-proj\n' \
    >"$T/sdk/configurations/config_default"

vt --credentials "$T/sa-noproj.json" status --json
is "$(field project.value)" gcloud-proj \
    "no project in the file: gcloud's active configuration (active_config)"
like "$(field project.from)" "gcloud configuration" "from the gcloud configuration"
like "$(trace project 'credential file')" '^absent' \
    "the trace: the credential file had none"
like "$(trace project 'gcloud configuration')" '^chosen gcloud-proj' \
    "the trace: gcloud's configuration chosen"

vt --credentials "$T/sa.json" status --json
is "$(field project.value)" vt-sa-project \
    "the file's project_id beats gcloud's configuration"

CLOUDSDK_ACTIVE_CONFIG_NAME=other
export CLOUDSDK_ACTIVE_CONFIG_NAME
vt --credentials "$T/sa-noproj.json" status --json
is "$(field project.value)" gcloud-other-proj \
    "CLOUDSDK_ACTIVE_CONFIG_NAME overrides active_config"
unset CLOUDSDK_ACTIVE_CONFIG_NAME

rm "$T/sdk/active_config"
vt --credentials "$T/sa-noproj.json" status --json
is "$(field project.value)" gcloud-default-proj \
    "without active_config: the configuration named default"

echo work >"$T/sdk/active_config"
vt --credentials "$T/sa-noproj.json" env
vt_ok "env with gcloud's project"
like "$VT_OUT" "/projects/gcloud-proj/locations/" "the base URL has it"
unset CLOUDSDK_CONFIG

mkdir -p "$GCLOUD/configurations"
echo work >"$GCLOUD/active_config"
printf '[core]\nproject = gcloud-home-proj\n' >"$GCLOUD/configurations/config_work"
vt --credentials "$T/sa-noproj.json" status --json
is "$(field project.value)" gcloud-home-proj \
    "without CLOUDSDK_CONFIG: the configuration in ~/.config/gcloud"
rm -r "$GCLOUD/configurations" "$GCLOUD/active_config"

# A discovered project that is not a project ID is not used.
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["project_id"] = "Bad_ID"
json.dump(d, open(sys.argv[2], "w"))' "$T/sa.json" "$T/sa-badproj.json"
vt --credentials "$T/sa-badproj.json" status --json
vt_ok "a project_id that is not a project ID: status exits 0"
like "$(trace project 'credential file')" "^failed .*Bad_ID" \
    "the trace: the credential file's project failed"
is "$(field project)" null "no project"
mock_log_clear
vt --credentials "$T/sa-badproj.json" env
vt_fails 3 "env: exit 3 (no project)"
is "$(mock_count /token)" 0 "and no request"

CLOUDSDK_CONFIG=$T/sdk
export CLOUDSDK_CONFIG
printf '[core]\nproject = Bad_ID\n' >"$T/sdk/configurations/config_work"
vt --credentials "$T/sa-noproj.json" status --json
like "$(trace project 'gcloud configuration')" "^failed .*Bad_ID" \
    "a gcloud project that is not a project ID: that step failed"
is "$(field project)" null "no project"
vt --credentials "$T/sa-noproj.json" env --shell json
vt_fails 3 "env: exit 3"
# A configuration name with a path in it: configurations/config_../../x
# would be configurations/x here.
mkdir -p "$T/sdk/configurations/config_.."
printf '[core]\nproject = vt-traversal-proj\n' >"$T/sdk/configurations/x"
echo ../../x >"$T/sdk/active_config"
vt --credentials "$T/sa-noproj.json" status --json
vt_ok "active_config naming ../../x: status still works"
is "$(field project)" null "and config_../../x is not read"
CLOUDSDK_ACTIVE_CONFIG_NAME=../../x
export CLOUDSDK_ACTIVE_CONFIG_NAME
vt --credentials "$T/sa-noproj.json" status --json
unset CLOUDSDK_ACTIVE_CONFIG_NAME
is "$(field project)" null "nor through CLOUDSDK_ACTIVE_CONFIG_NAME"
unset CLOUDSDK_CONFIG

# quota_project_id is a billing header, not the project.
make_user_file "$T/user-quota.json" vt-cli.apps.googleusercontent.com \
    vt-secret-cli 1//0vt-refresh-cli "$MOCK_URL/token" vt-quota-project
vt --credentials "$T/user-quota.json" status --json
vt_ok "an authorized_user file with quota_project_id"
[ "$(field project.value)" != vt-quota-project ]
ok $? "quota_project_id is not taken as the project"
is "$(field credentials.quota_project)" vt-quota-project \
    "status shows it as the quota project"
vt --credentials "$T/user-quota.json" status
like "$VT_OUT" '^project: +none' "status (text): no project"

# -- no project -------------------------------------------------------------------------

mock_log_clear
vt --credentials "$T/user-cli.json" env
vt_fails 3 "env without any project: exit 3"
like "$VT_ERR" -- '--project' "the message mentions --project"
like "$VT_ERR" 'GOOGLE_CLOUD_PROJECT' "and GOOGLE_CLOUD_PROJECT"
is "$(mock_count /token)" 0 "and no token was requested"

vt --credentials "$T/user-cli.json" token
vt_ok "token needs no project"

vt --credentials "$T/user-cli.json" header
vt_ok "header needs no project"

mock_log_clear
vt --credentials "$T/user-cli.json" status
vt_ok "status with a credential but no project: exit 0"
like "$VT_OUT" '^project: +none' "and it says there is no project"
like "$VT_OUT" '^base URL: ' "the base URL line is there"
vt --credentials "$T/user-cli.json" status --json
vt_ok "status --json too"
is "$(field project)" null "project is null"
is "$(field base_url)" null "and so is base_url"
is "$(mock_count /token)" 0 "status made no request"

done_testing
