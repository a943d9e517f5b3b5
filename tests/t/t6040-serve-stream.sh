#!/bin/sh
# t6040-serve-stream: streaming and load.  SSE events the mock sends 300 ms
# apart reach the client within 50 ms of being sent (x VT_TIME_SCALE);
# 256 concurrent streaming requests through one broker all complete, with
# one token mint; 200 idle connections opened first do not delay a normal
# request by more than 100 ms (x VT_TIME_SCALE); SIGTERM during a
# streaming response lets it complete, then the broker exits 0.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup
# A cache of its own, so that the broker's one mint is the only one.
XDG_CACHE_HOME=$T/cache/serve
mkdir -p "$XDG_CACHE_HOME"

serve_start --base-url "$SERVE_BASE" || bail_out "the broker did not start"
serve_env

# -- not buffered ---------------------------------------------------------------------

mock_set chat '{"interval": 0.3}'
sc req --stream --text "one two three four five six"
is "$(sc_get status)/$(sc_get "done")" 200/true "a paced stream (events 300 ms apart) completes"
"$PYTHON3" - "$T/sc.out" >"$T/pace" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
late = [int((e["recv"] - e["sent"]) * 1000) for e in ev if e["sent"]]
print(len(ev), max(late) if late else -1, " ".join(map(str, late)))
EOF
read -r n late all <"$T/pace"
is "$n" 10 "10 events (role, 8 words, stop)"
took_less "$late" 50 "each reached the client within 50 ms of the mock sending it (worst)"
diag "per event, ms after sending: $all"

# -- 256 streams at once, one mint ----------------------------------------------------

mock_set chat '{"interval": 0.1}'
mints=$(mock_count /token)
sc many --n 256 --stream --timeout 120
is "$SC_STATUS" 0 "256 concurrent streaming requests all complete" ||
    diag "$(cut -c1-2000 "$T/sc.out")"
is "$(sc_get ok)" 256 "every one with its whole reply"
is "$(mock_count /token)" "$mints" "no mint for them (the token was fresh)"
is "$(mock_count /token)" 1 "one mint in the broker's life"
is "$("$PYTHON3" "$MOCKCTL" chat-summary "$MOCK_LOG" | "$PYTHON3" -c \
    'import json,sys; print(json.load(sys.stdin)["invalid"])')" 0 \
    "every upstream request carried a valid token"

# -- idle connections ----------------------------------------------------------------

mock_set chat '{}'
sc idle --n 200 --repeat 5
is "$SC_STATUS" 0 "200 idle connections opened, requests still served" ||
    diag "$(cut -c1-1000 "$T/sc.out")"
base=$(sc_get baseline_ms | cut -d. -f1)
idle=$(sc_get idle_ms | cut -d. -f1)
took_less $((idle - base)) 100 "with them open, a request takes at most 100 ms longer (median $idle ms, $base ms before)"
is "$(sc_get opened)" 200 "all 200 were accepted"

# -- upstream connections are reused --------------------------------------------------

# Five requests one after the other, each on a new client connection:
# upstream, the broker keeps one connection open and reuses it.
for i in 1 2 3 4 5; do
	sc req --test-id reuse$i
done
ports=$(for i in 1 2 3 4 5; do
	"$PYTHON3" "$MOCKCTL" where "$MOCK_LOG" headers.x-vt-test "reuse$i" client_port
done | sort -u)
is "$(printf '%s\n' "$ports" | grep -c .)" 1 \
    "five requests in turn reached the mock on one connection (port $ports)"

# -- SIGTERM during a stream -------------------------------------------------------------

mock_set chat '{"interval": 0.3}'
mock_log_clear
sc req --stream --text "the broker is stopping now" --test-id term &
cpid=$!
vt_end=$(($(now_ms) + $(scaled_ms 10000)))
while [ "$(mock_count "$SERVE_CHAT")" -lt 1 ] && [ "$(now_ms)" -lt "$vt_end" ]; do
	sleep 0.05
done
sleep 0.3
pid=$SERVE_PID
kill -TERM "$pid"
sleep 0.3
# New connections are not accepted once it drains.
"$PYTHON3" "$VT_SRCDIR/tests/mock/serveclient.py" req --text late --timeout 5 \
    >"$T/late.out" 2>&1
wait "$cpid"
is "$(sc_get status)/$(sc_get "done")" 200/true "SIGTERM mid-stream: the stream completes"
is "$(sc_get content)" "mock reply: the broker is stopping now" "whole"
unlike "$(json_get "$T/late.out" status)" '^200$' "a request after SIGTERM is not served"
serve_gone "$pid"
ok $? "then the broker exits"
wait "$pid"
is "$?" 0 "with status 0"
SERVE_PID=
[ ! -e "$SERVE_STATE" ]
ok $? "and its state file is gone"

done_testing
