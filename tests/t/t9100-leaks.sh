#!/bin/sh
# t9100-leaks: no secret ever reaches stderr (or status's stdout), even at
# -vvv with its HTTP trace, on success and on every kind of failure.  The
# secrets are those of the fixtures: the private key's base64 body, the
# client secret and refresh token, the signed JWT assertion, and the access
# tokens the mock issued (which legitimately appear on the stdout of token,
# env and header only).  vtoken takes no secret on its command line, so
# there is nothing to check in /proc/PID/cmdline.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-sa@vt-test.iam.gserviceaccount.com
CLIENT_ID=vt-leak-cid.apps.googleusercontent.com
SECRET=vt-client-secret-Kq7Zr2Wx9Lm4
REFRESH=1//0vt-refresh-token-Hd5Tj8Ng3Bv6Yc1

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-leak-project
mock_add_user "$CLIENT_ID" "$SECRET" "$REFRESH"
make_user_file "$T/user.json" "$CLIENT_ID" "$SECRET" "$REFRESH" \
    "$MOCK_URL/token" vt-quota-project

# $T/secrets: what must never be printed on stderr.  The key's body lines
# (halves of every full 64-character one: each is distinctive), the client secret
# and the refresh token.  Every assertion vtoken sent and every token the
# mock issued are added at the end, from the mock's log.  Each run's stderr
# (and status's stdout) is kept in $T/runs and searched at the end, which
# costs one Python run instead of a few per vtoken run.
# halves(PEM): both 32-character halves of each full base64 line, so that
# a key printed with other line breaks is caught too.  The first line is
# the same in every RSA 2048 key, so it is left out.
halves() {
	grep -v -e '^-----' "$1" |
	    awk 'NR > 1 && length($0) >= 64 { print substr($0, 1, 32); print substr($0, 33, 32) }'
}

halves "$KEY" >"$T/secrets"
printf '%s\n' "$SECRET" "$REFRESH" >>"$T/secrets"
[ "$(wc -l <"$T/secrets")" -gt 40 ] || bail_out "no key lines in $KEY"
mkdir -p "$T/runs"
: >"$T/runs/index"

# check WHAT: keep the last run's stderr (and for status its stdout).
check() {
	cp "$T/err" "$T/runs/$VT_RUNS.err"
	echo "$VT_RUNS.err $1: no secret on stderr" >>"$T/runs/index"
	case $1 in
	*status*)
		cp "$T/out" "$T/runs/$VT_RUNS.out"
		echo "$VT_RUNS.out $1: no secret on stdout" >>"$T/runs/index"
		;;
	esac
}

# -- successful runs at -vvv --------------------------------------------------------------

for cred in sa user; do
	for cmd in token env header status "status --json"; do
		# shellcheck disable=SC2086 # a command and its option
		vt -vvv --credentials "$T/$cred.json" --project vt-leak-project $cmd
		is "$VT_STATUS" 0 "$cred: -vvv $cmd works"
		check "$cred: -vvv $cmd"
	done
	like "$(cat "$T/runs/$((VT_RUNS - 4)).err")" 'redacted' \
	    "$cred: the -vvv trace of token shows that it redacted something"
done

# The token is on stdout where it belongs (and, checked below, nowhere else).
vt -vvv --credentials "$T/sa.json" token
is "$VT_OUT" "$(mock_issued)" "token: the token is on stdout"
check "token -vvv"

# -- failing runs at -vvv -------------------------------------------------------------------------

# The malformed reply is form-encoded, access_token=ya29.nope: a token too.
echo ya29.nope >>"$T/secrets"

for kind in invalid_grant invalid_rapt malformed not_object bad_token_type \
    metachar oversized html server_error_json; do
	mock_fault "{\"reply\":\"$kind\"}"
	creds="sa user"
	case $kind in
	html | server_error_json) creds=sa ;;	# retried: 3 s each
	esac
	for cred in $creds; do
		vt -vvv --credentials "$T/$cred.json" --project vt-leak-project env
		[ "$VT_STATUS" -ne 0 ]
		ok $? "$cred: reply $kind fails (exit $VT_STATUS)"
		is "$VT_OUT" "" "$cred: reply $kind: nothing on stdout"
		check "$cred: reply $kind"
	done
done
mock_fault '{"status":401,"body":{"error":"invalid_client","error_description":"Unauthorized"}}'
vt -vvv --credentials "$T/user.json" token
check "user: HTTP 401"
mock_fault_clear

