#!/bin/sh
# t5300-exec: `vtoken exec` runs a command with the variables of env and
# the Google Cloud ones set, in its own place (exit status and signals are
# the command's), with vtoken's hardening undone; and `curl -H "$(vtoken
# header)"` reaches the mock's chat route with the minted token.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-exec@vt-test.iam.gserviceaccount.com
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-exec-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

# -- the variables ----------------------------------------------------------------

# shellcheck disable=SC2016 # expanded by the child's shell
vt exec -- sh -c 'echo "$OPENAI_API_KEY"'
vt_ok "exec -- sh -c 'echo \$OPENAI_API_KEY'"
is "$VT_OUT" "$(mock_issued)" "the child sees the minted token"
is "$VT_ERR" "" "nothing on stderr"

# shellcheck disable=SC2016
vt exec --location europe-west4 -- sh -c 'printf "%s\n" "$OPENAI_BASE_URL" "$GOOGLE_CLOUD_PROJECT" "$GOOGLE_CLOUD_LOCATION" "$VTOKEN_EXPIRES_AT"'
is "$(sed -n 1p "$T/out")" \
    https://europe-west4-aiplatform.googleapis.com/v1/projects/vt-exec-project/locations/europe-west4/endpoints/openapi \
    "OPENAI_BASE_URL is the Vertex URL"
is "$(sed -n 2p "$T/out")" vt-exec-project "GOOGLE_CLOUD_PROJECT"
is "$(sed -n 3p "$T/out")" europe-west4 "GOOGLE_CLOUD_LOCATION"
like "$(sed -n 4p "$T/out")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "VTOKEN_EXPIRES_AT in RFC 3339"

# shellcheck disable=SC2016
vt exec --base-url "$MOCK_URL/v1" -- sh -c 'echo "$OPENAI_BASE_URL"'
is "$VT_OUT" "$MOCK_URL/v1" "--base-url goes to OPENAI_BASE_URL, as with env"

# The profile's key_var and url_var name the variables, as for env.
mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nkey_var = MY_KEY\nurl_var = MY_URL\n' \
    >"$XDG_CONFIG_HOME/vtoken/config"
# shellcheck disable=SC2016
vt exec -- sh -c 'printf "%s|%s|%s\n" "$MY_KEY" "$MY_URL" "${OPENAI_API_KEY-unset}"'
vt_ok "exec with a profile's key_var and url_var"
like "$VT_OUT" "^$TOKEN_RE\|https://us-central1-aiplatform[^|]*/endpoints/openapi\|unset\$" \
    "the child gets MY_KEY and MY_URL, and no OPENAI_API_KEY"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# Without "--", vtoken's options end at the command's first word.
# shellcheck disable=SC2016
vt exec sh -c 'echo "$1 $2"' x -v --project
is "$VT_STATUS/$VT_OUT" "0/-v --project" "the command's own options are the command's"
vt exec -- -no-such-command
is "$VT_STATUS" 127 "after --, even a word starting with - is the command"

# Nothing but the environment carries the token.
# shellcheck disable=SC2016
vt exec -- sh -c 'cat /proc/$$/cmdline | tr "\0" " "'
unlike "$VT_OUT" 'ya29' "the token is not in the command line"

# -- it is the command ------------------------------------------------------------

vt exec -- sh -c 'exit 7'
is "$VT_STATUS" 7 "the command's exit status is vtoken's"
vt exec -- true
is "$VT_STATUS" 0 "exit 0 too"

# shellcheck disable=SC2016
"$VTOKEN" exec -- sh -c 'echo $$' >"$T/pid.out" 2>"$T/pid.err" &
pid=$!
wait "$pid"
is "$(cat "$T/pid.out")" "$pid" "vtoken is replaced by the command (same process)"

# shellcheck disable=SC2016
"$VTOKEN" exec -- sh -c 'kill -TERM $$' 2>/dev/null
is "$?" 143 "a signal that ends the command ends 'vtoken exec' (128+15)"
# shellcheck disable=SC2016
"$VTOKEN" exec -- sh -c 'kill -KILL $$' 2>/dev/null
is "$?" 137 "SIGKILL too"

# A signal sent to the pid the caller knows reaches the command itself.
# shellcheck disable=SC2016
"$VTOKEN" exec -- sh -c 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.05; done' \
    >"$T/sig.out" 2>&1 &
pid=$!
i=0
while ! grep -q ready "$T/sig.out" 2>/dev/null &&
    [ "$i" -lt "$(scaled_ms 200)" ]; do
	sleep 0.05 2>/dev/null || sleep 1
	i=$((i + 1))
