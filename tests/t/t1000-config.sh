#!/bin/sh
# t1000-config: the configuration file ($XDG_CONFIG_HOME/vtoken/config, or
# ~/.config/vtoken/config), its profiles and how they are chosen, the
# precedence of the command line, the environment and the profile, and
# what happens with a malformed, unsafe or partly wrong file.  Everything
# goes through status --json, which makes no network request.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

CONF=$XDG_CONFIG_HOME/vtoken/config
NOWHERE=http://127.0.0.1:$(closed_port)/token
make_user_file "$T/user.json" vt-cid.apps.googleusercontent.com vt-secret \
    1//0vt-refresh "$NOWHERE"
GOOGLE_APPLICATION_CREDENTIALS=$T/user.json
export GOOGLE_APPLICATION_CREDENTIALS

# write_conf PATH: stdin becomes the config file PATH, mode 0600.
write_conf() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
	chmod 600 "$1"
}

# field NAME: a field of the last run's stdout, as JSON ("" if absent).
field() {
	json_get "$T/out" "$1" 2>/dev/null
}

# status_is PROJECT FROM DESC: status --json (already run) chose PROJECT,
# from FROM.
status_is() {
	if [ "$VT_STATUS" -ne 0 ]; then
		fail "$3"
		vt_report
		return 1
	fi
	is "$(field project.value) / $(field project.from)" "$1 / $2" "$3"
}

write_conf "$CONF" <<'EOF'
# vtoken test configuration
[default]
project = vt-default-project
location = europe-west4

[prod]
project = vt-prod-project
location = us-east5
endpoint = 1234567890
api_version = v1beta1
EOF

# -- the default profile ----------------------------------------------------------

vt status --json
vt_ok "status --json with a config file"
is "$(field profile.value)" default "the profile is default"
is "$(field profile.config_file)" "$CONF" \
    "the file is \$XDG_CONFIG_HOME/vtoken/config"
is "$(field profile.config_loaded)" true "and it was loaded"
status_is vt-default-project "profile 'default'" \
    "project from profile 'default'"
is "$(field location.value) / $(field location.from)" \
    "europe-west4 / profile 'default'" "location from profile 'default'"
is "$(field endpoint.value) / $(field endpoint.from)" "openapi / default" \
    "endpoint: the built-in default"
is "$(field base_url)" \
    https://europe-west4-aiplatform.googleapis.com/v1/projects/vt-default-project/locations/europe-west4/endpoints/openapi \
    "the base URL is built from the profile"

vt status
vt_ok "status (text)"
like "$VT_OUT" "^project: +vt-default-project \\(profile 'default'\\)" \
    "the text says where the project came from"

# -- choosing a profile ----------------------------------------------------------

vt --profile prod status --json
status_is vt-prod-project "profile 'prod'" "--profile prod: its project"
is "$(field profile.value) / $(field profile.from)" "prod / --profile" \
    "--profile prod: status says so"
is "$(field location.value)" us-east5 "--profile prod: its location"
is "$(field base_url)" \
    https://us-east5-aiplatform.googleapis.com/v1beta1/projects/vt-prod-project/locations/us-east5/endpoints/1234567890 \
    "--profile prod: its endpoint and api_version"

VTOKEN_PROFILE=prod
export VTOKEN_PROFILE
vt status --json
status_is vt-prod-project "profile 'prod'" "VTOKEN_PROFILE=prod: its project"
is "$(field profile.value) / $(field profile.from)" "prod / VTOKEN_PROFILE" \
    "VTOKEN_PROFILE=prod: status says so"

vt --profile default status --json
status_is vt-default-project "profile 'default'" \
    "--profile beats VTOKEN_PROFILE"
unset VTOKEN_PROFILE

vt --profile staging status
vt_fails 3 "--profile naming a profile the file lacks: exit 3"
like "$VT_ERR" staging "the message names the profile"

VTOKEN_PROFILE=staging
export VTOKEN_PROFILE
vt status
unset VTOKEN_PROFILE
vt_fails 3 "VTOKEN_PROFILE naming a profile the file lacks: exit 3"

# -- precedence of the project ------------------------------------------------------

