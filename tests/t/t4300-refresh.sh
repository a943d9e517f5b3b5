#!/bin/sh
# t4300-refresh: `vtoken refresh`, for cron and systemd timers.  One line
# on success (none with -q), --min-ttl 15m by default, --write-env and
# --write-token files (0600, parse in sh, rewritten only on change), --all
# over the config's profiles, and a failure is one line on stderr with the
# documented exit status.  Concurrent and killed runs leave no stale lock
# and no half-written file.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-refresh@vt-test.iam.gserviceaccount.com
SA2=vt-other@vt-test.iam.gserviceaccount.com
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'
CDIR=$XDG_CACHE_HOME/vtoken
CONF=$XDG_CONFIG_HOME/vtoken/config
VTOKEN_CACHE="file"
export VTOKEN_CACHE

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
mock_add_sa "$SA2" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
make_sa_file "$T/sa2.json" "$SA2" "$KEY" "$MOCK_URL/token"
mkdir -p "$(dirname "$CONF")"
cat >"$CONF" <<EOF
[default]
project = vt-refresh-project
credentials = $T/sa.json

[other]
project = vt-other-project
credentials = $T/sa2.json
EOF

# sourced FILE [CMD]: `. FILE` in a clean sh, then CMD (default: echo the
# token variable).
# shellcheck disable=SC2016 # expanded by the inner shell
sourced() {
	env -i PATH="$PATH" sh -c '. "$1" && eval "$2"' sh "$1" \
	    "${2:-echo \"\$OPENAI_API_KEY\"}"
}

inode_mtime() {
	stat -c '%i %Y' "$1"
}

# entry: the cache entry of the default profile's token.
entry() {
	echo "$CDIR/$CKEY.json"
}

# write_entry ISSUED EXPIRES TOKEN: a hand-written entry for it.
write_entry() {
	printf '{"version": 1, "key": "%s", "desc": "service_account %s", "scopes": "https://www.googleapis.com/auth/cloud-platform", "issued_at": %s, "expires_at": %s, "access_token": "%s"}\n' \
	    "$CKEY" "$SA" "$1" "$2" "$3" >"$(entry).new" &&
	    chmod 600 "$(entry).new" && mv -f "$(entry).new" "$(entry)"
}

# -- one line, or none --------------------------------------------------------

vt refresh
vt_ok "refresh"
like "$VT_OUT" "^profile 'default': service_account $SA, token valid until [0-9T:-]+Z \\((59|60) min\\)\$" \
    "prints one line: profile, credential, expiry"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "exactly one"
