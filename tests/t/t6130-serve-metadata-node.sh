#!/bin/sh
# t6130-serve-metadata-node: the current google-auth-library npm package
# (GCE_METADATA_HOST) in a child of `vtoken exec --serve --metadata`:
# new GoogleAuth() finds compute-engine credentials, getAccessToken() is
# the token the mock issued through vtoken, getProjectId() the project;
# getIdTokenClient(AUD) gets an ID token for a service-account key source
# (skipped, with vtoken's reason, while vtoken cannot mint ID tokens).
#
# The package is installed beside the openai package (VT_NODE_MODULES;
# contrib/quickstart.sh check).  Without it the script is skipped, except
# in CI (CI=true), where it must be there.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

missing=$(npm_missing google-auth-library)
if [ -n "$missing" ]; then
	[ "${CI-}" = true ] && bail_out "$missing, and CI must have it"
	skip_all "$missing"
fi
NODE_PATH=$VT_NODE_MODULES
export NODE_PATH
JS=$VT_SRCDIR/tests/mock/gauth-node.js
diag "google-auth-library $(json_get "$VT_NODE_MODULES/google-auth-library/package.json" version), node $(node --version)"

serve_setup vt-meta-node
CLOUDSDK_CONFIG=$T/gcloud-empty
mkdir -p "$CLOUDSDK_CONFIG"
export CLOUDSDK_CONFIG
unset NO_GCE_CHECK
mock_log_clear

vt exec --serve --metadata --base-url "$SERVE_BASE" -- \
    sh -c 'unset GOOGLE_CLOUD_PROJECT GCLOUD_PROJECT; exec node "$1" token' sh "$JS"
is "$VT_STATUS" 0 "google-auth-library under exec --serve --metadata: exit 0" || vt_report
is "$(json_get "$T/out" type)" Compute "new GoogleAuth(): compute-engine credentials"
tok=$(json_get "$T/out" token)
is "$tok" "$(mock_issued)" "getAccessToken(): the token the mock issued, through vtoken"
is "$(json_get "$T/out" project)" vt-meta-node "getProjectId(): the project"
is "$(mock_count /token)" 1 "one mint"

vt exec --serve --metadata --base-url "$SERVE_BASE" -- node "$JS" token
is "$(json_get "$T/out" token)" "$tok" "another process: the same token"
is "$(mock_count /token)" 1 "no new mint"

AUD=https://vt-meta-node-aud.example
vt exec --serve --metadata --base-url "$SERVE_BASE" -- node "$JS" idtoken "$AUD"
if [ "$VT_STATUS" -ne 0 ] && printf '%s\n' "$VT_ERR" | grep -q 'cannot mint ID tokens'; then
	skip "vtoken cannot mint ID tokens yet: $(printf '%s\n' "$VT_ERR" | grep -m1 'cannot mint')" 2
else
	is "$VT_STATUS" 0 "getIdTokenClient(AUD) (service-account key source): exit 0" || vt_report
	aud=$(json_get "$T/out" idtoken | "$PYTHON3" -c 'import base64, json, sys
p = sys.stdin.read().strip().split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["aud"])' 2>&1)
	is "$aud" "$AUD" "an ID token for that audience"
fi

grep -F "$tok" "$T/vt.log" | grep -v '^  out: ' >"$T/leaks"
is "$(cat "$T/leaks")" "" "no token on vtoken's stderr"

done_testing
