#!/bin/sh
# t4000-cache-file: the file backend of the token cache.  A second call is
# served from $XDG_CACHE_HOME/vtoken/ without asking the mock; the
# directory is 0700 and entries 0600; symlinked, corrupt, foreign and
# public entries are ignored and replaced; a directory others can write to
# is refused with a warning; kill -9 during writes leaves a usable cache;
# --min-ttl (with the half-life cap) decides reuse and an expired token is
# never served; cache list, cache clear and status.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-cache@vt-test.iam.gserviceaccount.com
TOKEN_RE='^ya29\.mock-[0-9]+-[A-Za-z0-9_-]+$'
CDIR=$XDG_CACHE_HOME/vtoken

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

mode_of() {
	stat -c %a "$1"
}

# entry: the path of the one cache entry (after a first run).
entry() {
	echo "$CDIR/$CKEY.json"
}

# write_entry ISSUED EXPIRES TOKEN [PATH [KEY]]: a hand-written entry,
# mode 0600, as the file backend writes them.
write_entry() {
	we_path=${4:-$(entry)}
	printf '{"version": 1, "key": "%s", "desc": "service_account %s", "scopes": "https://www.googleapis.com/auth/cloud-platform", "issued_at": %s, "expires_at": %s, "access_token": "%s"}\n' \
	    "${5:-$CKEY}" "$SA" "$1" "$2" "$3" >"$we_path.new" &&
	    chmod 600 "$we_path.new" && mv -f "$we_path.new" "$we_path"
}

# cached: the token in the entry, or nothing.
cached() {
	json_get "$(entry)" access_token 2>/dev/null
}

# -- a second call is a hit -----------------------------------------------------

