#!/bin/sh
# t6070-serve-http2: upstream, the broker speaks HTTP/2 where the server
# offers it, and multiplexes: requests in parallel share one connection.
# nghttpx (Debian's nghttp2-proxy) stands in front of the mock as a TLS
# server that offers h2 by ALPN, with the tests' own CA; its access log
# says which protocol and which client connection each request came on.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

# Debian puts it in /usr/sbin, which a user's PATH may lack.
NGHTTPX=$(command -v nghttpx 2>/dev/null) ||
    { [ -x /usr/sbin/nghttpx ] && NGHTTPX=/usr/sbin/nghttpx; }
if [ -z "$NGHTTPX" ]; then
	[ "${CI-}" = true ] && bail_out "nghttpx is not installed, and CI must have it"
	skip_all "nghttpx (nghttp2-proxy) is not installed"
fi

serve_setup
gen_ca_and_cert
port=$(closed_port)
"$NGHTTPX" --frontend="127.0.0.1,$port" \
    --backend="127.0.0.1,$MOCK_PORT" --workers=1 --no-ocsp \
    --accesslog-file="$T/h2.log" --errorlog-file="$T/h2.err" \
    --accesslog-format='$alpn $remote_port $status $request' \
    "$T/tls/server.key" "$T/tls/server.pem" >/dev/null 2>&1 &
h2pid=$!
# (serve_start sets its own trap; nghttpx is stopped at the end below.)
trap 'kill $h2pid 2>/dev/null; serve_kill_all; mock_stop' EXIT
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
until curl -s -o /dev/null --cacert "$T/tls/ca.pem" "https://127.0.0.1:$port/"; do
	[ "$(now_ms)" -gt "$vt_end" ] && bail_out "nghttpx did not start: $(cat "$T/h2.err")"
	sleep 0.1
done

SSL_CERT_FILE=$T/tls/ca.pem
export SSL_CERT_FILE
serve_start --base-url "https://127.0.0.1:$port/v1/projects/vt-serve/locations/us-central1/endpoints/openapi" ||
    { kill "$h2pid"; bail_out "the broker did not start"; }
trap 'kill $h2pid 2>/dev/null; serve_kill_all; mock_stop' EXIT
serve_env
: >"$T/h2.log"

sc req --test-id h2-one
is "$(sc_get status)" 200 "a request through an HTTP/2 upstream"
like "$(grep chat/completions "$T/h2.log")" '^h2 ' "upstream spoke h2"

mock_set chat '{"delay": 0.5}'
: >"$T/h2.log"
sc many --n 12 --text "twelve at once"
is "$SC_STATUS" 0 "twelve requests at once all succeed"
is "$(grep -c '^h2 .* 200 POST .*chat/completions' "$T/h2.log")" 12 \
    "all twelve went upstream over h2"
conns=$(grep chat/completions "$T/h2.log" | cut -d' ' -f2 | sort -u | wc -l)
ok "$([ "$conns" -le 2 ] && echo 0 || echo 1)" \
    "on at most two connections, multiplexed ($conns)"
mock_set chat '{}'
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"
kill "$h2pid"
wait "$h2pid" 2>/dev/null

done_testing
