#!/bin/sh
# t6045-serve-exec: `vtoken exec --serve -- CMD` runs CMD with a private
# broker (free port, fresh key, no state file): CMD gets OPENAI_API_KEY
# and OPENAI_BASE_URL for it, vtoken's exit status is CMD's, nothing of
# the broker remains afterwards, and SIGTERM or SIGHUP to vtoken reaches
# CMD.  The openai npm package runs through it unchanged.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup
SC=$VT_SRCDIR/tests/mock/serveclient.py
# Every process of these runs carries this in its environment, so that
# one left behind can be found.
VT_EXEC_MARK=vt-exec-mark-$$
export VT_EXEC_MARK

# leftovers: the processes (pid and command line) whose environment has
# VT_EXEC_MARK: started by this script since the mark was set, and still
# there.  (The script's own shells were started before it: they lack it.)
leftovers() {
	"$PYTHON3" -c 'import os, sys
me = os.getpid()
mark = ("VT_EXEC_MARK=" + sys.argv[1]).encode()
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) == me:
        continue
    try:
        env = open("/proc/%s/environ" % p, "rb").read().split(b"\0")
        cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ")
    except OSError:
        continue
    if mark in env:
        print(p, cmd.decode(errors="replace"))' "$VT_EXEC_MARK"
}

# shellcheck disable=SC2016 # expanded by the child's shell
vt exec --serve --base-url "$SERVE_BASE" -- sh -c 'printf "%s\n%s\n" "$OPENAI_API_KEY" "$OPENAI_BASE_URL"'
vt_ok "exec --serve -- sh -c 'echo the variables'"
like "$(sed -n 1p "$T/out")" '^vtk-[A-Za-z0-9_-]{43}$' "OPENAI_API_KEY is a local key"
like "$(sed -n 2p "$T/out")" '^http://127\.0\.0\.1:[0-9]+/v1$' "OPENAI_BASE_URL is a loopback broker"
first_key=$(sed -n 1p "$T/out")
url=$(sed -n 2p "$T/out")
ls -A "$XDG_RUNTIME_DIR/vtoken" 2>/dev/null | grep 'serve-.*\.json' >"$T/state"
is "$(cat "$T/state")" "" "no state file was written"

vt exec --serve --base-url "$SERVE_BASE" -- sh -c 'echo "$OPENAI_API_KEY"'
[ "$VT_OUT" != "$first_key" ]
ok $? "each run has a fresh key"

# The broker's key never expires: an expiry from an outer env or exec is
# not passed on.
(
	VTOKEN_EXPIRES_AT=2020-01-01T00:00:00Z
	export VTOKEN_EXPIRES_AT
	vt exec --serve --base-url "$SERVE_BASE" -- \
	    sh -c 'echo "${VTOKEN_EXPIRES_AT-unset}"'
)
is "$(cat "$T/out")" unset "an inherited VTOKEN_EXPIRES_AT is removed"

# Ctrl-C on a terminal reaches the whole foreground process group, the
# command included: vtoken does not send it a second one.
"$PYTHON3" - "$VTOKEN" "$SERVE_BASE" "$PYTHON3" >"$T/ctrlc" 2>&1 <<'PY'
import os, pty, select, sys, time
child = r"""
import signal, sys, time
n = 0
def on_int(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGINT, on_int)
print("ready", flush=True)
end = time.monotonic() + 1.5
while time.monotonic() < end:
    time.sleep(0.05)
print("sigint=%d" % n, flush=True)
"""
try:
    pid, fd = pty.fork()
except OSError as e:
    print("no pty: %s" % e)
    sys.exit(0)
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "exec", "--serve", "--base-url",
                           sys.argv[2], "--", sys.argv[3], "-c", child])
out = b""
sent = False
end = time.monotonic() + 60
while time.monotonic() < end:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b"ready" in out:
        os.write(fd, b"\x03")      # the terminal's INTR character
        sent = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("status=%d" % os.waitstatus_to_exitcode(st))
PY
if grep -q '^no pty' "$T/ctrlc"; then
	skip "$(cat "$T/ctrlc")" 2
