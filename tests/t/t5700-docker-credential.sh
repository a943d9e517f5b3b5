#!/bin/sh
# t5700-docker-credential: vtoken as Docker's credential helper: the
# protocol (get, store, erase, list, version), the hosts it answers for
# (Google's registries, docker_hosts) and Docker's exact "not found" for
# every other host, which never reaches the token path; then real clients
# against the mock's registry on 127.0.0.1: skopeo with the helper in
# credHelpers and in registries.conf's credential-helpers, and the docker
# CLI's `docker manifest inspect` when it is installed.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-docker@vt-test.iam.gserviceaccount.com
NOT_FOUND='credentials not found in native keychain'

mock_start --tls
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-docker-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
REG=127.0.0.1:$MOCK_PORT
# The same registry over TLS, for the docker CLI (which pings https only).
REG_TLS=127.0.0.1:$MOCK_HTTPS_PORT

# docker-credential-vtoken on PATH, as make install links it.
mkdir -p "$T/bin"
ln -s "$VTOKEN" "$T/bin/docker-credential-vtoken"
PATH=$T/bin:$PATH
export PATH

mkdir -p "$XDG_CONFIG_HOME/vtoken"
CONF=$XDG_CONFIG_HOME/vtoken/config
cat >"$CONF" <<EOF
[default]
docker_hosts = registry.example.com; $REG; *.corp.example
EOF

# get HOST [ARGS...]: vtoken docker-credential get with HOST on stdin.
get() {
	printf '%s' "$1" >"$T/in"
	shift
	VT_STDIN=$T/in vt "$@" docker-credential get
}

# answer FIELD: a field of the JSON answer in $T/out.
answer() {
	"$PYTHON3" -c 'import json, sys
print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/out" "$1"
}

# not_found DESC: the last run was Docker's "not found", and nothing else.
not_found() {
	if [ "$VT_STATUS" -eq 1 ] && [ "$VT_OUT" = "$NOT_FOUND" ] &&
	    [ ! -s "$T/err" ]; then
		pass "$1"
	else
		fail "$1"
		vt_report
	fi
}

# -- get for Google's registries ------------------------------------------------

get gcr.io
vt_ok "get for gcr.io"
is "$(answer ServerURL)" gcr.io "ServerURL is the host asked for"
is "$(answer Username)" oauth2accesstoken "Username is oauth2accesstoken"
is "$(answer Secret)" "$(mock_issued)" "Secret is the minted token"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "one line of JSON"
is "$VT_ERR" "" "nothing on stderr"
TOKEN=$(answer Secret)

get europe-west4-docker.pkg.dev
is "$(answer Secret)" "$TOKEN" "an Artifact Registry host, from the cache"
get docker.europe-west4.rep.pkg.dev
vt_ok "a regional endpoint host (docker.LOC.rep.pkg.dev)"
printf 'us.gcr.io\n' >"$T/in"
"$T/bin/docker-credential-vtoken" get <"$T/in" >"$T/out" 2>"$T/err"
is "$?" 0 "run as docker-credential-vtoken, vtoken is the helper"
is "$(answer ServerURL)" us.gcr.io "and answers"
"$T/bin/docker-credential-vtoken" --profile default get <"$T/in" \
    >"$T/out" 2>"$T/err"
is "$(answer Secret)" "$TOKEN" "global options before the verb"

# -- docker_hosts -----------------------------------------------------------------

get "$REG"
is "$(answer ServerURL)" "$REG" "a docker_hosts entry with its port"
get registry.example.com:5000
vt_ok "an entry without a port matches any port"
get a.b.corp.example
vt_ok "*.domain matches its subdomains"

# -- every other host: Docker's "not found", before any token work ----------------

n=$(mock_count /token)
for h in docker.io index.docker.io https://index.docker.io/v1/ quay.io \
    evil.com/gcr.io gcr.io.evil.com evil-docker.pkg.dev.evil.com \
    gcr.io. pkg.dev localhost:"$MOCK_PORT" 127.0.0.1:1 \
    registry.example.com.evil.com corp.example 'gcr.io evil' \
    'user@gcr.io' 'gcr.io:99999' ''; do
	get "$h"
	not_found "not found, exit 1, nothing on stderr: '$h'"
