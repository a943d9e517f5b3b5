#!/bin/sh
# t5710-configure-docker: vtoken configure-docker writes credHelpers
# entries into Docker's config.json ($DOCKER_CONFIG, else ~/.docker):
# gcloud's default hosts and the profile's docker_locations, or the hosts
# named; every other key kept; replaced atomically, mode 0600; what
# changed on stdout; --dry-run as a diff, writing nothing.  Needs no
# credentials and no network.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

mkdir -p "$XDG_CONFIG_HOME/vtoken"
CONF=$XDG_CONFIG_HOME/vtoken/config
cat >"$CONF" <<'EOF'
[default]
docker_locations = europe-west4; us
EOF
unset DOCKER_CONFIG
DC=$HOME/.docker/config.json

# helpers FILE: the credHelpers entries of FILE, "host=helper" sorted.
helpers() {
	"$PYTHON3" -c 'import json, sys
h = json.load(open(sys.argv[1])).get("credHelpers", {})
print(" ".join("%s=%s" % kv for kv in sorted(h.items())))' "$1"
}

DEFAULTS="asia.gcr.io=vtoken eu.gcr.io=vtoken europe-west4-docker.pkg.dev=vtoken gcr.io=vtoken marketplace.gcr.io=vtoken us-docker.pkg.dev=vtoken us.gcr.io=vtoken"

# -- a new config ---------------------------------------------------------

vt configure-docker --dry-run
vt_ok "--dry-run with no config"
like "$VT_OUT" "^--- $DC\$" "shows a diff of $DC"
like "$VT_OUT" '^\+	"gcr\.io": "vtoken"$' "adding gcr.io"
like "$VT_OUT" '^\+	"europe-west4-docker\.pkg\.dev": "vtoken"$' \
    "and LOCATION-docker.pkg.dev for docker_locations"
[ ! -e "$DC" ] && [ ! -e "$HOME/.docker" ]
ok $? "and writes nothing"

vt configure-docker
vt_ok "configure-docker"
is "$(helpers "$DC")" "$DEFAULTS" "gcloud's five hosts and two locations"
like "$VT_OUT" '^added credHelpers "us\.gcr\.io": "vtoken"$' "says what it added"
like "$VT_OUT" "^wrote '$DC'\$" "and where"
is "$(stat -c %a "$DC")" 600 "the file is 0600"
is "$(stat -c %a "$HOME/.docker")" 700 "its new directory 0700"

vt configure-docker
vt_ok "again"
like "$VT_OUT" "nothing to change" "nothing to change"
is "$(helpers "$DC")" "$DEFAULTS" "the same entries"

# -- an existing config: other keys kept, another helper replaced ---------------

cat >"$DC" <<'EOF'
{
	"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNz"}},
	"credHelpers": {"gcr.io": "gcloud", "quay.io": "quay"},
	"credsStore": "desktop",
	"proxies": {"default": {"httpProxy": "http://127.0.0.1:9"}}
}
EOF
chmod 644 "$DC"
ino=$(stat -c %i "$DC")
vt configure-docker --dry-run
like "$VT_OUT" '^-	"gcr\.io": "gcloud"$' "--dry-run: the old entry"
like "$VT_OUT" '^\+	"gcr\.io": "vtoken"$' "and the new one"
is "$(stat -c %i "$DC")" "$ino" "and the file is untouched"

vt configure-docker
vt_ok "configure-docker over an existing config"
like "$VT_OUT" '^changed credHelpers "gcr\.io": "gcloud" -> "vtoken"$' \
    "says it changed gcr.io"
"$PYTHON3" -c 'import json, sys
c = json.load(open(sys.argv[1]))
assert c["auths"] == {"registry.example.com": {"auth": "dXNlcjpwYXNz"}}
assert c["credsStore"] == "desktop"
assert c["proxies"]["default"]["httpProxy"] == "http://127.0.0.1:9"
assert c["credHelpers"]["quay.io"] == "quay"
assert c["credHelpers"]["gcr.io"] == "vtoken"' "$DC"
ok $? "every other key and entry is kept"
is "$(stat -c %a "$DC")" 600 "the file is now 0600 (it may hold auths)"
[ "$(stat -c %i "$DC")" != "$ino" ]
ok $? "replaced by rename (a new inode), not rewritten in place"
is "$(find "$HOME/.docker" -name 'config.json.*' | wc -l | tr -d ' ')" 0 \
    "no temporary file left behind"