GOOGLE_CLOUD_PROJECT=vt-gcp-project
GCLOUD_PROJECT=vt-gcloud-project
CLOUDSDK_CORE_PROJECT=vt-sdk-project
export GOOGLE_CLOUD_PROJECT GCLOUD_PROJECT CLOUDSDK_CORE_PROJECT

vt --project vt-cli-project status --json
status_is vt-cli-project --project "--project beats everything"
vt status --json
status_is vt-gcp-project GOOGLE_CLOUD_PROJECT \
    "GOOGLE_CLOUD_PROJECT beats GCLOUD_PROJECT"
unset GOOGLE_CLOUD_PROJECT
vt status --json
status_is vt-gcloud-project GCLOUD_PROJECT \
    "GCLOUD_PROJECT beats CLOUDSDK_CORE_PROJECT"
unset GCLOUD_PROJECT
vt status --json
status_is vt-sdk-project CLOUDSDK_CORE_PROJECT \
    "CLOUDSDK_CORE_PROJECT beats the profile"
unset CLOUDSDK_CORE_PROJECT
vt status --json
status_is vt-default-project "profile 'default'" \
    "with no variable, the profile"

GOOGLE_CLOUD_PROJECT=''
export GOOGLE_CLOUD_PROJECT
vt status --json
status_is vt-default-project "profile 'default'" \
    "an empty GOOGLE_CLOUD_PROJECT is not a project"
unset GOOGLE_CLOUD_PROJECT

GOOGLE_CLOUD_LOCATION=asia-northeast1
export GOOGLE_CLOUD_LOCATION
vt status --json
is "$(field location.value) / $(field location.from)" \
    "asia-northeast1 / GOOGLE_CLOUD_LOCATION" \
    "GOOGLE_CLOUD_LOCATION beats the profile"
vt --location us-west1 status --json
is "$(field location.value) / $(field location.from)" \
    "us-west1 / --location" "--location beats GOOGLE_CLOUD_LOCATION"
unset GOOGLE_CLOUD_LOCATION

# -- bad values: exit 3 from a profile or the environment, 2 on the command line --

write_conf "$CONF" <<'EOF'
[default]
project = Bad_ID
EOF
vt status --json
vt_fails 3 "project = Bad_ID in the profile: exit 3"
like "$VT_ERR" "Bad_ID" "the message quotes the value"
like "$VT_ERR" "profile" "and says it came from the profile"

vt --project vt-cli-project status --json
status_is vt-cli-project --project \
    "a good --project overrides a bad profile value"

vt --project Bad_ID status --json
vt_fails 2 "--project Bad_ID: exit 2"

GOOGLE_CLOUD_PROJECT=Bad_ID
export GOOGLE_CLOUD_PROJECT
vt --profile default status
unset GOOGLE_CLOUD_PROJECT
vt_fails 3 "GOOGLE_CLOUD_PROJECT=Bad_ID: exit 3"
like "$VT_ERR" "GOOGLE_CLOUD_PROJECT" "the message names the variable"

GOOGLE_CLOUD_LOCATION='us central1'
export GOOGLE_CLOUD_LOCATION
vt --project vt-cli-project status
unset GOOGLE_CLOUD_LOCATION
vt_fails 3 "GOOGLE_CLOUD_LOCATION='us central1': exit 3"

vt --project vt-cli-project --location 'us central1' status
vt_fails 2 "--location 'us central1': exit 2"

for kv in 'location = us central1' 'endpoint = ../x' 'api_version = v2' \
    'base_url = http://example.com/v1' 'timeout = 5x' 'scopes = ,'; do
	printf '[default]\nproject = vt-default-project\n%s\n' "$kv" |
	    write_conf "$CONF"
	vt status
	vt_fails 3 "'$kv' in the profile: exit 3"
done

# -- malformed or unsafe files ---------------------------------------------------------

printf '[default]\nproject = vt-default-project\n# a comment\nnot a pair\n' |
    write_conf "$CONF"
vt status --json
vt_fails 3 "a line that is not key=value: exit 3"
like "$VT_ERR" "$CONF" "the message names the file"
like "$VT_ERR" "line 4" "and line 4"

vt token
vt_fails 3 "the same for token"