done
kill -TERM "$pid"
wait "$pid"
is "$?/$(tail -n 1 "$T/sig.out")" "3/got TERM" "kill \$! signals the command, which handles it"

# -- vtoken's hardening is not inherited ------------------------------------------

is "$(umask 022; "$VTOKEN" exec -- sh -c umask)" "$(umask 022; sh -c umask)" \
    "the command gets the caller's umask, not 077"
if [ -r /proc/self/status ]; then
	is "$("$VTOKEN" exec -- grep SigIgn /proc/self/status)" \
	    "$(grep SigIgn /proc/self/status)" "nor SIGPIPE ignored"
else
	skip "no /proc"
fi
is "$("$VTOKEN" exec -- sh -c 'ulimit -c')" "$(sh -c 'ulimit -c')" \
    "nor the core size limit"

# -- failures -------------------------------------------------------------------------

vt exec -- vt-no-such-command arg
vt_fails 127 "a missing command is 127, as in a shell"
like "$VT_ERR" "vt-no-such-command.*not found" "and says so"
vt exec -- "$T/nowhere/cmd"
vt_fails 127 "a missing path is 127"
printf '#!/bin/sh\necho hi\n' >"$T/noexec"
chmod 644 "$T/noexec"
vt exec -- "$T/noexec"
vt_fails 126 "a file that is not executable is 126"
vt exec -- "$T"
vt_fails 126 "so is a directory"
vt exec
vt_fails 2 "no command is a usage error"
vt exec --
vt_fails 2 "nor is -- alone a command"

make_sa_file "$T/sa-noproj.json" "$SA" "$KEY" "$MOCK_URL/token"
n=$(mock_count /token)
vt exec --credentials "$T/sa-noproj.json" -- sh -c 'echo ran'
vt_fails 3 "no project: exit 3 (Vertex mode)"
is "$(mock_count /token)" "$n" "and nothing was minted"
unset GOOGLE_APPLICATION_CREDENTIALS
vt exec -- sh -c 'echo ran'
vt_fails 3 "no credentials: exit 3, and the command does not run"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

# -- the environment vtoken got, nothing more ----------------------------------

# vtoken finds the user's bus at $XDG_RUNTIME_DIR/bus (as under cron) and
# uses it for the keyring; the command must not inherit an address its
# environment never had.  The bus here accepts and never answers, so the
# keyring is given up and the file cache used.
"$PYTHON3" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
open(sys.argv[1] + ".ready", "w").close()
time.sleep(60)' "$XDG_RUNTIME_DIR/bus" 2>/dev/null &
bus_pid=$!
i=0
while [ ! -e "$XDG_RUNTIME_DIR/bus.ready" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
# shellcheck disable=SC2016
vt --cache auto -v exec -- sh -c 'echo "${DBUS_SESSION_BUS_ADDRESS-unset}"'
like "$VT_ERR" "keyring" "vtoken found the bus and tried the keyring"
is "$(tail -n 1 "$T/out")" unset \
    "the command does not inherit the bus address vtoken found"
kill "$bus_pid" 2>/dev/null
wait "$bus_pid" 2>/dev/null
rm -f "$XDG_RUNTIME_DIR/bus" "$XDG_RUNTIME_DIR/bus.ready"

# -- curl -H "$(vtoken header)" ---------------------------------------------------------

CHAT=$MOCK_URL/v1/projects/vt-exec-project/locations/us-central1/endpoints/openapi/chat/completions
BODY='{"model": "google/gemini-2.0-flash-001", "messages": [{"role": "user", "content": "hello curl"}]}'
status=$(curl -sS -o "$T/curl.out" -w '%{http_code}' -H "$("$VTOKEN" header)" \
    -H 'Content-Type: application/json' -d "$BODY" "$CHAT")
is "$status" 200 "curl -H \"\$(vtoken header)\" reaches the chat route"
is "$(json_get "$T/curl.out" choices.0.message.content)" "mock reply: hello curl" \
    "and gets the reply"
is "$(mock_get "/v1/projects/vt-exec-project/locations/us-central1/endpoints/openapi/chat/completions" headers.authorization)" \
    "Bearer $(mock_issued)" "with the minted token as Bearer"
status=$(curl -sS -o "$T/curl.out" -w '%{http_code}' \
    -H 'Authorization: Bearer ya29.not-minted' \
    -H 'Content-Type: application/json' -d "$BODY" "$CHAT")
is "$status" 401 "a token the mock did not mint is refused"

done_testing