# -- hosts named, DOCKER_CONFIG, a link ---------------------------------------------

mkdir -p "$T/dc"
DOCKER_CONFIG=$T/dc
export DOCKER_CONFIG
vt configure-docker europe-west1-docker.pkg.dev registry.example.com:5000
vt_ok "hosts on the command line, under DOCKER_CONFIG"
is "$(helpers "$T/dc/config.json")" \
    "europe-west1-docker.pkg.dev=vtoken registry.example.com:5000=vtoken" \
    "only those hosts"
like "$VT_ERR" "warning: .*'registry.example.com:5000' only when the profile's docker_hosts lists it" \
    "a warning for a host vtoken would not answer for"
mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\ndocker_hosts = registry.example.com:5000\n' \
    >"$XDG_CONFIG_HOME/vtoken/config"
vt configure-docker registry.example.com:5000
vt_ok "a host the profile's docker_hosts lists"
unlike "$VT_ERR" "warning" "gets no warning"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

mv "$T/dc/config.json" "$T/dotfile.json"
ln -s "$T/dotfile.json" "$T/dc/config.json"
vt configure-docker gcr.io
vt_ok "through a symbolic link"
[ -L "$T/dc/config.json" ]
ok $? "the link stays"
like "$(helpers "$T/dotfile.json")" "gcr.io=vtoken" "the file it names is updated"
# A link (relative, through a second one) to a file not there yet: the
# links stay and the file is made where they lead.
mkdir -p "$T/dots"
rm "$T/dc/config.json"
ln -s ../dots/docker.json "$T/dc/hop.json"
ln -s hop.json "$T/dc/config.json"
vt configure-docker gcr.io
vt_ok "through links to a file not there yet"
[ -L "$T/dc/config.json" ] && [ -L "$T/dc/hop.json" ]
ok $? "the links stay"
like "$(helpers "$T/dots/docker.json")" "gcr.io=vtoken" "the file is made where they lead"
rm "$T/dc/config.json" "$T/dc/hop.json"
ln -s "$T/dotfile.json" "$T/dc/config.json"
ln -s loop-b "$T/dc/loop-a"
ln -s loop-a "$T/dc/loop-b"
DOCKER_CONFIG=$T/dc-loop
mkdir -p "$DOCKER_CONFIG"
ln -s ../dc/loop-a "$DOCKER_CONFIG/config.json"
export DOCKER_CONFIG
vt configure-docker gcr.io
vt_fails 3 "links that loop: exit 3"
DOCKER_CONFIG=$T/dc

# configure-docker runs at once: each adds its host (the directory is
# locked while one reads and writes the file).
cp "$T/dotfile.json" "$T/before.json"
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	"$VTOKEN" configure-docker "par$i.example.com" >/dev/null 2>&1 &
done
wait
n=$(helpers "$T/dotfile.json" | tr ' ' '\n' | grep -c '^par[0-9]*\.example\.com=vtoken$')
is "$n" 8 "8 configure-docker at once: all 8 hosts are there"
cp "$T/before.json" "$T/dotfile.json"

vt -q configure-docker us.gcr.io
is "$VT_STATUS/$VT_OUT" "0/" "-q: silent"

# -- what it refuses ---------------------------------------------------------------------

echo 'not json' >"$T/dc/bad.json"
rm "$T/dc/config.json"
cp "$T/dc/bad.json" "$T/dc/config.json"
vt configure-docker gcr.io
vt_fails 3 "a config that is not JSON: exit 3"
is "$(cat "$T/dc/config.json")" "not json" "and it is left alone"
echo '{"credHelpers": ["gcr.io"]}' >"$T/dc/config.json"
vt configure-docker gcr.io
vt_fails 3 "credHelpers that is not an object: exit 3"
echo '{}' >"$T/dc/config.json"
chmod 666 "$T/dc/config.json"
vt configure-docker gcr.io
vt_fails 3 "a config others may write to: exit 3"
chmod 600 "$T/dc/config.json"
vt configure-docker 'https://gcr.io/x'
vt_fails 2 "a host argument that is not a host: exit 2"
vt configure-docker gcr.io --json
vt_fails 2 "an option configure-docker does not take: exit 2"
cat >"$CONF" <<'EOF'
[default]
docker_locations = europe-west4; not a location
EOF
vt configure-docker
vt_fails 3 "a bad docker_locations entry: exit 3"
like "$VT_ERR" "docker_locations.*'not a location'" "naming it"

done_testing
