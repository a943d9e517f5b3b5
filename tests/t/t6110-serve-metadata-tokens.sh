#!/bin/sh
# t6110-serve-metadata-tokens: the emulator's token rules.  The token
# route answers {access_token, expires_in, token_type: Bearer} as
# application/json, expires_in the true remaining life; ?scopes= is a mint
# of its own, cached by scope set; a token with less than 10 minutes left
# is never handed out (a shorter-lived token: half its life); the ID-token
# route gives a JWT for a service-account key (skipped while vtoken says
# the credential cannot mint ID tokens).

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup vt-meta
SA_DIR=/computeMetadata/v1/instance/service-accounts
CP=https://www.googleapis.com/auth/cloud-platform
RO=https://www.googleapis.com/auth/devstorage.read_only
BQ=https://www.googleapis.com/auth/bigquery

# tok_field FIELD: a field of the last token reply's JSON body.
tok_field() {
	md_get body | "$PYTHON3" -c 'import json, sys
print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1" 2>/dev/null
}

# mock_valid TOKEN: status 0 if the mock issued TOKEN and it has not
# expired.
mock_valid() {
	"$PYTHON3" -c 'import sys, urllib.parse, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/_mock/check",
        urllib.parse.urlencode({"token": sys.argv[2]}).encode(), timeout=10)
except Exception:
    sys.exit(1)' "$MOCK_URL" "$1"
}

fresh_cache() {
	XDG_CACHE_HOME=$T/cache/$1
	mkdir -p "$XDG_CACHE_HOME"
}

# -- the default token ---------------------------------------------------------

fresh_cache a
meta_start || bail_out "the broker did not start"
md "$SA_DIR/default/token"
is "$(printf '%s\n' "$MD_SUM" | cut -d'|' -f1-3)" "200|application/json|Google" \
    "token: 200, application/json, Metadata-Flavor"
tok=$(tok_field access_token)
is "$tok" "$(mock_issued)" "access_token is the token the mock issued"
is "$(tok_field token_type)" Bearer "token_type: Bearer"
e1=$(tok_field expires_in)
like "$e1" '^[0-9]+$' "expires_in is a number ($e1)"
[ "${e1:-0}" -le 3599 ] && [ "${e1:-0}" -ge 3590 ]
ok $? "expires_in is the token's life less the seconds since (3599, got $e1)"
is "$(mock_get /token jwt.claims.scope)" "$CP" "(minted for the default scope)"
sleep 2
md "$SA_DIR/default/token"
is "$(tok_field access_token)" "$tok" "asked again: the same token"
e2=$(tok_field expires_in)
[ "${e2:-0}" -lt "$e1" ] && [ "${e2:-0}" -ge $((e1 - 2 - $(scaled_ms 3000) / 1000)) ]
ok $? "expires_in is the remaining life: it went down by the wait ($e1, then $e2)"
is "$(mock_count /token)" 1 "one mint"

# -- scopes ----------------------------------------------------------------------

md "$SA_DIR/default/token?scopes=$RO"
ro=$(tok_field access_token)
is "$(md_get status)" 200 "?scopes=devstorage.read_only: 200"
[ -n "$ro" ] && [ "$ro" != "$tok" ]
ok $? "a different token"
is "$(mock_count /token)" 2 "minted anew"
is "$(mock_get /token jwt.claims.scope)" "$RO" "for the scope asked"
is "$ro" "$(mock_issued)" "the token the mock issued for it"
md "$SA_DIR/default/token?scopes=$RO"
is "$(tok_field access_token)" "$ro" "asked again: the same scoped token"
md "$SA_DIR/$SERVE_SA/token?scopes=$RO"
is "$(tok_field access_token)" "$ro" "and by the account's e-mail"
is "$(mock_count /token)" 2 "no new mint"

md "$SA_DIR/default/token?scopes=$RO,$BQ"
two=$(tok_field access_token)
[ -n "$two" ] && [ "$two" != "$ro" ] && [ "$two" != "$tok" ]
ok $? "?scopes=A,B: a third token"
is "$(mock_count /token)" 3 "minted anew"
is "$(mock_get /token jwt.claims.scope)" "$RO $BQ" "for both scopes"
md "$SA_DIR/default/token?scopes=$RO,$BQ"
is "$(tok_field access_token)" "$two" "?scopes=A,B again: the same token"
md "$SA_DIR/default/token?scopes=$BQ,$RO"
is "$(tok_field access_token)" "$two" "?scopes=B,A: the same scope set, the same token"
is "$(mock_count /token)" 3 "no new mint"
md "$SA_DIR/default/token"
is "$(tok_field access_token)" "$tok" "the default token is still the first one"
# The tokens by scope set are kept 64 at most (the oldest dropped): after
# 64 other scope sets, asking for one of the first two is served from
# vtoken's cache, the same token, and not minted again.
"$PYTHON3" - "$META_HOST" "$SA_DIR/default/token?scopes=" <<'PY' >"$T/many.out"
import sys, urllib.request
bad = 0
for i in range(1, 65):
    req = urllib.request.Request("http://%s%shttps://www.googleapis.com/auth/"
                                 "vt-test-%d" % (sys.argv[1], sys.argv[2], i),
                                 headers={"Metadata-Flavor": "Google"})
    try:
        urllib.request.urlopen(req, timeout=30).read()
    except OSError:
        bad += 1
print(bad)
PY
is "$(cat "$T/many.out")" 0 "64 more scope sets: all 200"
is "$(mock_count /token)" 67 "64 more mints"
md "$SA_DIR/default/token?scopes=$RO"
is "$(md_get status)" 200 "the oldest, asked again: 200"
is "$(tok_field access_token)" "$ro" "the same token, from vtoken's cache"
is "$(mock_count /token)" 67 "no new mint"
serve_stop

