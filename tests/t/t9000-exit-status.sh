#!/bin/sh
# t9000-exit-status: every documented exit status, 0 to 5, from a table of
# cases against the mock; every failure prints exactly one line on stderr,
# starting "vtoken: ", and nothing on stdout.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-sa@vt-test.iam.gserviceaccount.com

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
mock_add_user vt-cid.apps.googleusercontent.com vt-secret 1//0vt-refresh
make_user_file "$T/user.json" vt-cid.apps.googleusercontent.com vt-secret \
    1//0vt-refresh "$MOCK_URL/token"
make_sa_file "$T/closed.json" "$SA" "$KEY" "http://127.0.0.1:$(closed_port)/token"
make_sa_file "$T/remote.json" "$SA" "$KEY" "http://example.com/token"
printf '{"type": "service_account",' >"$T/broken.json"
printf '{"type": "external_account"}\n' >"$T/external.json"
mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nlocation = us central1\n' >"$T/badconf"
chmod 600 "$T/badconf"
# Relative names in the table are in $T.
cd "$T" || bail_out "cd $T"

# The table: STATUS | FAULT (mock_fault JSON, or -) | ENV (NAME=VALUE, or
# -) | ARGS (split on spaces) | what it is.
last_fault=-
while IFS='|' read -r code fault envvar args desc; do
	case $code in '' | '#'*) continue ;; esac
	if [ "$fault" != "$last_fault" ]; then
		if [ "$fault" = - ]; then
			mock_fault_clear
		else
			mock_fault "$fault"
		fi
		last_fault=$fault
	fi
	if [ "$envvar" != - ]; then
		export "${envvar?}"
	fi
	set -f
	# shellcheck disable=SC2086 # the table's arguments, split on spaces
	vt $args
	set +f
	if [ "$envvar" != - ]; then
		unset "${envvar%%=*}"
	fi
	if [ "$code" -eq 0 ]; then
		vt_ok "exit 0: $desc"
	else
		vt_fails "$code" "exit $code: $desc"
	fi
done <<'EOF'
0|-|-|--credentials sa.json token|token
0|-|-|--credentials user.json token --json|token --json (authorized_user)
0|-|-|--credentials sa.json --project vt-exit-project env|env
0|-|-|--credentials sa.json header|header
0|-|-|--credentials sa.json status|status
0|-|-|--credentials user.json status --json|status with no project
0|-|-|--version|--version
0|-|-|help env|help env
0|-|-|env --unset|env --unset with no credentials
2|-|-|frobnicate|an unknown command
2|-|-|--frobnicate token|an unknown option
2|-|-|--proj vt-exit-project token|an abbreviated option
2|-|-|token --project|a missing option value
2|-|-|header --json|an option of another command
2|-|-|status extra|an extra argument
2|-|-|--timeout 5x token|--timeout 5x
2|-|-|env --shell cmd|--shell cmd
2|-|-|--credentials sa.json --project Bad_ID env|--project Bad_ID
3|-|-|token|no credentials anywhere
3|-|-|--credentials missing.json token|--credentials names a missing file
3|-|GOOGLE_APPLICATION_CREDENTIALS=missing.json|token|GOOGLE_APPLICATION_CREDENTIALS names a missing file
3|-|-|--credentials user.json env|env without a project
3|-|GOOGLE_CLOUD_LOCATION=us central1|--credentials sa.json --project vt-exit-project env|a bad GOOGLE_CLOUD_LOCATION
3|-|GOOGLE_CLOUD_PROJECT=Bad_ID|--credentials sa.json env|a bad GOOGLE_CLOUD_PROJECT
4|{"reply":"invalid_grant"}|-|--credentials sa.json token|invalid_grant
4|{"reply":"invalid_rapt"}|-|--credentials user.json token|invalid_rapt
4|{"status":401,"body":{"error":"unauthorized_client"}}|-|--credentials sa.json token|HTTP 401
4|{"status":403,"body":{"error":"access_denied"}}|-|--credentials user.json header|HTTP 403
4|{"reply":"metachar"}|-|--credentials sa.json --project vt-exit-project env|a token that fails RFC 6750 validation
4|-|-|--credentials broken.json token|a malformed credential file
4|-|-|--credentials external.json token|an unsupported credential type
4|-|-|--credentials remote.json token|a token_uri that is not allowed
5|{"status":503}|-|--credentials sa.json token|503 after every retry
5|{"reply":"malformed"}|-|--credentials sa.json token|a malformed reply
5|{"reply":"oversized"}|-|--credentials user.json token|an oversized reply
5|-|-|--credentials closed.json token|connection refused
5|{"delay":3}|-|--credentials sa.json --timeout 1 token|--timeout reached
EOF
mock_fault_clear

vt
is "$VT_STATUS/$VT_OUT" 2/ "exit 2: no command, nothing on stdout"
like "$VT_ERR" '^usage: ' "the usage on stderr"

# status prints its trace even when it fails, and exits 4 when the chosen
# credential file is malformed.
vt --credentials broken.json status
is "$VT_STATUS" 4 "exit 4: status with a malformed credential file"
is "$(wc -l <"$T/err" | tr -d ' ')" 1 "one line on stderr"
like "$VT_ERR" '^vtoken: .*broken\.json' "naming the file"

# Cases that need a file in place.
vt --profile nowhere --credentials sa.json token
vt_fails 3 "exit 3: --profile naming a profile when there is no config file"

cp badconf "$XDG_CONFIG_HOME/vtoken/config"
vt --credentials sa.json --project vt-exit-project env
vt_fails 3 "exit 3: a bad value in the profile"
chmod 666 "$XDG_CONFIG_HOME/vtoken/config"
vt --credentials sa.json token
vt_fails 3 "exit 3: a world-writable config file"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# Exit 1: failing to write standard output.
if [ -w /dev/full ]; then
	"$VTOKEN" --credentials sa.json token >/dev/full 2>"$T/err"
	is "$?" 1 "exit 1: stdout is /dev/full (token)"
	is "$(wc -l <"$T/err" | tr -d ' ')" 1 "one line on stderr"
	like "$(cat "$T/err")" '^vtoken: ' "starting 'vtoken: '"
	"$VTOKEN" --version >/dev/full 2>"$T/err"
	is "$?" 1 "exit 1: stdout is /dev/full (--version)"
	"$VTOKEN" --help >/dev/full 2>"$T/err"
	is "$?" 1 "exit 1: stdout is /dev/full (--help)"
	"$VTOKEN" --credentials sa.json status >/dev/full 2>"$T/err"
	is "$?" 1 "exit 1: stdout is /dev/full (status)"
else
	skip "no /dev/full" 6
fi

done_testing