done
is "$(mock_count /token)" "$n" "no token was minted for them"
unlike "$(cat "$T/vt.log")" "ya29[.]mock.*(evil|docker[.]io|quay)" \
    "and no token went to them"

# With credentials that cannot work, another host still gets "not found":
# the host is decided before anything is resolved.
GOOGLE_APPLICATION_CREDENTIALS=$T/missing.json
get quay.io
not_found "no credentials: another host still gets 'not found'"
get quay.io -v
like "$VT_ERR" "not answering for 'quay.io'" "-v says why"
unlike "$VT_ERR" "missing[.]json|no Google credentials|resolv" \
    "and never looked for credentials"
get gcr.io
vt_fails 3 "but gcr.io gets vtoken's error: exit 3, one line"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json

# A wrong setting in the profile (or the environment): the same.  One bad
# line must not stop pulls from every other registry (with a global
# credential-helpers list in registries.conf).
cp "$CONF" "$T/conf.good"
printf 'location = bad location!\n' >>"$CONF"
get quay.io
not_found "a bad setting: another host still gets 'not found'"
get "$REG"
vt_fails 3 "a host in docker_hosts gets the setting's error: exit 3"
like "$VT_ERR" "invalid location 'bad location!'" "naming it"
get gcr.io
vt_fails 3 "and so does gcr.io"
printf '' >"$T/in"
VT_STDIN=$T/in vt docker-credential list
is "$VT_STATUS/$VT_OUT" "0/{}" "list answers as always"
cp "$T/conf.good" "$CONF"
GOOGLE_CLOUD_LOCATION='not a location'
export GOOGLE_CLOUD_LOCATION
get docker.io
not_found "a bad GOOGLE_CLOUD_LOCATION: docker.io gets 'not found'"
get gcr.io
vt_fails 3 "and gcr.io the error"
unset GOOGLE_CLOUD_LOCATION
# A config file that cannot be read is reported for every host.
printf '[default\n' >>"$CONF"
get quay.io
vt_fails 3 "a malformed config file: exit 3 for any host"
cp "$T/conf.good" "$CONF"

# -- store, erase, list, version ------------------------------------------------------

n=$(mock_count /token)
printf '{"ServerURL":"gcr.io","Username":"oauth2accesstoken","Secret":"s3cret-value"}' \
    >"$T/in"
VT_STDIN=$T/in vt docker-credential store
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "store reads and drops the request, silently"
printf 'quay.io' >"$T/in"
VT_STDIN=$T/in vt docker-credential erase
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "erase for another host: nothing"
get gcr.io
is "$(answer Secret)" "$TOKEN" "which kept the cached token"
printf 'gcr.io' >"$T/in"
VT_STDIN=$T/in vt docker-credential erase
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "erase for gcr.io prints nothing"
is "$(mock_count /token)" "$n" "none of them mints"
get gcr.io
vt_ok "get after erase"
is "$(mock_count /token)" $((n + 1)) "mints a new token"
unlike "$(answer Secret)" "^$TOKEN\$" "a different one"
vt docker-credential list
is "$VT_STATUS/$VT_OUT" "0/{}" "list: {}"
vt docker-credential version
like "$VT_OUT" '^vtoken [0-9]' "version"
vt docker-credential frobnicate
vt_fails 2 "an unknown verb is a usage error"
vt docker-credential
vt_fails 2 "so is no verb"

cat >"$CONF" <<'EOF'
[default]
docker_hosts = registry.example.com; https://bad.example/
EOF
get gcr.io
vt_fails 3 "a bad docker_hosts entry is exit 3"
like "$VT_ERR" "docker_hosts.*'https://bad.example/'" "the message names it"
cat >"$CONF" <<EOF
[default]
docker_hosts = $REG; $REG_TLS
EOF

# -- skopeo against the mock's registry --------------------------------------------

# containers/image reads no system or user file of this machine: an empty
# registries.conf, and an auth.json naming the helper for two hosts, of
# which docker_hosts lists one (the other name reaches the same server).
printf '' >"$T/registries.conf"
cat >"$T/auth.json" <<EOF
{"credHelpers": {"$REG": "vtoken", "localhost:$MOCK_PORT": "vtoken"}}
EOF
CONTAINERS_REGISTRIES_CONF=$T/registries.conf
REGISTRY_AUTH_FILE=$T/auth.json
export CONTAINERS_REGISTRIES_CONF REGISTRY_AUTH_FILE