# Without -v: the ordinary error lines.
mock_fault '{"reply":"invalid_grant"}'
vt --credentials "$T/sa.json" token
vt_fails 4 "invalid_grant without -v: exit 4"
check "invalid_grant without -v"
mock_fault_clear

# The server rejects the credential (a key it does not know, a wrong secret).
OTHER=$(gen_sa_key other)
halves "$OTHER" >>"$T/secrets"
make_sa_file "$T/other.json" "$SA" "$OTHER" "$MOCK_URL/token"
vt -vvv --credentials "$T/other.json" token
is "$VT_STATUS" 4 "an unknown key: exit 4"
check "an unknown key"
make_user_file "$T/wrong.json" "$CLIENT_ID" vt-wrong-secret-Pz3Qm8 "$REFRESH" \
    "$MOCK_URL/token"
echo vt-wrong-secret-Pz3Qm8 >>"$T/secrets"
vt -vvv --credentials "$T/wrong.json" token
is "$VT_STATUS" 4 "a wrong client secret: exit 4"
check "a wrong client secret"

# -- credential files that are wrong in ways that might echo their content ------------

# A private_key that is not a key, but has distinctive content.
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
# A placeholder, not a key; the marker is split for key scanners.
d["private_key"] = ("-----BEGIN " "PRIVATE KEY-----\nMIIvtLeakyKeyBodyQ1w2E3r4T5y6U7i8O9p0\n"
                    "-----END PRIVATE KEY-----\n")
json.dump(d, open(sys.argv[2], "w"))' "$T/sa.json" "$T/badkey.json"
echo MIIvtLeakyKeyBodyQ1w2E3r4T5y6U7i8O9p0 >>"$T/secrets"
for cmd in token status; do
	vt -vvv --credentials "$T/badkey.json" "$cmd"
	# (status need not parse the key, so it may well succeed)
	[ "$cmd" = status ] || [ "$VT_STATUS" -ne 0 ]
	ok $? "a private_key that is not a key: $cmd (exit $VT_STATUS)"
	check "a private_key that is not a key: $cmd"
done

# A file that breaks off in the middle of a secret, and one whose secret
# is not a string.
printf '{"type": "authorized_user", "client_id": "c", "client_secret": "vt-cut-secret-Xy7Wq2Ab9' \
    >"$T/cut.json"
printf '{"type": "authorized_user", "client_id": "c", "refresh_token": "1//0vt-half-Lk3Jh6", "client_secret": ["vt-array-secret-Mn4Bv7"]}\n' \
    >"$T/array.json"
printf '{"type": "vt-type-Qw9Er4", "private_key": "vt-pk-Zx8Cv5", "client_secret": "vt-odd-secret-Gh2Fd1"}\n' \
    >"$T/oddtype.json"
printf '%s\n' vt-cut-secret-Xy7Wq2Ab9 1//0vt-half-Lk3Jh6 vt-array-secret-Mn4Bv7 \
    vt-pk-Zx8Cv5 vt-odd-secret-Gh2Fd1 >>"$T/secrets"
for f in cut array oddtype; do
	for cmd in token status "status --json"; do
		# shellcheck disable=SC2086 # a command and its option
		vt -vvv --credentials "$T/$f.json" $cmd
		[ "$VT_STATUS" -ne 0 ]
		ok $? "$f.json: $cmd fails"
		check "$f.json: $cmd"
	done
done

# -- now look for every secret in everything kept ---------------------------------------

"$PYTHON3" - "$MOCK_LOG" >>"$T/secrets" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    rec = json.loads(line)
    a = (rec.get("form") or {}).get("assertion")
    if isinstance(a, str) and a.count(".") == 2:
        print(a)
        print(a.rsplit(".", 1)[1])   # the signature alone
    if rec.get("issued"):
        print(rec["issued"])
EOF
is "$(grep -c '^ya29\.mock-' "$T/secrets")" "$(grep -c '"issued"' "$MOCK_LOG")" \
    "(the tokens the mock issued are looked for)"
[ "$(grep -c '^eyJ' "$T/secrets")" -ge 10 ]
ok $? "(and the assertions vtoken sent)"
while read -r file desc; do
	if grep -F -f "$T/secrets" "$T/runs/$file" >"$T/leaked"; then
		fail "$desc"
		diag "in $T/runs/$file:" "$(cut -c1-120 "$T/leaked")"
	else
		pass "$desc"
	fi
done <"$T/runs/index"

done_testing