# -- the 10-minute floor -------------------------------------------------------------

# A token in vtoken's cache with 5 minutes left of an hour: not handed out.
fresh_cache floor
mock_log_clear
vt token
vt_ok "vtoken token (a token in the cache)"
old=$VT_OUT
cf=$(find "$XDG_CACHE_HOME" -name '*.json' -type f | head -n 1)
# set_life FILE LEFT: the cached token was issued an hour ago less LEFT.
set_life() {
	"$PYTHON3" -c 'import json, sys, time
p, left = sys.argv[1], int(sys.argv[2])
c = json.load(open(p))
now = int(time.time())
c["expires_at"] = now + left
c["issued_at"] = now + left - 3600
open(p, "w").write(json.dumps(c))' "$1" "$2"
}
set_life "$cf" 300
mock_log_clear
meta_start || bail_out "the broker did not start"
md "$SA_DIR/default/token"
new=$(tok_field access_token)
e=$(tok_field expires_in)
[ -n "$new" ] && [ "$new" != "$old" ]
ok $? "a cached token with 5 of 60 minutes left is not handed out"
is "$(mock_count /token)" 1 "a new one was minted (one mint, at the broker's start or at the ask)"
[ "${e:-0}" -ge 3500 ]
ok $? "what is handed out has its life ahead (expires_in $e)"
serve_stop

set_life "$cf" 900
mock_log_clear
meta_start || bail_out "the broker did not start"
md "$SA_DIR/default/token"
e=$(tok_field expires_in)
is "$(tok_field access_token)" "$new" "a cached token with 15 minutes left is handed out"
[ "${e:-0}" -le 900 ] && [ "${e:-0}" -ge 895 ]
ok $? "with expires_in its true remaining life (about 900: $e)"
is "$(mock_count /token)" 0 "no mint"
serve_stop

# -- short-lived tokens: half their life -----------------------------------------------

LIFE=20
fresh_cache short
mock_set expires_in "$LIFE"
meta_start || bail_out "the broker did not start"
mock_log_clear
: >"$T/short"
end=$(($(now_ms) + (LIFE + LIFE / 2) * 1000))
while [ "$(now_ms)" -lt "$end" ]; do
	md "$SA_DIR/default/token"
	t=$(tok_field access_token)
	e=$(tok_field expires_in)
	v=valid
	mock_valid "$t" || v=invalid
	echo "$(md_get status) ${e:-none} $v $t" >>"$T/short"
	sleep 0.3
done
diag "$(wc -l <"$T/short" | tr -d ' ') asks, $(mock_count /token) mints of $LIFE-second tokens"
is "$(awk '$1 != 200' "$T/short")" "" "every ask answered 200"
# Half of 20 s must be left when it is handed out (a second for rounding).
is "$(awk -v h=$((LIFE / 2 - 1)) '$2 !~ /^[0-9]+$/ || $2 + 0 < h || $2 + 0 > '"$LIFE" "$T/short")" "" \
    "each token handed out had at least half its life left ($((LIFE / 2)) s, less a second)"
is "$(awk '$3 != "valid"' "$T/short")" "" "and was valid at the mock"
n=$(awk '{ print $4 }' "$T/short" | sort -u | wc -l | tr -d ' ')
[ "$n" -ge 2 ]
ok $? "over $((LIFE * 3 / 2)) s the tokens changed ($n distinct)"
serve_stop
mock_set expires_in 3599

# -- ID tokens ------------------------------------------------------------------------

fresh_cache id
meta_start || bail_out "the broker did not start"
AUD=https://vt-meta-aud.example
md "$SA_DIR/default/identity?audience=$AUD"
if [ "$(md_get status)" = 404 ] &&
    printf '%s\n' "$MD_BODY" | grep -q 'cannot mint ID tokens'; then
	skip "vtoken cannot mint ID tokens yet: $MD_BODY" 6
	# Until then: 404 with a plain-text reason, as the contract says.
else
	is "$(printf '%s\n' "$MD_SUM" | cut -d'|' -f1,3)" "200|Google" \
	    "identity?audience=AUD (service-account key): 200" || diag "body: $MD_BODY"
	like "$MD_BODY" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$' "  a raw JWT"
	aud=$(printf '%s\n' "$MD_BODY" | "$PYTHON3" -c 'import base64, json, sys
p = sys.stdin.read().strip().split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["aud"])' 2>&1)
	is "$aud" "$AUD" "  for the audience asked"
	id1=$MD_BODY
	md "$SA_DIR/default/identity?audience=$AUD"
	is "$MD_BODY" "$id1" "  asked again: the same (cached)"
	md "$SA_DIR/default/identity?audience=$AUD&format=full"
	is "$(md_get status)" 200 "  format=full: 200"
	unlike "$(cat "$SERVE_ERR")" "$(printf '%s\n' "$id1" | cut -d. -f3 | cut -c1-20)" \
	    "  the ID token is not in the log"
fi
serve_stop

# -- the log ---------------------------------------------------------------------------

"$PYTHON3" "$MOCKCTL" where "$MOCK_DIR/requests.log" path /token issued >"$T/secrets"
printf '%s\n' "$tok" "$ro" "$two" "$new" >>"$T/secrets"
awk '{ print $4 }' "$T/short" >>"$T/secrets"
sed -i '/^$/d' "$T/secrets"
grep -F -f "$T/secrets" "$SERVE_ERR" >"$T/leaks"
is "$(cat "$T/leaks")" "" "no token in the broker's log"
unlike "$(cat "$SERVE_ERR")" 'ya29\.mock-[0-9]+-' "nothing that looks like a token"

done_testing
