#!/bin/sh
# t2400-https: the token endpoint over HTTPS, with a CA made at run time.
# Certificates are always verified: SSL_CERT_FILE and CURL_CA_BUNDLE are
# honoured, and a certificate that does not verify fails at once (exit 5),
# without retries and without sending anything.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-sa@vt-test.iam.gserviceaccount.com
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start --tls
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_HTTPS_URL/token" vt-test-project
CA=$T/tls/ca.pem

# A second CA that did not sign the mock's certificate.
mkdir -p "$T/other-ca"
"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vtoken other CA" \
    -keyout "$T/other-ca/ca.key" -out "$T/other-ca/ca.pem" \
    >"$T/other-ca/openssl.log" 2>&1 || bail_out "making the other CA failed"

vt_sa() {
	vt --credentials "$T/sa.json" "$@"
}

# -- trusted ------------------------------------------------------------------

SSL_CERT_FILE=$CA
export SSL_CERT_FILE
mock_log_clear
vt_sa token
vt_ok "SSL_CERT_FILE naming the test CA: exit 0"
like "$VT_OUT" "^$TOKEN_RE\$" "the token is printed"
is "$(mock_count /token)" 1 "one request"
is "$(mock_get /token listener)" https "over HTTPS"
is "$(mock_get /token jwt.claims.aud)" "$MOCK_HTTPS_URL/token" \
    "aud is the https token_uri"
unset SSL_CERT_FILE

CURL_CA_BUNDLE=$CA
export CURL_CA_BUNDLE
vt_sa token
vt_ok "CURL_CA_BUNDLE naming the test CA: exit 0"
unset CURL_CA_BUNDLE

make_sa_file "$T/localhost.json" "$SA" "$KEY" \
    "https://localhost:$MOCK_HTTPS_PORT/token" vt-test-project
SSL_CERT_FILE=$CA
export SSL_CERT_FILE
vt --credentials "$T/localhost.json" token
vt_ok "https://localhost: the name in the certificate verifies too"
unset SSL_CERT_FILE

# -- not trusted --------------------------------------------------------------

# untrusted DESC: the last run failed at once, on the certificate, and the
# mock saw one failed handshake and no request.  (The handshake count is
# what shows there was no retry: the tests sleep a tenth of a backoff.
# Reading the system's CA bundle takes a while under ASan on a busy
# machine, hence 2 s of work.)
untrusted() {
	vt_fails 5 "$1: exit 5"
	like "$VT_ERR" '[Cc]ertificate' "$1: the message is about the certificate"
	is "$(mock_count /token)" 0 "$1: nothing was sent"
	is "$(mock_tls_errors)" 1 "$1: one attempt, not retried"
	within 2000 "$1: at once"
}

mock_log_clear
vt_sa token
untrusted "the system CAs only"

mock_log_clear
SSL_CERT_FILE=$T/other-ca/ca.pem
export SSL_CERT_FILE
vt_sa token
untrusted "SSL_CERT_FILE naming another CA"
unset SSL_CERT_FILE

mock_log_clear
CURL_CA_BUNDLE=$T/other-ca/ca.pem
export CURL_CA_BUNDLE
vt_sa token
untrusted "CURL_CA_BUNDLE naming another CA"
unset CURL_CA_BUNDLE

done_testing