printf '[default\nproject = x\n' | write_conf "$CONF"
vt status
vt_fails 3 "an unterminated [group: exit 3"
like "$VT_ERR" "line 1" "the message says line 1"

printf 'project = vt-default-project\n[default]\n' | write_conf "$CONF"
vt status
vt_fails 3 "a key before any [profile]: exit 3"

printf '[default]\nproject = vt-default-project\n' | write_conf "$CONF"
chmod 620 "$CONF"
vt status
vt_fails 3 "a group-writable config file: exit 3"
like "$VT_ERR" "$CONF" "the message names the file"
chmod 602 "$CONF"
vt status
vt_fails 3 "a world-writable config file: exit 3"
chmod 644 "$CONF"
vt status --json
status_is vt-default-project "profile 'default'" \
    "a world-readable (not writable) config file is fine"
chmod 600 "$CONF"

if [ "$(id -u)" -eq 0 ] && chown 65534 "$CONF" 2>/dev/null; then
	vt status
	vt_fails 3 "a config file owned by another user: exit 3"
	like "$VT_ERR" "owned|owner" "the message says why"
	chown 0 "$CONF"
else
	skip "needs root to make a file owned by another user" 2
fi

# -- unknown keys and keys for later features --------------------------------------------

printf '[default]\nproject = vt-default-project\nfrobnicate = 1\n' |
    write_conf "$CONF"
vt status --json
status_is vt-default-project "profile 'default'" "an unknown key: exit 0"
like "$VT_ERR" '^vtoken: warning: .*frobnicate' "with a warning naming it"
is "$(wc -l <"$T/err" | tr -d ' ')" 1 "one line"

write_conf "$CONF" <<'EOF'
[default]
project = vt-default-project
api_key_file = ~/no-such-key
impersonate = sa@vt-test.iam.gserviceaccount.com
backend = vertex
cache = auto
min_ttl = 5m
git_hosts = git.example.com;127.0.0.1
git_username = oauth2accesstoken
universe_domain = googleapis.com
key_var = MY_KEY
url_var = MY_URL
EOF
vt status --json
status_is vt-default-project "profile 'default'" \
    "the keys of later features are accepted"
is "$VT_ERR" "" "without warnings"

# -- credentials from the profile, with ~/ -------------------------------------------------

mkdir -p "$HOME/keys"
make_user_file "$HOME/keys/user.json" vt-cid-2.apps.googleusercontent.com \
    vt-secret-2 1//0vt-refresh-2 "$NOWHERE"
write_conf "$CONF" <<'EOF'
[default]
project = vt-default-project
credentials = ~/keys/user.json
EOF
vt status --json
vt_ok "credentials = ~/keys/user.json"
is "$(field credentials.file)" "$HOME/keys/user.json" "a leading ~/ is the home directory"
is "$(field credentials.from)" "profile 'default'" \
    "and the profile beats GOOGLE_APPLICATION_CREDENTIALS"

vt --credentials "$T/user.json" status --json
is "$(field credentials.file)" "$T/user.json" \
    "--credentials beats the profile"

printf '[default]\ncredentials = ~/keys/missing.json\n' | write_conf "$CONF"
vt token
vt_fails 3 "the profile names a missing file: exit 3"
like "$VT_ERR" "$HOME/keys/missing.json" "the message names the expanded path"

# -- no XDG_CONFIG_HOME: ~/.config/vtoken/config ----------------------------------------

rm -f "$CONF"
printf '[default]\nproject = vt-home-project\n' |
    write_conf "$HOME/.config/vtoken/config"
unset XDG_CONFIG_HOME
vt status --json
status_is vt-home-project "profile 'default'" \
    "without XDG_CONFIG_HOME: ~/.config/vtoken/config"
is "$(field profile.config_file)" "$HOME/.config/vtoken/config" \
    "status names it"

XDG_CONFIG_HOME=$T/config
export XDG_CONFIG_HOME
vt status --json
[ "$(field project.value)" != vt-home-project ]
ok $? "with XDG_CONFIG_HOME set, ~/.config/vtoken/config is not read"
is "$(field profile.config_loaded)" false "status says no file was loaded"

vt --profile prod status
vt_fails 3 "--profile with no config file at all: exit 3"

done_testing
