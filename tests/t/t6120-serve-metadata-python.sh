#!/bin/sh
# t6120-serve-metadata-python: Python's google-auth (Debian's
# python3-google-auth, an old 1.x that reads GCE_METADATA_ROOT and
# GCE_METADATA_IP) in a child of `vtoken exec --serve --metadata`, with
# GOOGLE_APPLICATION_CREDENTIALS set in vtoken's own environment (exec
# removes it from the child's) and no gcloud ADC file (CLOUDSDK_CONFIG at
# an empty directory): google.auth.default() finds compute-engine
# credentials and the project, refresh() gets the token the mock issued
# through vtoken, and a second process, under the same broker or another
# one, gets the same token with no new mint.
#
# Without python3-google-auth the script is skipped, except in CI
# (CI=true), where it must be there.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

missing=$(meta_python_missing)
if [ -n "$missing" ]; then
	[ "${CI-}" = true ] && bail_out "$missing, and CI must have it"
	skip_all "$missing"
fi
diag "google-auth $("$PYTHON3" -c 'import google.auth; print(getattr(google.auth, "__version__", "?"))' 2>/dev/null)"

serve_setup vt-meta-py
PY=$VT_SRCDIR/tests/mock/gauth-python.py
CLOUDSDK_CONFIG=$T/gcloud-empty
mkdir -p "$CLOUDSDK_CONFIG"
export CLOUDSDK_CONFIG
# What a user's shell has: no test-only "not on GCE" switch.
unset NO_GCE_CHECK
mock_log_clear

# py_field N FIELD: a field of the N-th line of the last run's output.
py_field() {
	sed -n "$1p" "$T/out" >"$T/py.line"
	json_get "$T/py.line" "$2"
}

# The project must come from the metadata server, not from a variable
# exec may set for the child.
vt exec --serve --metadata --base-url "$SERVE_BASE" -- \
    sh -c 'unset GOOGLE_CLOUD_PROJECT GCLOUD_PROJECT; "$1" "$2" && "$1" "$2"' \
    sh "$PYTHON3" "$PY"
is "$VT_STATUS" 0 "two google-auth processes under exec --serve --metadata: exit 0" ||
    vt_report
is "$(py_field 1 type)" google.auth.compute_engine.credentials.Credentials \
    "google.auth.default(): compute-engine credentials"
is "$(py_field 1 project)" vt-meta-py "and the project (project/project-id)"
is "$(py_field 1 email)" "$SERVE_SA" "refresh() read the service account's e-mail"
tok=$(py_field 1 token)
is "$tok" "$(mock_issued)" "refresh(): the token the mock issued, through vtoken"
e=$(py_field 1 expires_in)
[ "${e:-0}" -ge 3500 ] && [ "${e:-0}" -le 3599 ]
ok $? "its expiry is the token's (expires_in $e)"
is "$(py_field 2 token)" "$tok" "the second process: the same token"
is "$(mock_count /token)" 1 "no new mint"
like "$(mock_get /token jwt.claims.iss)" "^$SERVE_SA\$" \
    "(the mint was vtoken's, with the service-account key)"

vt exec --serve --metadata --base-url "$SERVE_BASE" -- "$PYTHON3" "$PY"
is "$VT_STATUS" 0 "another exec --serve --metadata (a new broker): exit 0" || vt_report
is "$(py_field 1 token)" "$tok" "the same token, from vtoken's cache"
is "$(mock_count /token)" 1 "still one mint"

# Without --metadata the child reads the key file itself: the contrast.
vt exec --serve --base-url "$SERVE_BASE" -- "$PYTHON3" "$PY" norefresh
is "$(py_field 1 type)" google.oauth2.service_account.Credentials \
    "(without --metadata: google-auth reads GOOGLE_APPLICATION_CREDENTIALS itself)"

# A gcloud ADC file would win over the metadata server, as documented.
make_sa_file "$CLOUDSDK_CONFIG/application_default_credentials.json" \
    "$SERVE_SA" "$(gen_sa_key serve-sa)" "$MOCK_URL/token" vt-meta-adc
vt exec --serve --metadata --base-url "$SERVE_BASE" -- "$PYTHON3" "$PY" norefresh
is "$(py_field 1 type)" google.oauth2.service_account.Credentials \
    "(a gcloud ADC file in CLOUDSDK_CONFIG wins over the metadata server)"
rm -f "$CLOUDSDK_CONFIG/application_default_credentials.json"

grep -F "$tok" "$T/vt.log" | grep -v '^  out: ' >"$T/leaks"
is "$(cat "$T/leaks")" "" "no token on vtoken's stderr"

done_testing