# skopeo_inspect REF: skopeo inspect of REF over plain http; its status.
skopeo_inspect() {
	skopeo --registries-conf "$CONTAINERS_REGISTRIES_CONF" inspect \
	    --tls-verify=false --authfile "$REGISTRY_AUTH_FILE" "docker://$1" \
	    >"$T/skopeo.out" 2>"$T/skopeo.err"
}

# auth_of PATH: the Authorization header of the last request to PATH.
auth_of() {
	mock_get "$1" headers.authorization || echo "(none)"
}

if ! command -v skopeo >/dev/null 2>&1; then
	skip "skopeo is not installed (Debian package skopeo)" 9
else
	get gcr.io
	TOKEN=$(answer Secret)
	mock_log_clear
	n=$(mock_count /token)
	skopeo_inspect "$REG/proj/img:latest"
	ok $? "skopeo inspect docker://$REG/proj/img with the helper" ||
	    diag "$(cat "$T/skopeo.err")"
	like "$(cat "$T/skopeo.out")" '"Digest": "sha256:' "it read the manifest"
	basic=$(printf 'oauth2accesstoken:%s' "$TOKEN" | base64 -w0)
	is "$(auth_of /v2/proj/img/manifests/latest)" "Basic $basic" \
	    "with Basic oauth2accesstoken and vtoken's token"

	# Credentials that cannot work: were the token path reached for the
	# other host, vtoken would fail and so would skopeo.
	GOOGLE_APPLICATION_CREDENTIALS=$T/missing.json
	mock_log_clear
	skopeo_inspect "localhost:$MOCK_PORT/public/img:latest"
	ok $? "another host (not in docker_hosts): skopeo goes on anonymously" ||
	    diag "$(cat "$T/skopeo.err")"
	# containers/image answers a Basic challenge without credentials
	# with an empty "Basic :" (Og==).
	auth=$(auth_of /v2/public/img/manifests/latest)
	case $auth in
	"(none)" | "Basic Og==") pass "the registry saw no credentials" ;;
	*) fail "the registry saw no credentials"; diag "got: $auth" ;;
	esac
	! skopeo_inspect "localhost:$MOCK_PORT/proj/img:latest" &&
	    grep -qi 'unauthorized\|authentication required' "$T/skopeo.err"
	ok $? "and a private image there is refused, not given a token" ||
	    diag "$(cat "$T/skopeo.err")"
	unlike "$(cat "$T/skopeo.err")" 'vtoken|credentials not found' \
	    "vtoken said nothing (never reached the token path)"
	is "$(mock_count /token)" $((n)) "no token request for another host"
	GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json

	# The global way, README's drop-in: credential-helpers in
	# registries.conf, no credHelpers in auth.json.
	echo '{}' >"$T/auth-empty.json"
	printf 'credential-helpers = ["containers-auth.json", "vtoken"]\n' \
	    >"$T/registries-helpers.conf"
	mock_log_clear
	skopeo --registries-conf "$T/registries-helpers.conf" inspect \
	    --tls-verify=false --authfile "$T/auth-empty.json" \
	    "docker://$REG/proj/img:latest" >"$T/skopeo.out" 2>"$T/skopeo.err"
	ok $? "registries.conf credential-helpers = [..., \"vtoken\"] works too" ||
	    diag "$(cat "$T/skopeo.err")"
fi

# -- the docker CLI, with no daemon --------------------------------------------------

if ! command -v docker >/dev/null 2>&1; then
	skip "the docker CLI is not installed (Debian package docker.io)" 2
else
	mkdir -p "$T/docker"
	cat >"$T/docker/config.json" <<EOF
{"credHelpers": {"$REG_TLS": "vtoken"}}
EOF
	mock_log_clear
	DOCKER_CONFIG=$T/docker docker manifest inspect --insecure \
	    "$REG_TLS/proj/img:latest" >"$T/docker.out" 2>"$T/docker.err"
	ok $? "docker manifest inspect --insecure with the helper" ||
	    diag "$(cat "$T/docker.err")"
	basic=$(printf 'oauth2accesstoken:%s' "$TOKEN" | base64 -w0)
	is "$(auth_of /v2/proj/img/manifests/latest)" "Basic $basic" \
	    "docker sent vtoken's token"
fi

done_testing
