#!/bin/sh
# t5100-git-http: real git clones and fetches over HTTP from `git
# http-backend` behind tests/mock/githttp.py, which demands a token the
# mock Google server minted, with vtoken as the credential helper for
# 127.0.0.1 (git_hosts; plain http is allowed because it is loopback).
# Then the mock revokes the token: git gets a 401, calls erase, and the
# next fetch gets a new token.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed"

SA=vt-git@vt-test.iam.gserviceaccount.com

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-git-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\ngit_hosts = 127.0.0.1\n' >"$XDG_CONFIG_HOME/vtoken/config"

# git-credential-vtoken on PATH is a wrapper that logs each operation to
# $T/ops.log, then runs vtoken under that name (a link to it).
mkdir -p "$T/bin" "$T/libexec"
ln -s "$VTOKEN" "$T/libexec/git-credential-vtoken"
cat >"$T/bin/git-credential-vtoken" <<EOF
#!/bin/sh
echo "\$*" >>"$T/ops.log"
exec "$T/libexec/git-credential-vtoken" "\$@"
EOF
chmod +x "$T/bin/git-credential-vtoken"
PATH=$T/bin:$PATH
export PATH

GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=$T/gitconfig
GIT_TERMINAL_PROMPT=0
GIT_AUTHOR_NAME=vtoken
GIT_AUTHOR_EMAIL=dev@vtoken.invalid
GIT_COMMITTER_NAME=vtoken
GIT_COMMITTER_EMAIL=dev@vtoken.invalid
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL GIT_TERMINAL_PROMPT \
    GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_ASKPASS SSH_ASKPASS GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT
: >"$GIT_CONFIG_GLOBAL"
git config --global credential.helper vtoken
git config --global init.defaultBranch main

# A bare repository with one commit, served by githttp.py.
git init -q --bare "$T/repos/r.git" &&
git init -q "$T/work" &&
echo one >"$T/work/file" &&
git -C "$T/work" add file &&
git -C "$T/work" commit -qm one &&
git -C "$T/work" push -q "$T/repos/r.git" HEAD:main ||
    bail_out "cannot make the test repository"

GIT_DIR_STATE=$T/githttp
"$PYTHON3" "$VT_SRCDIR/tests/mock/githttp.py" --dir "$GIT_DIR_STATE" \
    --root "$T/repos" --mock "$MOCK_URL" 2>"$T/githttp.err" &
GITHTTP_PID=$!
trap 'kill "$GITHTTP_PID" 2>/dev/null; mock_stop' EXIT
i=0
while [ ! -s "$GIT_DIR_STATE/port" ]; do
	i=$((i + 1))
	# 10 s (x VT_TIME_SCALE)
	[ "$i" -gt "$(scaled_ms 200)" ] && bail_out "githttp.py did not start"
	sleep 0.05 2>/dev/null || sleep 1
done
URL=http://127.0.0.1:$(cat "$GIT_DIR_STATE/port")/r.git
GLOG=$GIT_DIR_STATE/requests.log

# glog FIELD: the field of the last request githttp.py served.
glog() {
	tail -n 1 "$GLOG" | "$PYTHON3" -c 'import json, sys
v = json.loads(sys.stdin.read()).get(sys.argv[1])
print("" if v is None else v)' "$1"
}

sha256() {
	printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

# git_version_ge MAJOR MINOR
git_version_ge() {
	v=$(git --version | sed 's/^git version \([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	set -- "$1" "$2" $v
	[ "$3" -gt "$1" ] || { [ "$3" -eq "$1" ] && [ "$4" -ge "$2" ]; }
}

# -- clone -----------------------------------------------------------------------

git clone -q "$URL" "$T/clone" >"$T/git.out" 2>&1
ok $? "git clone over http with credential.helper=vtoken" || diag "$(cat "$T/git.out")"
is "$(cat "$T/clone/file" 2>/dev/null)" one "the clone has the file"
is "$(head -n 1 "$GLOG" | grep -c '"status": 401')" 1 \
    "git asked anonymously first and got a 401"
is "$(glog status)" 200 "then it was let in"
TOKEN1=$(mock_issued)
is "$(glog token_sha256)" "$(sha256 "$TOKEN1")" "with the token the mock minted"
if git_version_ge 2 46; then
	is "$(glog auth)" bearer "as a Bearer credential (git 2.46+, authtype)"
else
	is "$(glog auth)/$(glog user)" basic/oauth2accesstoken \
	    "as Basic oauth2accesstoken:TOKEN (git $(git --version | cut -d' ' -f3))"
fi
like "$(cat "$T/ops.log")" '^get$' "git ran git-credential-vtoken get"
like "$(cat "$T/ops.log")" '^store$' "and store after success"
unlike "$(cat "$T/ops.log")" '^erase$' "and no erase"

# -- fetch ------------------------------------------------------------------------

echo two >"$T/work/file"
git -C "$T/work" commit -qam two && git -C "$T/work" push -q "$T/repos/r.git" HEAD:main
git -C "$T/clone" fetch -q origin >"$T/git.out" 2>&1
ok $? "git fetch" || diag "$(cat "$T/git.out")"
is "$(git -C "$T/clone" show origin/main:file)" two "fetched the new commit"
is "$(glog status)" 200 "the server let it in"

# -- revoked: 401, erase, a new token ----------------------------------------------

minted=$(mock_count /token)
curl -sS -d all=1 "$MOCK_URL/_mock/revoke" >"$T/revoke.out"
ok $? "the mock revokes its tokens"
: >"$T/ops.log"
echo three >"$T/work/file"
git -C "$T/work" commit -qam three && git -C "$T/work" push -q "$T/repos/r.git" HEAD:main

git -C "$T/clone" fetch -q origin >"$T/git.out" 2>&1
first=$?
# The cache serves the revoked token once: the server says 401, git
# calls erase, and the fetch fails; the next one mints afresh.
is "$first" 128 "the fetch after revocation fails (401)"
like "$(cat "$T/ops.log")" '^erase$' "git called git-credential-vtoken erase"
git -C "$T/clone" fetch -q origin >"$T/git.out" 2>&1
ok $? "the next fetch works" || diag "$(cat "$T/git.out")"
is "$(git -C "$T/clone" show origin/main:file)" three "fetched the newest commit"
TOKEN2=$(mock_issued)
if [ "$(mock_count /token)" -gt "$minted" ] && [ "$TOKEN2" != "$TOKEN1" ]; then
	pass "a new token was minted"
else
	fail "a new token was minted"
fi
is "$(glog token_sha256)" "$(sha256 "$TOKEN2")" "and the server got the new token"

# -- a host vtoken must not answer for -----------------------------------------------

printf '[default]\n' >"$XDG_CONFIG_HOME/vtoken/config"
: >"$T/ops.log"
n=$(mock_count /token)
git clone -q "$URL" "$T/clone2" >"$T/git.out" 2>&1
isnt=$?
if [ "$isnt" -ne 0 ]; then
	pass "without 127.0.0.1 in git_hosts the clone fails"
else
	fail "without 127.0.0.1 in git_hosts the clone fails"
fi
is "$(mock_count /token)" "$n" "vtoken minted nothing for it"
is "$(glog auth)" none "and git had nothing to send"

done_testing
