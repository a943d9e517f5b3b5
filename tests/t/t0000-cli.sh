#!/bin/sh
# t0000-cli: the command line itself: --version, --help, help COMMAND,
# usage errors (unknown command or option, abbreviations, missing values,
# options of another command, extra arguments, bad durations) and global
# options before or after the command name.  No network: status never
# makes a request, and the credential file is an authorized_user one whose
# token_uri nothing listens on.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

make_user_file "$T/user.json" vt-cid.apps.googleusercontent.com vt-secret \
    1//0vt-refresh "http://127.0.0.1:$(closed_port)/token"
GOOGLE_APPLICATION_CREDENTIALS=$T/user.json
export GOOGLE_APPLICATION_CREDENTIALS

# no_stdout DESC / stderr_empty DESC: checks on the last run.
no_stdout() {
	[ ! -s "$T/out" ]
	ok $? "$1" || vt_report
}

stderr_empty() {
	[ ! -s "$T/err" ]
	ok $? "$1" || vt_report
}

# -- --version and --help ---------------------------------------------------------------

vt --version
vt_ok "--version"
like "$VT_OUT" '^vtoken [0-9]+\.[0-9]+(\.[0-9]+)?([-.~+][0-9A-Za-z.]+)?$' \
    "prints 'vtoken VERSION'"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "on one line"
stderr_empty "nothing on stderr"
VERSION=$VT_OUT

vt -V
is "$VT_STATUS/$VT_OUT" "0/$VERSION" "-V is --version"

vt --help
vt_ok "--help exits 0"
like "$VT_OUT" '^usage: vtoken ' "the usage is on stdout"
like "$VT_OUT" '^Commands:' "with the commands"
like "$VT_OUT" '--project ID' "and the options"
stderr_empty "nothing on stderr"
HELP=$VT_OUT

vt -h
is "$VT_STATUS" 0 "-h exits 0"
is "$VT_OUT" "$HELP" "-h prints the same as --help"

vt help
is "$VT_STATUS" 0 "'vtoken help' exits 0"
is "$VT_OUT" "$HELP" "and prints the same usage"

# -- no command ------------------------------------------------------------------

vt
is "$VT_STATUS" 2 "no command: exit 2"
no_stdout "no command: nothing on stdout"
like "$VT_ERR" '^usage: vtoken ' "no command: the usage is on stderr"

# -- help for one command ----------------------------------------------------------

vt help token
vt_ok "help token"
like "$VT_OUT" '^usage: vtoken .*token \[--json\]' "shows the usage of token"
unlike "$VT_OUT" '^Commands:' "and not the whole list"
stderr_empty "nothing on stderr"
HELP_TOKEN=$VT_OUT

vt token --help
vt_ok "token --help"
is "$VT_OUT" "$HELP_TOKEN" "is the same as help token"

vt --help token
is "$VT_STATUS" 0 "--help before the command exits 0"

vt help env
vt_ok "help env"
like "$VT_OUT" '--shell' "mentions --shell"
like "$VT_OUT" '--unset' "and --unset"

vt help status
vt_ok "help status"
like "$VT_OUT" 'status \[--json\]' "shows status [--json]"

vt help frobnicate
vt_fails 2 "help of an unknown command: exit 2"

# -- usage errors: exit 2, one line on stderr, nothing on stdout --------------------

vt frobnicate
vt_fails 2 "an unknown command: exit 2"
like "$VT_ERR" "frobnicate" "the message names it"

vt --frobnicate status
vt_fails 2 "an unknown option: exit 2"
like "$VT_ERR" -- "--frobnicate" "the message names it"

vt status --frobnicate
vt_fails 2 "an unknown option after the command: exit 2"

vt --proj p-123456 status
vt_fails 2 "an abbreviated option (--proj): exit 2"
like "$VT_ERR" -- "--proj" "the message names it"

vt status --project
vt_fails 2 "--project with no value at the end: exit 2"
like "$VT_ERR" -- "--project" "the message names the option"

vt --credentials
vt_fails 2 "--credentials with no value: exit 2"

vt header --json
vt_fails 2 "an option of another command (header --json): exit 2"
like "$VT_ERR" -- "--json" "the message names it"

vt env --json
vt_fails 2 "env --json (an option of token and status): exit 2"

vt token --shell sh
vt_fails 2 "token --shell (an option of env): exit 2"

vt status extra
vt_fails 2 "an extra argument: exit 2"
like "$VT_ERR" "extra" "the message names it"

vt token extra more
vt_fails 2 "two extra arguments: exit 2"

vt env --shell cmd --unset
vt_fails 2 "env --shell with an unknown shell: exit 2"

vt -x status
vt_fails 2 "an unknown short option: exit 2"

# Control characters in what the message quotes: still one line, escaped.
NL='
'
ESC=$(printf '\033')
for args in "frob${NL}nicate" "--frob${NL}nicate status" "status ex${NL}tra" \
    "--project p-1234${NL}56 status" "--timeout 1${NL}0 status" \
    "${ESC}[31mred" "env --shell sh${NL}x" "env --unset --key-var A${NL}B"; do
	vt_ifs=$IFS
	IFS=' '
	set -f
	# shellcheck disable=SC2086 # the words of $args, split on spaces only
	vt $args
	set +f
	IFS=$vt_ifs
	vt_fails 2 "an argument with a control character: exit 2, one line"
	if grep -q "$ESC" "$T/err"; then
		fail "no raw escape character in the message"
	else
		pass "no raw escape character in the message"
	fi
done

# -- --timeout ------------------------------------------------------------------------

for bad in abc 0 5d -1 1.5 '' 2h 30x ' 30'; do
	vt --timeout "$bad" status
	vt_fails 2 "--timeout '$bad': exit 2"
done

for good in 30 30s 2m 1h; do
	vt --timeout "$good" status
	is "$VT_STATUS" 0 "--timeout $good is accepted"
done

vt status --timeout=10
is "$VT_STATUS" 0 "--timeout=10 (the = form) is accepted"
vt status --project=p-123456
like "$VT_OUT" '^project: +p-123456 ' "--project=ID (the = form) is accepted"

mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\ntimeout = abc\n' >"$XDG_CONFIG_HOME/vtoken/config"
chmod 600 "$XDG_CONFIG_HOME/vtoken/config"
vt status
vt_fails 3 "timeout = abc in the profile: exit 3"
like "$VT_ERR" "abc" "the message quotes the value"
like "$VT_ERR" "profile" "and says it came from the profile"

vt status --timeout 10
is "$VT_STATUS" 0 "a good --timeout overrides a bad profile value"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# -- global options before and after the command -----------------------------------

vt --project p-123456 status
vt_ok "global option before the command"
like "$VT_OUT" '^project: +p-123456 \(--project\)' "status shows the project"

vt status --project p-123456
vt_ok "global option after the command"
like "$VT_OUT" '^project: +p-123456 \(--project\)' "status shows the project"

vt --location europe-west4 status --json --project p-123456
vt_ok "global options on both sides of the command"
cp "$T/out" "$T/status.json"
is "$(json_get "$T/status.json" project.value)" p-123456 "project from after"
is "$(json_get "$T/status.json" location.value)" europe-west4 \
    "location from before"

vt -q status --project p-123456 -v
vt_ok "-q and -v are accepted on both sides"

vt --project p-123456 --project p-654321 status
vt_ok "an option given twice"
like "$VT_OUT" '^project: +p-654321 ' "the last one wins"

vt status --project Bad_Project
vt_fails 2 "an invalid project on the command line: exit 2"

done_testing