is "$VT_ERR" "" "nothing on stderr"
is "$(mock_count /token)" 1 "it minted"
set -- "$CDIR"/*.json
CKEY=$(basename "$1" .json)
[ -f "$(entry)" ]
ok $? "and cached the token"
vt token
is "$(mock_count /token)/$VT_OUT" "1/$(json_get "$(entry)" access_token)" \
    "which token then serves"

vt refresh -q
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "-q: exit 0, nothing printed"
vt refresh --quiet
is "$VT_STATUS/$VT_OUT/$VT_ERR/$(mock_count /token)" "0///1" \
    "--quiet: the same; nothing minted (59 min left)"

# -- --min-ttl: 15 min by default -------------------------------------------------

now=$(date +%s)
write_entry $((now - 2400)) $((now + 1200)) ya29.twenty-minutes
vt refresh -q
is "$VT_STATUS/$(mock_count /token)" 0/1 "20 min left: refresh leaves it"
write_entry $((now - 3000)) $((now + 600)) ya29.ten-minutes
vt token
is "$VT_OUT/$(mock_count /token)" ya29.ten-minutes/1 \
    "10 min left: token still serves it (5 min)"
vt refresh
vt_ok "10 min left"
is "$(mock_count /token)" 2 "refresh mints (15 min)"
like "$(json_get "$(entry)" access_token)" "^$TOKEN_RE\$" \
    "and caches the new token"
write_entry $((now - 3000)) $((now + 600)) ya29.ten-minutes
vt refresh -q --min-ttl 5m
is "$(mock_count /token)" 2 "--min-ttl 5m: 10 min is enough"
vt refresh -q --min-ttl 30m
is "$(mock_count /token)" 3 "--min-ttl 30m: minted"

# -- --write-env, --write-token -------------------------------------------------------

mkdir -p "$T/w"
vt refresh --write-env "$T/w/env"
vt_ok "refresh --write-env"
like "$VT_OUT" "; wrote variables '$T/w/env'\$" "says it wrote the file"
is "$(stat -c %a "$T/w/env")" 600 "mode 0600"
tok=$(json_get "$(entry)" access_token)
# shellcheck disable=SC2016 # expanded by the inner shell
got=$(sourced "$T/w/env" \
    'echo "$OPENAI_API_KEY $OPENAI_BASE_URL $VTOKEN_EXPIRES_AT"')
like "$got" "^$tok https://us-central1-aiplatform\\.googleapis\\.com/v1/projects/vt-refresh-project/locations/us-central1/endpoints/openapi [0-9T:-]+Z\$" \
    "the dotenv file parses in sh: token, base URL, expiry"
grep -q '^export ' "$T/w/env"
is $? 1 "dotenv: no export"
before=$(inode_mtime "$T/w/env")
sleep 1
vt refresh --write-env "$T/w/env"
like "$VT_OUT" "; unchanged variables '$T/w/env'\$" "the same token: unchanged"
is "$(inode_mtime "$T/w/env")" "$before" "not rewritten (inode and mtime)"

vt refresh --write-env "$T/w/env" --shell sh
like "$VT_OUT" "; wrote variables" "--shell sh: another content, written"
grep -q '^export OPENAI_API_KEY=' "$T/w/env"
ok $? "in sh syntax"
# shellcheck disable=SC2016 # expanded by the inner shell
got=$(sourced "$T/w/env" 'sh -c "echo \$OPENAI_API_KEY"')
is "$got" "$tok" "exported to children"
before=$(inode_mtime "$T/w/env")

# A new token: the file changes.
write_entry $((now - 3000)) $((now + 600)) ya29.ten-minutes
vt refresh --write-env "$T/w/env" --shell sh --write-token "$T/w/token"
vt_ok "a new token with --write-env and --write-token"
newtok=$(json_get "$(entry)" access_token)
[ "$newtok" != "$tok" ] && [ "$newtok" != ya29.ten-minutes ]
ok $? "one was minted"
[ "$(inode_mtime "$T/w/env")" != "$before" ]
ok $? "the variables file is replaced"
got=$(sourced "$T/w/env")
is "$got" "$newtok" "with the new token"
is "$(cat "$T/w/token")" "$newtok" "--write-token: the bare token"
is "$(wc -l <"$T/w/token" | tr -d ' ')" 1 "on one line"
is "$(stat -c %a "$T/w/token")" 600 "mode 0600"
like "$VT_OUT" "; wrote variables '$T/w/env'; wrote token '$T/w/token'\$" \
    "the line says what was written"
before=$(inode_mtime "$T/w/token")
vt refresh --write-token "$T/w/token"
like "$VT_OUT" "unchanged token" "the same token: unchanged"
is "$(inode_mtime "$T/w/token")" "$before" "not rewritten"
chmod 644 "$T/w/token"
vt refresh --write-token "$T/w/token"
is "$(stat -c %a "$T/w/token")" 600 "a token file others can read is rewritten 0600"
set -- "$T"/w/*
is "$#" 2 "no temporary file left beside them"

# Without the cache, both files still get one and the same token.
n=$(mock_count /token)
vt refresh --no-cache --write-env "$T/w/env2" --write-token "$T/w/token2"
vt_ok "refresh --no-cache --write-env --write-token"
got=$(sourced "$T/w/env2")
is "$got" "$(cat "$T/w/token2")" "both files hold the same token"
is "$(mock_count /token)" $((n + 1)) "one request"

vt refresh --write-env "$T/nonexistent/dir/env"
vt_fails 3 "an unwritable --write-env file: exit 3, one line"
like "$VT_ERR" "cannot write the variables to '$T/nonexistent/dir/env'" \
    "saying which file"

# -- usage errors -------------------------------------------------------------------

vt refresh --all --write-env "$T/w/env"
vt_fails 2 "--all with --write-env is a usage error"
vt refresh --all --write-token "$T/w/token"
vt_fails 2 "--all with --write-token too"
vt refresh --shell sh
vt_fails 2 "--shell without --write-env"
vt refresh --write-env "$T/w/env" --shell klingon
vt_fails 2 "an unknown shell"

# -- --all ------------------------------------------------------------------------------

n=$(mock_count /token)
vt refresh --all
vt_ok "refresh --all"
like "$VT_OUT" "^profile 'default': service_account $SA," "the default profile"
like "$VT_OUT" "^profile 'other': service_account $SA2," "and the other"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "one line each"
is "$(mock_count /token)" $((n + 1)) "one mint (default was cached)"
vt refresh --all -q
is "$VT_STATUS/$VT_OUT/$VT_ERR/$(mock_count /token)" "0///$((n + 1))" \
    "--all -q: nothing to do, nothing printed"

cat >>"$CONF" <<EOF

[broken]
project = vt-broken-project
credentials = $T/missing.json

[rejected]
project = vt-rejected-project
credentials = $T/sa3.json
EOF
make_sa_file "$T/sa3.json" vt-unknown@vt-test.iam.gserviceaccount.com "$KEY" \
    "$MOCK_URL/token"
vt refresh --all
is "$VT_STATUS" 3 "--all with failing profiles: the first failure's status"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "the good profiles are refreshed"
like "$VT_ERR" "^vtoken: profile 'broken': .*missing\\.json" \
    "one line for the missing credential file"
like "$VT_ERR" "^vtoken: profile 'rejected': " \
    "one line for the rejected credential"
like "$VT_ERR" "^vtoken: 2 of 4 profiles could not be refreshed" \
    "and a summary"
is "$(wc -l <"$T/err" | tr -d ' ')" 3 "three lines in all"
vt refresh --all -q
is "$VT_STATUS/$VT_OUT/$(wc -l <"$T/err" | tr -d ' ')" 3//3 \
    "-q: still the failures on stderr"
vt refresh --profile rejected
vt_fails 4 "refresh of a rejected credential: exit 4, one line"
vt refresh --profile broken
vt_fails 3 "refresh of a missing credential file: exit 3, one line"

# -- failures cron can mail -----------------------------------------------------

rm -f "$(entry)"
mock_fault '{"reply":"invalid_grant"}'
vt refresh --write-env "$T/w/env3"
vt_fails 4 "invalid_grant: exit 4, one line on stderr"
[ ! -e "$T/w/env3" ]
ok $? "no file written"
mock_fault '{"status":503}'
vt refresh -q --timeout 1
vt_fails 5 "the service failing, nothing cached: exit 5, one line, even with -q"
mock_fault_clear

# -- concurrent and killed runs -------------------------------------------------

rm -f "$(entry)" "$T/w/env"
mock_log_clear
mock_fault '{"delay":0.3}'
i=0
pids=
while [ $i -lt 10 ]; do
	"$VTOKEN" refresh -q --write-env "$T/w/env" >"$T/c.$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # a list of process ids
wait $pids
is "$(cat "$T"/c.*.out)" "" "10 concurrent refresh runs print nothing"
is "$(mock_count /token)" 1 "and mint once"
got=$(sourced "$T/w/env")
is "$got" "$(json_get "$(entry)" access_token)" "the file holds the cached token"
set -- "$T"/w/env*
is "$*" "$T/w/env $T/w/env2" "no temporary file left"

# A run killed while it holds the lock (the mock answers late).
rm -f "$(entry)"
mock_fault '{"delay":20}'
"$VTOKEN" refresh -q --write-env "$T/w/env" >/dev/null 2>&1 &
pid=$!
# Wait (bounded) until the run holds the lock.
"$PYTHON3" - "$XDG_RUNTIME_DIR/vtoken/$CKEY.lock" "$(scaled_ms 5000)" <<'EOF'
import fcntl, os, sys, time
end = time.monotonic() + int(sys.argv[2]) / 1000
while time.monotonic() < end:
    try:
        fd = os.open(sys.argv[1], os.O_RDONLY)
    except FileNotFoundError:
        time.sleep(0.02)
        continue
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except BlockingIOError:
        sys.exit(0)
    finally:
        os.close(fd)
    time.sleep(0.02)
sys.exit(1)
EOF
ok $? "the run holds its lock, under \$XDG_RUNTIME_DIR/vtoken"
kill -9 "$pid"
wait "$pid" 2>/dev/null
mock_fault_clear
vt refresh -q --write-env "$T/w/env"
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "after a kill -9 holding the lock, the next run works"
within 2000 "at once: the lock died with its holder"
got=$(sourced "$T/w/env")
is "$got" "$(json_get "$(entry)" access_token)" "and writes the new token"
set -- "$T"/w/env*
is "$*" "$T/w/env $T/w/env2" "no temporary file left"

# -- a planted identity cannot forge lines ---------------------------------------

# The report line quotes the credential's identity, which comes from a
# file: a terminal escape or newline in it is shown escaped, as status does.
ESA=$(printf 'vt-esc\033]0;owned\007@vt-test.iam.gserviceaccount.com')
mock_add_sa "$ESA" "$KEY"
make_sa_file "$T/esc.json" "$ESA" "$KEY" "$MOCK_URL/token"
vt --credentials "$T/esc.json" refresh --no-cache
vt_ok "refresh with an identity holding a terminal escape"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "one line"
! grep -q "$(printf '\033')" "$T/out"
ok $? "with no escape character in it"
like "$VT_OUT" 'vt-esc\\x1b\]0;owned\\x07@' "shown escaped"

done_testing
