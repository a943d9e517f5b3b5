#!/bin/sh
# t5000-git-credential: vtoken as git's credential helper: the protocol on
# stdin and stdout, the hosts it answers for (Google's, git_hosts, plain
# http only to loopback entries), the Bearer form for gits that announce
# capability[]=authtype, the git-credential-vtoken name, and real
# `git credential fill` with vtoken configured, for Google and other hosts.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-git@vt-test.iam.gserviceaccount.com
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-git-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

# git-credential-vtoken on PATH, as make install links it.
mkdir -p "$T/bin"
ln -s "$VTOKEN" "$T/bin/git-credential-vtoken"
PATH=$T/bin:$PATH
export PATH

# A git of our own: no system or user config but ours, never a prompt.
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=$T/gitconfig
GIT_TERMINAL_PROMPT=0
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL GIT_TERMINAL_PROMPT
unset GIT_ASKPASS SSH_ASKPASS GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT
: >"$GIT_CONFIG_GLOBAL"

mkdir -p "$XDG_CONFIG_HOME/vtoken"
CONF=$XDG_CONFIG_HOME/vtoken/config
cat >"$CONF" <<'EOF'
[default]
git_hosts = git.example.com; port.example.com:8443; *.corp.example; 127.0.0.1

[named]
git_username = git-robot
EOF

# get TEXT [ARGS...]: vtoken git-credential get with TEXT on stdin.
get() {
	printf '%b' "$1" >"$T/in"
	shift
	VT_STDIN=$T/in vt "$@" git-credential get
}

# -- Google hosts, Basic form -------------------------------------------------

get 'protocol=https\nhost=source.developers.google.com\n\n'
vt_ok "get for source.developers.google.com"
is "$(sed -n 1p "$T/out")" username=oauth2accesstoken "username oauth2accesstoken"
is "$(sed -n 2p "$T/out")" "password=$(mock_issued)" "password is the minted token"
like "$(sed -n 3p "$T/out")" '^password_expiry_utc=[0-9]+$' "then password_expiry_utc"
is "$(wc -l <"$T/out" | tr -d ' ')" 3 "three lines and nothing else"
is "$VT_ERR" "" "nothing on stderr"
# The mock grants 3599 s; the run that minted it began at VT_T0 (less a
# second: time() may trail the clock date reads by a tick) and ended at VT_T1.
exp=$(sed -n 's/^password_expiry_utc=//p' "$T/out")
t0=$((VT_T0 / 1000 - 1))
t1=$((VT_T1 / 1000))
if [ "$((exp - t0))" -ge 3539 ] && [ "$((exp - t1))" -le 3539 ]; then
	pass "the expiry is the token's, less a minute ($((exp - t1)) s)"
else
	fail "the expiry is the token's, less a minute ($((exp - t1)) s)"
	diag "expiry $exp, the run $t0-$t1"
fi

get 'url=https://us-docker.pkg.dev/p/r\n'
vt_ok "url= is expanded (a pkg.dev host, EOF ends the list)"
like "$VT_OUT" "^password=$TOKEN_RE\$" "and answered"

get 'protocol=https\r\nhost=europe-west1-aiplatform.googleapis.com\r\n\r\n'
vt_ok "CRLF line ends are read as git reads them"
like "$VT_OUT" "^password=$TOKEN_RE\$" "a googleapis.com subdomain is answered"

printf 'protocol=https\nhost=x.sourcemanager.dev\n\n' >"$T/in"
"$T/bin/git-credential-vtoken" get <"$T/in" >"$T/out" 2>"$T/err"
is "$?" 0 "run as git-credential-vtoken, vtoken is the helper"
like "$(cat "$T/out")" "^password=$TOKEN_RE\$" "and answers"

"$T/bin/git-credential-vtoken" --profile named get <"$T/in" >"$T/out" 2>"$T/err"
is "$(sed -n 1p "$T/out")" username=git-robot \
    "global options before the operation (credential.helper='vtoken --profile named')"

# -- the Bearer form (git 2.46+) ----------------------------------------------

get 'capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=source.developers.google.com\nwwwauth[]=Basic realm="x"\n\n'
vt_ok "get with capability[]=authtype"
is "$(sed -n 1,4p "$T/out")" "capability[]=authtype
authtype=Bearer
credential=$(mock_issued)
ephemeral=1" "answers capability, authtype=Bearer, credential, ephemeral=1"
like "$(sed -n 5p "$T/out")" '^password_expiry_utc=[0-9]+$' "and the expiry"
unlike "$VT_OUT" '^(username|password)=' "no username or password"

get 'capability[]=authtype\nprotocol=https\nhost=git.example.com\nwwwauth[]=Basic realm="x"\n\n'
like "$VT_OUT" '^password=' "a listed server that offers only Basic gets Basic"
get 'capability[]=authtype\nprotocol=https\nhost=git.example.com\nwwwauth[]=Bearer realm="x"\n\n'
like "$VT_OUT" '^credential=' "and one that offers Bearer gets Bearer"

# -- hosts that get nothing ----------------------------------------------------

