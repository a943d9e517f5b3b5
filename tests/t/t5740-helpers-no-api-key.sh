#!/bin/sh
# t5740-helpers-no-api-key: Docker's and kubectl's helpers hand their
# token to registries and cluster API servers, which take OAuth only, so
# an API key, which never expires, never goes there: with one set beside
# a service account the account's token is answered, with only a key
# there is no credential (exit 3), and asking for the Gemini API is an
# error (exit 2).  (git-credential still answers with a key: t9110.)

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-helpers@vt-test.iam.gserviceaccount.com
mock_start
KEY=$(gen_sa_key helpers)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-helpers
# A made-up key of the right form, in the environment only.
GEMINI_API_KEY=AIzaSy$(printf 'k%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33)
export GEMINI_API_KEY
printf 'gcr.io\n' >"$T/registry"

# Only the key: no credential the helpers may use.
VT_STDIN=$T/registry vt docker-credential get
vt_fails 3 "docker-credential get with only an API key: exit 3"
unlike "$VT_OUT" "AIza" "and no key on stdout"
vt kube-credential
vt_fails 3 "kube-credential with only an API key: exit 3"
unlike "$VT_OUT" "AIza" "and no key on stdout"
VT_STDIN=$T/registry vt docker-credential erase
vt_fails 3 "docker-credential erase with only an API key: exit 3"
vt token
vt_ok "while vtoken token still takes the key"
like "$VT_OUT" "^AIza" "(the Gemini API's)"

# The key beside a service account: the account's token.
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
VT_STDIN=$T/registry vt docker-credential get
vt_ok "docker-credential get with a key and a service account"
like "$VT_OUT" '"Secret":"ya29\.mock-' "answers the account's token"
vt kube-credential
vt_ok "kube-credential"
like "$VT_OUT" '"token":"ya29\.mock-' "answers the account's token"
like "$VT_OUT" '"expirationTimestamp":' "with its expiry"
vt status
like "$VT_OUT" "API key" "status still shows the key first, for the other commands"

# --gemini asks for the key: an error for a helper.
vt --gemini kube-credential
vt_fails 2 "kube-credential --gemini: exit 2"
like "$VT_ERR" "needs an OAuth token" "saying why"

done_testing