vt token --cache file
vt_ok "token --cache file mints on a cold cache"
like "$VT_OUT" "$TOKEN_RE" "and prints a token"
first=$VT_OUT
is "$(mock_count /token)" 1 "one request to the mock"
is "$VT_ERR" "" "nothing on stderr"
is "$(mode_of "$CDIR")" 700 "the cache directory is 0700"
set -- "$CDIR"/*.json
is "$#" 1 "one entry"
CKEY=$(basename "$1" .json)
like "$CKEY" '^[0-9a-f]{64}$' "named by a 64-hex-digit key"
is "$(mode_of "$(entry)")" 600 "the entry is 0600"
is "$(cached)" "$first" "it holds the token"
is "$(json_get "$(entry)" key)" "$CKEY" "and its key"

vt token --cache file
vt_ok "the second call"
is "$VT_OUT" "$first" "prints the same token"
is "$(mock_count /token)" 1 "without a request to the mock"
within 2000 "and quickly"

VTOKEN_CACHE="file" vt token
is "$VT_OUT/$(mock_count /token)" "$first/1" "VTOKEN_CACHE=file: a hit"
if [ -S "/run/user/$(id -u)/bus" ]; then
	skip "this machine has a user bus at /run/user/$(id -u)/bus"
else
	vt token
	is "$VT_OUT/$(mock_count /token)" "$first/1" \
	    "auto with no session bus uses the file cache"
fi

vt token --cache file --no-cache
vt_ok "--no-cache"
is "$(mock_count /token)" 2 "--no-cache mints"
isnt_first=$VT_OUT
[ "$isnt_first" != "$first" ]
ok $? "a new token"
is "$(cached)" "$first" "--no-cache does not write the cache either"

vt token --cache none
vt_ok "--cache none"
is "$(mock_count /token)" 3 "--cache none mints"
VTOKEN_CACHE=none vt token
is "$(mock_count /token)" 4 "VTOKEN_CACHE=none mints"
VTOKEN_CACHE=none vt token --cache file
is "$VT_OUT/$(mock_count /token)" "$first/4" "--cache beats VTOKEN_CACHE"

# -- entries not to trust ---------------------------------------------------------

now=$(date +%s)
mock_log_clear

# A symlink to a valid-looking entry: not followed, replaced.
write_entry "$now" $((now + 3000)) ya29.decoy-via-symlink "$T/decoy.json"
rm -f "$(entry)"
ln -s "$T/decoy.json" "$(entry)"
vt token --cache file
vt_ok "a symlinked entry is not fatal"
[ "$VT_OUT" != ya29.decoy-via-symlink ]
ok $? "the entry it points at is not used"
like "$VT_OUT" "$TOKEN_RE" "a token from the mock instead"
is "$(mock_count /token)" 1 "which minted it"
like "$VT_ERR" 'symbolic link' "a warning says it is a symlink"
[ -f "$(entry)" ] && [ ! -L "$(entry)" ]
ok $? "the symlink is replaced by a regular file"
is "$(cached)" "$VT_OUT" "holding the new token"
is "$(json_get "$T/decoy.json" access_token)" ya29.decoy-via-symlink \
    "the file it pointed at is untouched"

# Corrupt entries: dropped and replaced, never fatal.
n=1
check_replaced() {
	vt token --cache file
	n=$((n + 1))
	if [ "$VT_STATUS" -eq 0 ] && printf '%s\n' "$VT_OUT" |
	    grep -Eq "$TOKEN_RE" && [ "$(mock_count /token)" -eq "$n" ] &&
	    [ "$(cached)" = "$VT_OUT" ] && [ "$(mode_of "$(entry)")" = 600 ]
	then
		pass "$1: minted, replaced"
	else
		fail "$1: minted, replaced"
		vt_report
	fi
	vt token --cache file
	is "$VT_OUT/$(mock_count /token)" "$(cached)/$n" "$1: then a hit"
}
printf 'garbage \001\002 not json\n' >"$(entry)"
check_replaced "garbage"
head -c 60 "$(entry)" >"$T/trunc" && cat "$T/trunc" >"$(entry)"
check_replaced "truncated JSON"
: >"$(entry)"
check_replaced "an empty file"
# shellcheck disable=SC2016 # a command substitution, not to run
write_entry "$now" $((now + 3000)) 'ya29.bad token;$(touch pwned)'
check_replaced "invalid token characters"
[ ! -e "$T/pwned" ] && [ ! -e pwned ]
ok $? "nothing ran"
write_entry "$now" $((now + 3000)) ya29.other-key "" \
    0000000000000000000000000000000000000000000000000000000000000000
check_replaced "a key mismatch"
write_entry $((now + 100)) $((now + 50)) ya29.backwards
check_replaced "expires before it was issued"
printf '[1, 2, 3]\n' >"$(entry)"
check_replaced "JSON that is not an object"
write_entry "$now" $((now + 3000)) ya29.trailing
echo '{}' >>"$(entry)"
check_replaced "trailing data"
unlike "$VT_ERR" '^vtoken: .*(error|cannot)' "no error"

# Foreign or public entries: ignored, replaced.
write_entry "$now" $((now + 3000)) ya29.owned-by-nobody
if chown nobody "$(entry)" 2>/dev/null; then
	vt token --cache file
	n=$((n + 1))
	[ "$VT_STATUS" -eq 0 ] && [ "$VT_OUT" != ya29.owned-by-nobody ]
	ok $? "an entry owned by another user is not used"
	is "$(mock_count /token)" "$n" "a new token is minted"
	like "$VT_ERR" 'not a private file of yours' "with a warning"
	is "$(stat -c %u "$(entry)")/$(cached)" "$(id -u)/$VT_OUT" \
	    "and replaced by one of ours"
else
	skip "chown needs root" 4
fi
write_entry "$now" $((now + 3000)) ya29.world-readable
chmod 644 "$(entry)"
vt token --cache file
n=$((n + 1))
[ "$VT_STATUS" -eq 0 ] && [ "$VT_OUT" != ya29.world-readable ]
ok $? "an entry of mode 0644 is not used"
is "$(mock_count /token)" "$n" "a new token is minted"
is "$(mode_of "$(entry)")/$(cached)" "600/$VT_OUT" "and replaced, 0600"

# A cache directory others may write to: refused, the token still printed.
chmod 777 "$CDIR"
vt token --cache file
n=$((n + 1))
vt_ok "a world-writable cache directory is not fatal"
like "$VT_OUT" "$TOKEN_RE" "the token is printed"
is "$(mock_count /token)" "$n" "minted, not read from the directory"
like "$VT_ERR" "cache directory '$CDIR' is writable by others; run 'chmod 700" \
    "a warning says what is wrong and what to do"
vt token --cache file
n=$((n + 1))
is "$(mock_count /token)" "$n" "and nothing is cached there"
chmod 770 "$CDIR"
vt token --cache file
n=$((n + 1))
like "$VT_ERR" 'writable by others' "group-writable: refused too"
is "$(mock_count /token)" "$n" "and minted"
chmod 700 "$CDIR"

# Ours and only readable by others (0755): made private, and used.
chmod 755 "$CDIR"
vt token --cache file -v
vt_ok "a 0755 cache directory of ours is used"
is "$(mode_of "$CDIR")" 700 "and made 0700"
like "$VT_ERR" "was mode 755; made it 0700" "-v says so"

# A cache directory that is a symlink: refused.
mv "$CDIR" "$T/realcache"
ln -s "$T/realcache" "$CDIR"
vt token --cache file
n=$((n + 1))
vt_ok "a symlinked cache directory is not fatal"
like "$VT_ERR" 'symbolic link' "a warning says so"
is "$(mock_count /token)" "$n" "the token is minted"
rm -f "$CDIR"
rm -rf "$T/realcache"

# -- kill -9 at random moments ---------------------------------------------------

# Each run finds no entry, mints and writes one; each is killed after a
# random 0-60 ms.  Whatever is left must be a whole entry or none.
mkdir -p "$T/kill"
delays=$(awk 'BEGIN { srand(); for (i = 0; i < 30; i++)
    printf "%.3f\n", rand() * 0.06 }')
i=0
for d in $delays; do
	rm -f "$(entry)"
	"$VTOKEN" token --cache file >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	i=$((i + 1))
	[ -e "$(entry)" ] && cp "$(entry)" "$T/kill/$i.json"
done
"$PYTHON3" - "$T/kill" <<'EOF' >"$T/kill.out"
import json, os, re, sys
d = sys.argv[1]
bad = 0
for name in sorted(os.listdir(d)):
    try:
        with open(os.path.join(d, name)) as f:
            e = json.load(f)
        assert re.match(r"^ya29\.mock-[0-9]+-[A-Za-z0-9_-]+$", e["access_token"])
        assert e["expires_at"] > e["issued_at"] > 0
    except Exception as ex:
        print("bad", name, ex)
        bad += 1
print("whole", len(os.listdir(d)) - bad, "bad", bad)
EOF
like "$(cat "$T/kill.out")" '^whole [0-9]+ bad 0$' \
    "every entry a killed run left is whole ($(tail -n 1 "$T/kill.out"))"
diag "$(find "$CDIR" | wc -l) names in the cache directory after the kills"
vt token --cache file
vt_ok "after 30 runs killed with SIGKILL, the next call works"
like "$VT_OUT" "$TOKEN_RE" "and prints a token"
unlike "$VT_ERR" 'parse|cannot' "no complaint about the cache"
vt token --cache file
is "$VT_OUT" "$(cached)" "the cache is usable afterwards"
got=$(mock_count /token)
vt token --cache file
is "$(mock_count /token)" "$got" "a hit"
vt cache list --cache file
is "$(printf '%s\n' "$VT_OUT" | grep -c .)" 1 "cache list shows one entry"

# -- expiry and --min-ttl ---------------------------------------------------------

rm -f "$(entry)"
mock_log_clear
mock_set expires_in 120
vt token --cache file
vt_ok "a short-lived token (expires_in 120)"
short=$VT_OUT
exp=$(json_get "$(entry)" expires_at)
iat=$(json_get "$(entry)" issued_at)
life=$((exp - iat))
[ "$life" -ge 110 ] && [ "$life" -le 120 ]
ok $? "is cached with its own lifetime ($life s)"
vt token --cache file
is "$VT_OUT/$(mock_count /token)" "$short/1" \
    "reused though it has less than --min-ttl 5m left (half its life)"
vt token --cache file --min-ttl 10m
is "$(mock_count /token)" 1 "--min-ttl 10m: still half its life decides"
mock_set expires_in 3599

now=$(date +%s)
# An hour's token with 10 min left.
write_entry $((now - 3000)) $((now + 600)) ya29.ten-minutes-left
vt token --cache file
is "$VT_OUT/$(mock_count /token)" "ya29.ten-minutes-left/1" \
    "10 min left, default --min-ttl 5m: served"
vt token --cache file --min-ttl 8m
is "$VT_OUT/$(mock_count /token)" "ya29.ten-minutes-left/1" \
    "--min-ttl 8m: served"
vt env --cache file --shell sh --project vt-test-project
like "$VT_OUT" 'ya29\.mock-' "env asks for 30 min: it mints"
is "$(mock_count /token)" 2 "one request"
write_entry $((now - 3000)) $((now + 600)) ya29.ten-minutes-left
vt token --cache file --min-ttl 15m
vt_ok "--min-ttl 15m"
[ "$VT_OUT" != ya29.ten-minutes-left ]
ok $? "--min-ttl 15m: 10 min left is not enough"
is "$(mock_count /token)" 3 "it mints"
is "$(cached)" "$VT_OUT" "and replaces the entry"

# A 6-minute token with 4 left: half its life (3 min) caps --min-ttl 5m.
write_entry $((now - 120)) $((now + 240)) ya29.short-lived
vt token --cache file
is "$VT_OUT/$(mock_count /token)" "ya29.short-lived/3" \
    "a 6 min token with 4 min left: served under --min-ttl 5m"
write_entry $((now - 240)) $((now + 120)) ya29.short-lived-late
vt token --cache file
[ "$VT_OUT" != ya29.short-lived-late ] && [ "$(mock_count /token)" -eq 4 ]
ok $? "with 2 min left (less than half): minted"

# --min-ttl 0: anything not expired.
write_entry $((now - 3580)) $((now + 20)) ya29.twenty-seconds
vt token --cache file --min-ttl 0
is "$VT_OUT/$(mock_count /token)" "ya29.twenty-seconds/4" \
    "--min-ttl 0: 20 s left is enough"
vt token --cache file
[ "$VT_OUT" != ya29.twenty-seconds ] && [ "$(mock_count /token)" -eq 5 ]
ok $? "the default is not"

# Expired: never served.
write_entry $((now - 3700)) $((now - 100)) ya29.expired
vt token --cache file --min-ttl 0
vt_ok "an expired entry"
[ "$VT_OUT" != ya29.expired ] && [ "$(mock_count /token)" -eq 6 ]
ok $? "is never served, even with --min-ttl 0"
write_entry $((now - 3600)) "$now" ya29.expiring-now
vt token --cache file --min-ttl 0
[ "$VT_OUT" != ya29.expiring-now ] && [ "$(mock_count /token)" -eq 7 ]
ok $? "nor one expiring this second"

# -- cache list, cache clear, status ---------------------------------------------

tok=$(cached)
vt cache list --cache file
vt_ok "cache list"
like "$VT_OUT" "^file +$(printf %.12s "$CKEY") +[0-9T:-]+Z +[0-9]+m[0-9]{2}s left +service_account $SA\$" \
    "one line: backend, key, expiry, time left, credential"
unlike "$VT_OUT" 'ya29' "never the token"
vt cache list --json
vt_ok "cache list --json"
cp "$T/out" "$T/list.json"
is "$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["backend"])' "$T/list.json")" \
    file "backend file"
is "$("$PYTHON3" -c 'import json,sys; e=json.load(open(sys.argv[1])); print(len(e), e[0]["key"], e[0]["credential"], e[0]["expires_in"] > 3000)' "$T/list.json")" \
    "1 $CKEY service_account $SA True" "key, credential, expires_in"
unlike "$VT_OUT" 'ya29|access_token' "never the token"
[ -n "$tok" ] && ! grep -rqF "$tok" "$T/out" "$T/err"
ok $? "the token is in neither output"

vt token --cache file --scopes https://www.googleapis.com/auth/userinfo.email
vt_ok "a token for other scopes"
set -- "$CDIR"/*.json
is "$#" 2 "is a second entry"
vt cache clear --cache file
vt_ok "cache clear"
is "$VT_OUT" "removed 1 cached token" "removes this credential's entry"
[ ! -e "$(entry)" ]
ok $? "the entry is gone"
set -- "$CDIR"/*.json
is "$#" 1 "the other scopes' entry stays"
vt cache clear --cache file
is "$VT_STATUS/$VT_OUT" "0/removed 0 cached tokens" "clearing again: none"
vt token --cache file
vt cache clear --all
is "$VT_STATUS/$VT_OUT" "0/removed 2 cached tokens" "cache clear --all"
set -- "$CDIR"/*.json
[ ! -e "$1" ]
ok $? "no entry left"
vt cache list
is "$VT_STATUS/$VT_OUT" "0/" "cache list: empty"

vt token
vt status
vt_ok "status"
like "$VT_OUT" "^cache: +file \\($CDIR\\)" "shows the file cache and where"
if [ -f "$VT_BUILDDIR/src/vtoken-keyring.so" ]; then
	like "$VT_OUT" "keyring unavailable: no session bus" \
	    "and why not the keyring"
	skip "configure --without-libsecret: the keyring module is built" 3
else
	like "$VT_OUT" "keyring unavailable: this vtoken was built without libsecret" \
	    "and why not the keyring"
	vt --cache keyring token
	vt_fails 3 "--cache keyring without the keyring module: exit 3"
	like "$VT_ERR" "built without libsecret" "and says why"
	vt status
fi
like "$VT_OUT" "token cached until [0-9T:-]+Z \\([0-9]+ min left\\)" \
    "and that a token is cached"
unlike "$VT_OUT" 'ya29' "never the token"
vt status --cache none
like "$VT_OUT" '^cache: +none' "status --cache none"

done_testing
