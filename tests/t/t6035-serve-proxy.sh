#!/bin/sh
# t6035-serve-proxy: the broker's upstream through an HTTPS proxy (the
# user's HTTPS_PROXY, HTTP CONNECT; tests/mock/connectproxy.py).  The
# proxy's answer to CONNECT is not the reply: the first reply on each new
# tunnel reaches the client whole (it once arrived with its body dropped),
# and a 503 seen through the proxy is retried as any other.  TLS is
# verified against the tests' CA all the way through the tunnel.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

mock_start --tls
serve_setup
mkdir -p "$T/proxy"
# Not on the TAP pipe; it ends when this script does.
"$PYTHON3" "$VT_SRCDIR/tests/mock/connectproxy.py" "$T/proxy" \
    >/dev/null 2>"$T/proxy/err" &
proxy_pid=$!
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while [ ! -s "$T/proxy/port" ] && [ "$(now_ms)" -lt "$vt_end" ]; do
	sleep 0.05
done
[ -s "$T/proxy/port" ] || bail_out "the CONNECT proxy did not start"

SSL_CERT_FILE=$T/tls/ca.pem
HTTPS_PROXY=http://127.0.0.1:$(cat "$T/proxy/port")
export SSL_CERT_FILE HTTPS_PROXY
# "localhost." (the root's dot): not a loopback name to vtoken, which
# would go around the proxy; the proxy itself only ever connects to
# 127.0.0.1.  The mock's certificate names localhost.
BASE=https://localhost.:$MOCK_HTTPS_PORT/v1/projects/vt-serve/locations/us-central1/endpoints/openapi
serve_start --base-url "$BASE" || bail_out "the broker did not start"
serve_env

sc req --test-id p1 --text "through a tunnel"
is "$(sc_get status)" 200 "the first request through the proxy: 200"
sc_get body >"$T/body"
is "$(json_get "$T/body" choices.0.message.content)" \
    "mock reply: through a tunnel" "with the whole reply (the CONNECT answer is not it)"
like "$(cat "$T/proxy/log")" "^CONNECT localhost\\.:$MOCK_HTTPS_PORT HTTP/1\\.1" \
    "it went through the proxy"
like "$(serve_requests | tail -n 1)" 'status=200 bytes=[1-9]' \
    "the broker logged the bytes it sent"

mock_set chat '{"faults": {"sequence": [503, 200]}}'
sc req --test-id p2 --text "a retry"
is "$(sc_get status)" 200 "503 then 200 through the proxy: 200"
like "$(serve_requests | tail -n 1)" 'attempts=2' "after 2 attempts"

mock_set chat '{"faults": {"sequence": [400]}}'
sc req --test-id p3
is "$(sc_get status)" 400 "a 400 through the proxy reaches the client as it is"
like "$(sc_get body)" '"error"' "with upstream's error body"
mock_set chat '{}'

serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"
kill "$proxy_pid" 2>/dev/null

done_testing
