#!/bin/sh
# t5730-token-file: `vtoken refresh --write-token FILE` for the programs
# that read a token from a file: gcloud's auth/access_token_file
# (CLOUDSDK_AUTH_ACCESS_TOKEN_FILE) and kubeconfig's tokenFile.  Checked
# as those readers read it: the whole file, white space trimmed, is a
# live token; mode 0600; a new token replaces the file by rename, so a
# reader that opened the old one still reads a whole old token and the
# next read a whole new one; an unchanged token leaves the file alone.
# With kubectl installed, a kubeconfig with tokenFile reaches the mock's
# API server route.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-file@vt-test.iam.gserviceaccount.com

mock_start --tls
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-file-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
F=$T/tokens/token
mkdir -p "$T/tokens"

# live TOKEN: 0 if the mock issued TOKEN and it is still valid.
live() {
	curl -fsS -o /dev/null --data-urlencode "token=$1" \
	    "$MOCK_URL/_mock/check" 2>/dev/null
}

# As gcloud and client-go read it: the file, white space trimmed.
read_token() {
	tr -d ' \t\r\n' <"$1"
}

vt refresh -q --write-token "$F"
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "refresh -q --write-token: silent"
tok=$(read_token "$F")
is "$tok" "$(mock_issued)" "the file holds the token"
is "$(wc -l <"$F" | tr -d ' ')" 1 "one line"
is "$(wc -c <"$F" | tr -d ' ')" $((${#tok} + 1)) "the token and a newline, nothing else"
live "$tok"
ok $? "which the server accepts"
is "$(stat -c %a "$F")" 600 "mode 0600"

# Nothing changes: the file is left alone (a watcher sees no event).
ino=$(stat -c %i "$F")
mtime=$(stat -c %Y "$F")
sleep 1
vt refresh -q --write-token "$F"
is "$(stat -c %i "$F")/$(stat -c %Y "$F")" "$ino/$mtime" \
    "the same token: the file is not rewritten"

# A new token: the file is replaced by rename.  A reader that opened it
# before (gcloud at its start) keeps reading the whole old token.
exec 3<"$F"
vt cache clear
vt refresh -q --write-token "$F"
new=$(read_token "$F")
old_seen=$(tr -d '\n' <&3)
exec 3<&-
[ -n "$new" ] && [ "$new" != "$tok" ]
ok $? "a new token is written after the cache is cleared"
is "$old_seen" "$tok" "a reader holding the old file reads the whole old token"
[ "$(stat -c %i "$F")" != "$ino" ]
ok $? "the file was replaced by rename (a new inode)"
is "$(stat -c %a "$F")" 600 "still 0600"
is "$(find "$T/tokens" -type f | wc -l | tr -d ' ')" 1 \
    "no temporary file left in the directory"

# Readers never see a partial file: read it as fast as possible while
# tokens are replaced.
: >"$T/reads"
(
	i=0
	while [ "$i" -lt 200 ]; do
		read_token "$F" >>"$T/reads"
		echo >>"$T/reads"
		i=$((i + 1))
	done
) &
reader=$!
i=0
while [ "$i" -lt 5 ]; do
	vt --no-cache refresh -q --write-token "$F"
	i=$((i + 1))
done
wait "$reader"
bad=$(grep -cvE '^ya29\.mock-[0-9]+-[A-Za-z0-9_-]{32}$' "$T/reads")
is "$bad" 0 "200 reads during 5 replacements: each a whole token"

# The cron job's refresh puts the cached token (at least refresh's
# --min-ttl, 15 min, left) back in the file.
vt refresh -q --write-token "$F"
vt token --min-ttl 15m
is "$VT_OUT" "$(read_token "$F")" "refresh: the file holds the cached token"
live "$(read_token "$F")"
ok $? "which the server accepts"

# kubectl reading tokenFile, against the mock's API server route.
if ! command -v kubectl >/dev/null 2>&1; then
	skip "kubectl is not installed (Debian package kubernetes-client)" 2
	done_testing
fi
cat >"$T/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mock
  cluster:
    server: $MOCK_HTTPS_URL
    certificate-authority: $T/tls/ca.pem
contexts:
- name: mock
  context: {cluster: mock, user: file}
current-context: mock
users:
- name: file
  user:
    tokenFile: $F
EOF
mock_log_clear
kubectl --kubeconfig "$T/kubeconfig" get --raw /api >"$T/kubectl.out" \
    2>"$T/kubectl.err"
ok $? "kubectl with tokenFile: the file's token is accepted" ||
    diag "$(cat "$T/kubectl.err")"
is "$(mock_get /api headers.authorization)" "Bearer $(read_token "$F")" \
    "kubectl sent the file's token"

done_testing