n=$(mock_count /token)
for req in 'protocol=https\nhost=github.com\n' \
    'protocol=https\nhost=googleapis.com.evil.example\n' \
    'protocol=https\nhost=evilgoogleapis.com\n' \
    'protocol=http\nhost=source.developers.google.com\n' \
    'protocol=ssh\nhost=source.developers.google.com\n' \
    'url=https://evil.example%2f.googleapis.com/\n' \
    'url=https://evil.example#@source.developers.google.com/\n' \
    'protocol=https\nhost=sub.git.example.com\n' \
    'protocol=http\nhost=git.example.com\n' \
    'protocol=https\nhost=port.example.com\n' \
    'host=source.developers.google.com\n' \
    'protocol=https\n'; do
	get "$req"
	desc=$(printf '%s' "$req" | sed 's/\\n/ /g')
	if [ "$VT_STATUS" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
		pass "nothing, exit 0, for $desc"
	else
		fail "nothing, exit 0, for $desc"
		vt_report
	fi
done
is "$(mock_count /token)" "$n" "and no token was minted for them"

# -- git_hosts --------------------------------------------------------------------

get 'protocol=https\nhost=git.example.com:444\n'
like "$VT_OUT" '^password=' "a git_hosts entry without a port matches any port"
get 'protocol=https\nhost=port.example.com:8443\n'
like "$VT_OUT" '^password=' "an entry with a port matches that port"
get 'protocol=https\nhost=a.b.corp.example\n'
like "$VT_OUT" '^password=' "*.domain matches its subdomains"
get 'protocol=http\nhost=127.0.0.1:8080\n'
like "$VT_OUT" '^password=' "plain http to a loopback entry"

cat >"$CONF" <<'EOF'
[default]
git_hosts = git.example.com;https://bad.example
EOF
get 'protocol=https\nhost=source.developers.google.com\n'
vt_fails 3 "a bad git_hosts entry is exit 3"
like "$VT_ERR" "git_hosts.*'https://bad.example'" "the message names the entry"
: >"$CONF"

# -- malformed input -----------------------------------------------------------

get 'protocol=https\nhost=source.developers.google.com\nno equals sign\n'
vt_fails 2 "a line without '=' is refused"
get 'protocol=https\nhost=source.developers.google.com\0.evil\n'
vt_fails 2 "so is a NUL byte"
like "$VT_ERR" 'NUL' "and the message says why"

# -- store, erase, other operations ---------------------------------------------

n=$(mock_count /token)
printf 'protocol=https\nhost=source.developers.google.com\nusername=x\npassword=y\n\n' >"$T/in"
VT_STDIN=$T/in vt git-credential store
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "store does nothing, silently"
VT_STDIN=$T/in vt git-credential erase
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "erase prints nothing"
VT_STDIN=$T/in vt git-credential frobnicate
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "an unknown operation is ignored"
is "$(mock_count /token)" "$n" "none of them mints"
vt git-credential capability
is "$VT_OUT" "version 0
capability authtype" "capability lists authtype"
vt git-credential
vt_fails 2 "no operation is a usage error"

# No credentials: an error for a Google host, silence for another.
unset GOOGLE_APPLICATION_CREDENTIALS
get 'protocol=https\nhost=source.developers.google.com\n'
vt_fails 3 "no credentials: exit 3 and one line (git shows it)"
get 'protocol=https\nhost=github.com\n'
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "but nothing at all for github.com"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS

# A wrong setting in the profile: the same (vtoken may be a global helper).
cp "$CONF" "$T/conf.good" 2>/dev/null || : >"$T/conf.good"
printf '[default]\nlocation = bad location!\n' >"$CONF"
chmod 600 "$CONF"
get 'protocol=https\nhost=github.com\n'
is "$VT_STATUS/$VT_OUT/$VT_ERR" "0//" "a bad setting: nothing at all for github.com"
get 'protocol=https\nhost=source.developers.google.com\n'
vt_fails 3 "and its error for a Google host"
like "$VT_ERR" "invalid location 'bad location!'" "naming it"
cp "$T/conf.good" "$CONF"

# -- git credential fill, with the helper configured -----------------------------

fill() {
	printf 'protocol=https\nhost=%s\n\n' "$1" |
	    git credential fill >"$T/fill.out" 2>"$T/fill.err"
	echo $?
}

if ! command -v git >/dev/null 2>&1; then
	skip "git is not installed" 11
	done_testing
fi

git config --global credential.helper vtoken
is "$(fill source.developers.google.com)" 0 "git credential fill, helper=vtoken"
like "$(cat "$T/fill.out")" "^password=$TOKEN_RE\$" "git got the token from git-credential-vtoken"
like "$(cat "$T/fill.out")" '^username=oauth2accesstoken$' "and the username"

git config --global --add credential.helper \
    '!f() { test "$1" = get && echo username=other && echo password=from-next-helper; }; f'
is "$(fill github.com)" 0 "fill for github.com, vtoken first, another helper next"
like "$(cat "$T/fill.out")" '^password=from-next-helper$' "the password is the next helper's"
unlike "$(cat "$T/fill.out")" 'ya29' "vtoken gave no token for github.com"
is "$(cat "$T/fill.err")" "" "and said nothing"

: >"$GIT_CONFIG_GLOBAL"
git config --global credential.https://source.developers.google.com.helper vtoken
is "$(fill source.developers.google.com)" 0 "the per-URL form credential.https://source.developers.google.com.helper"
like "$(cat "$T/fill.out")" "^password=$TOKEN_RE\$" "answers for that host"
is "$(fill github.com)" 128 "and is not asked for github.com (no prompt: fill fails)"
unlike "$(cat "$T/fill.out")" 'password=' "no password for github.com"

done_testing