else
	like "$(cat "$T/ctrlc")" 'sigint=1' "Ctrl-C: the command gets one SIGINT" ||
	    diag "$(cat "$T/ctrlc")"
	like "$(cat "$T/ctrlc")" 'status=0' "and vtoken exits with its status, 0"
fi

"$PYTHON3" -c 'import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.socket()
try:
    s.connect((u.hostname, u.port))
except OSError:
    sys.exit(0)
sys.exit(1)' "$url"
ok $? "after it, nothing listens on the broker's port"

vt exec --serve --base-url "$SERVE_BASE" -- "$PYTHON3" "$SC" req --text "from exec"
is "$VT_STATUS" 0 "a client under exec --serve: exit 0"
printf '%s\n' "$VT_OUT" >"$T/sc.out"
is "$(sc_get status)" 200 "its request through the private broker: 200"
like "$(sc_get body)" 'mock reply: from exec' "with the mock's reply"
is "$(mock_get "$SERVE_CHAT" headers.authorization)" "Bearer $(mock_issued)" \
    "upstream it carried the minted token"

vt exec --serve --base-url "$SERVE_BASE" -- sh -c 'exit 7'
is "$VT_STATUS" 7 "exit status 7 is vtoken's"
vt exec --serve --base-url "$SERVE_BASE" -- false
is "$VT_STATUS" 1 "exit status 1 too"
vt exec --serve --base-url "$SERVE_BASE" -- "$T/no-such-command"
is "$VT_STATUS" 127 "a missing command: 127"
sleep 0.2
is "$(leftovers)" "" "no broker or child process remains"
is "$(ls -A "$XDG_RUNTIME_DIR/vtoken" 2>/dev/null | grep 'serve-.*\.json')" "" \
    "and no state file"

# -- signals ----------------------------------------------------------------------------

for sig in TERM HUP; do
	rm -f "$T/ready" "$T/got"
	# shellcheck disable=SC2016
	"$VTOKEN" exec --serve --base-url "$SERVE_BASE" -- sh -c '
	    trap "echo $1 >\"$2/got\"; exit 42" '"$sig"'
	    echo ready >"$2/ready"
	    while :; do sleep 0.05; done' sh "$sig" "$T" \
	    >"$T/sig.out" 2>"$T/sig.err" &
	pid=$!
	vt_end=$(($(now_ms) + $(scaled_ms 10000)))
	while [ ! -s "$T/ready" ] && [ "$(now_ms)" -lt "$vt_end" ]; do
		sleep 0.05
	done
	kill "-$sig" "$pid"
	serve_gone "$pid"
	ok $? "SIG$sig to vtoken: it exits"
	wait "$pid"
	is "$?" 42 "with the child's status (it handled SIG$sig)"
	is "$(cat "$T/got" 2>/dev/null)" "$sig" "the child got SIG$sig"
done
sleep 0.2
is "$(leftovers)" "" "no process remains after the signals"

# -- the openai npm package --------------------------------------------------------------

node_missing=$(npm_missing openai)
if [ -n "$node_missing" ] && [ "${CI-}" = true ]; then
	fail "$node_missing, and CI must have it"
elif [ -n "$node_missing" ]; then
	skip "$node_missing" 4
else
	NODE_PATH=$VT_NODE_MODULES
	export NODE_PATH
	JS=$VT_SRCDIR/tests/mock/openai-chat.js
	vt exec --serve --base-url "$SERVE_BASE" -- node "$JS" plain "node under exec"
	is "$VT_STATUS/$VT_OUT" "0/mock reply: node under exec" \
	    "exec --serve -- node (openai, plain)"
	vt exec --serve --base-url "$SERVE_BASE" -- node "$JS" stream "node streams under exec"
	is "$(sed -n 1p "$T/out")" "mock reply: node streams under exec" \
	    "exec --serve -- node (openai, streaming)"
	# A client error is the client's exit status: a 404 path.
	vt exec --serve --base-url "$SERVE_BASE" -- sh -c \
	    'OPENAI_BASE_URL=${OPENAI_BASE_URL%/v1}/nope exec node "$1" plain x' sh "$JS"
	is "$VT_STATUS" 1 "the client's failure (exit 1) is vtoken's exit status"
	like "$VT_ERR" 'error: 404' "(the client saw the broker's 404)"
fi

done_testing
