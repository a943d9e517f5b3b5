#!/bin/sh
# t6025-serve-limits: a slow or hostile client cannot starve the others.
# Headers larger than the cap and malformed requests are answered by
# libmicrohttpd (4xx) while a normal request goes through; a client that
# stops half-way through its headers is cut off after idle_timeout; more
# requests in flight than max_requests get 503 with a clear message; and
# the profile's limits are checked.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup
RAW=$VT_SRCDIR/tests/mock/rawhttp.py
mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nbase_url = %s\nidle_timeout = 1s\nmax_requests = 3\n' \
    "$SERVE_BASE" >"$XDG_CONFIG_HOME/vtoken/config"
serve_start || bail_out "the broker did not start"
serve_env

# Headers past the 64 KiB cap.
{
	printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\n' "$SERVE_LISTEN"
	printf 'X-Big: %070000d\r\n\r\n' 0
} >"$T/big.req"
like "$("$PYTHON3" "$RAW" send "$SERVE_LISTEN" "$T/big.req")" \
    '^HTTP/1\.[01] 4(13|31) ' "70 KB of headers: 413 or 431 from the library"

# Malformed request lines and headers.
printf 'GARBAGE\r\n\r\n' >"$T/bad1.req"
like "$("$PYTHON3" "$RAW" send "$SERVE_LISTEN" "$T/bad1.req")" \
    '^(HTTP/1\.[01] 4[0-9][0-9] |closed$)' "a request line with no method or path: 4xx or closed"
printf 'GET /v1/models HTTP/1.1\r\nHost %s\r\n\r\n' "$SERVE_LISTEN" >"$T/bad2.req"
like "$("$PYTHON3" "$RAW" send "$SERVE_LISTEN" "$T/bad2.req")" \
    '^HTTP/1\.[01] 40[03] ' "a header line without a colon: 400, or 403 for want of a Host"
printf 'GET /v1/models HTTP/1.1\r\n\r\n' >"$T/bad3.req"
like "$("$PYTHON3" "$RAW" send "$SERVE_LISTEN" "$T/bad3.req")" \
    '^HTTP/1\.[01] 40[03] ' "HTTP/1.1 without a Host header: 400 or 403"
is "$(serve_requests | grep -c 'status=200')" 0 "none of them went upstream"
sc req --test-id after-bad
is "$(sc_get status)" 200 "a normal request after them is served"

# A client that stops in the middle of its headers is cut off after
# idle_timeout (1 s), and does not hold up anyone else meanwhile.
"$PYTHON3" "$RAW" slow "$SERVE_LISTEN" "$(( $(scaled_ms 20000) / 1000 ))" \
    >"$T/slow.out" &
slow=$!
sleep 0.2
t0=$(now_ms)
sc req --test-id while-slow
t1=$(now_ms)
is "$(sc_get status)" 200 "a request while a slow client holds a connection"
took=$((t1 - t0))
ok "$([ "$took" -lt "$(scaled_ms 1000)" ] && echo 0 || echo 1)" \
    "is not held up by it (${took} ms)"
wait "$slow"
like "$(cat "$T/slow.out")" '^[0-9]+\.[0-9]$' \
    "the slow client's connection was closed by the broker"
secs=$(cut -d. -f1 "$T/slow.out")
ok "$([ "${secs:-99}" -lt "$(( $(scaled_ms 10000) / 1000 ))" ] && echo 0 || echo 1)" \
    "within a few seconds of idle_timeout = 1s ($(cat "$T/slow.out") s)"

# max_requests = 3: a fourth request in flight is refused with 503.
mock_set chat '{"interval": 0.5}'
sc many --n 6 --stream --text "five words to stream slowly"
is "$SC_STATUS" 1 "six streams at once with max_requests = 3: some fail"
n503=$(serve_requests | grep -c 'status=503')
n200=$(serve_requests | grep -c 'status=200 .*bytes=[1-9]')
ok "$([ "$n503" -ge 1 ] && echo 0 || echo 1)" "503 for those over the limit ($n503)"
ok "$([ "$n200" -ge 3 ] && echo 0 || echo 1)" "while at least three stream through ($n200 in all)"
like "$(cat "$T/sc.out")" 'too many requests in flight' \
    "the 503 says why"
mock_set chat '{}'
sc req --test-id after-limit
is "$(sc_get status)" 200 "and once they are done, requests go through again"
serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

# The limits are checked.
for bad in 'max_requests = 0' 'max_requests = 99999' 'max_requests = -1' \
    'max_requests = 3x' 'idle_timeout = 0s' 'idle_timeout = 2h' \
    'idle_timeout = soon' 'max_body = 0' 'max_body = 1e6'; do
	printf '[default]\nbase_url = %s\n%s\n' "$SERVE_BASE" "$bad" \
	    >"$XDG_CONFIG_HOME/vtoken/config"
	vt serve
	is "$VT_STATUS" 3 "$bad: exit 3"
	like "$VT_ERR" "invalid ${bad%% *} " "saying which key"
done

done_testing
