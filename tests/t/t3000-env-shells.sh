#!/bin/sh
# t3000-env-shells: what vtoken env prints for each --shell, read back by
# the real shells where they are installed (dash as /bin/sh, bash, fish)
# and by small readers for dotenv and JSON; the base URL for locations,
# API versions, endpoints and --base-url; renamed variables; --unset;
# and tokens and URLs with awkward characters.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-sa@vt-test.iam.gserviceaccount.com
P=my-project-1
URL=https://us-central1-aiplatform.googleapis.com/v1/projects/$P/locations/us-central1/endpoints/openapi
TOKEN_RE='ya29\.mock-[0-9]+-[A-Za-z0-9_-]+'
# The token the mock's "b64token" reply kind issues (tests/mock/mockgoogle.py).
B64TOKEN='ya29.AZaz-09._~+/Mock-b64token.z=='

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
VT_CRED=$T/sa.json
export VT_CRED

# env_of ARGS...: vtoken env with the key file and the project, output kept
# in $T/env.out.
env_of() {
	vt --credentials "$T/sa.json" --project "$P" env "$@"
	cp "$T/out" "$T/env.out"
}

# read_sh SHELL FILE: evaluate FILE in SHELL (eval "$(cat FILE)"), then print
# the three variables as a child process sees them, one per line.
read_sh() {
	# shellcheck disable=SC2016 # expanded by the other shell
	"$1" -c 'eval "$(cat "$1")" && exec sh -c '\''printf "%s\n" "$OPENAI_API_KEY" "$OPENAI_BASE_URL" "$VTOKEN_EXPIRES_AT"'\' \
	    sh "$2"
}

# line N TEXT: the Nth line of TEXT.
line() {
	printf '%s\n' "$2" | sed -n "${1}p"
}

# about_an_hour RFC3339 DESC
about_an_hour() {
	vt_e=$(epoch_of "$1")
	if [ -z "$vt_e" ]; then
		fail "$2 (not RFC 3339 UTC: '$1')"
		return 1
	fi
	vt_d=$((vt_e - $(date +%s)))
	# minted by this script, 100 s (x VT_TIME_SCALE) ago at most
	[ "$vt_d" -ge $((3600 - $(scaled_ms 100000) / 1000)) ] &&
	    [ "$vt_d" -le 3600 ]
	ok $? "$2 (in $vt_d s)"
}

RFC3339_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# -- sh: the text, then dash and bash --------------------------------------------------

env_of
vt_ok "env (default shell)"
ISSUED=$(mock_issued)
like "$ISSUED" "^$TOKEN_RE\$" "the mock issued a token"
is "$VT_OUT" "export OPENAI_API_KEY='$ISSUED'
export OPENAI_BASE_URL='$URL'
export VTOKEN_EXPIRES_AT='$(sed -n "s/^export VTOKEN_EXPIRES_AT='\\(.*\\)'\$/\\1/p" "$T/out")'" \
    "three export NAME='value' lines, in order"
is "$VT_ERR" "" "nothing on stderr"

for sh in /bin/sh dash bash; do
	if ! command -v "$sh" >/dev/null 2>&1; then
		skip "$sh is not installed" 5
		continue
	fi
	vals=$(read_sh "$sh" "$T/env.out")
	ok $? "$sh evaluates it"
	is "$(line 1 "$vals")" "$ISSUED" "$sh: OPENAI_API_KEY is the token the mock issued"
	is "$(line 2 "$vals")" "$URL" "$sh: OPENAI_BASE_URL is exactly the Vertex URL"
	like "$(line 3 "$vals")" "$RFC3339_RE" "$sh: VTOKEN_EXPIRES_AT is RFC 3339 UTC"
	about_an_hour "$(line 3 "$vals")" "$sh: VTOKEN_EXPIRES_AT is about an hour ahead"
done

for alias in bash zsh ksh dash; do
	env_of --shell "$alias"
	like "$VT_OUT" "^export OPENAI_API_KEY='$TOKEN_RE'\$" \
	    "--shell $alias prints the sh form"
done

# -- fish -------------------------------------------------------------------------------------

env_of --shell fish
vt_ok "env --shell fish"
like "$VT_OUT" "^set -gx OPENAI_API_KEY '$TOKEN_RE';\$" "set -gx NAME 'value';"
like "$VT_OUT" "^set -gx OPENAI_BASE_URL '$URL';\$" "the URL, in fish form"
is "$(grep -c . "$T/out")" 3 "three lines"

if command -v fish >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # fish expands these
	vals=$(fish --no-config -c '$VTOKEN --credentials $VT_CRED --project my-project-1 env --shell fish | source
and exec sh -c '\''printf "%s\n" "$OPENAI_API_KEY" "$OPENAI_BASE_URL" "$VTOKEN_EXPIRES_AT"'\' 2>"$T/fish.err")
	ok $? "fish: vtoken env --shell fish | source"
	is "$(line 1 "$vals")" "$(mock_issued)" "fish: OPENAI_API_KEY exported, the token issued"
	is "$(line 2 "$vals")" "$URL" "fish: OPENAI_BASE_URL exported"
	about_an_hour "$(line 3 "$vals")" "fish: VTOKEN_EXPIRES_AT exported"
else
	skip "fish is not installed" 4
fi

# -- csh and powershell, as text ---------------------------------------------------------------

for sh in csh tcsh; do
	env_of --shell "$sh"
	vt_ok "env --shell $sh"
	like "$VT_OUT" "^setenv OPENAI_API_KEY '$TOKEN_RE';\$" "$sh: setenv NAME 'value';"
	like "$VT_OUT" "^setenv OPENAI_BASE_URL '$URL';\$" "$sh: the URL"
	like "$VT_OUT" "^setenv VTOKEN_EXPIRES_AT '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z';\$" \
	    "$sh: the expiry"
done

for sh in powershell pwsh; do
	env_of --shell "$sh"
	vt_ok "env --shell $sh"
	like "$VT_OUT" "^\\\$env:OPENAI_API_KEY = '$TOKEN_RE'\$" \
	    "$sh: \$env:NAME = 'value'"
	like "$VT_OUT" "^\\\$env:OPENAI_BASE_URL = '$URL'\$" "$sh: the URL"
	like "$VT_OUT" "^\\\$env:VTOKEN_EXPIRES_AT = '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z'\$" \
	    "$sh: the expiry"
done

# -- dotenv and json -------------------------------------------------------------------------------

# read_dotenv FILE: a tiny dotenv reader, NAME='value' or NAME=value; prints
# the three variables, one per line.
read_dotenv() {
	"$PYTHON3" - "$1" <<-'EOF'
	import re, sys
	env = {}
	for line in open(sys.argv[1]):
	    line = line.rstrip("\n")
	    m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(?:'([^']*)'|(.*))$", line)
	    if not m:
	        sys.exit("not a dotenv line: %r" % line)
	    env[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3)
	for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VTOKEN_EXPIRES_AT"):
	    print(env.get(k, "(unset)"))
	EOF
}

env_of --shell dotenv
vt_ok "env --shell dotenv"
ISSUED=$(mock_issued)
like "$VT_OUT" "^OPENAI_API_KEY='$TOKEN_RE'\$" "NAME='value'"
vals=$(read_dotenv "$T/env.out")
ok $? "a dotenv reader reads it"
is "$(line 1 "$vals")" "$ISSUED" "dotenv: OPENAI_API_KEY"
is "$(line 2 "$vals")" "$URL" "dotenv: OPENAI_BASE_URL"
about_an_hour "$(line 3 "$vals")" "dotenv: VTOKEN_EXPIRES_AT"
# shellcheck disable=SC2016 # expanded by the child shell
vals=$(sh -c 'set -a; . "$1"; set +a; exec sh -c '\''printf "%s\n" "$OPENAI_API_KEY" "$OPENAI_BASE_URL"'\' sh "$T/env.out")
is "$vals" "$ISSUED
$URL" "sh reads it with set -a; . FILE"

env_of --shell json
vt_ok "env --shell json"
ISSUED=$(mock_issued)
is "$(grep -c . "$T/out")" 1 "one line"
is "$("$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(d)))' "$T/env.out")" \
    "OPENAI_API_KEY OPENAI_BASE_URL VTOKEN_EXPIRES_AT" "one object with the three names"
is "$(json_get "$T/env.out" OPENAI_API_KEY)" "$ISSUED" "json: OPENAI_API_KEY"
is "$(json_get "$T/env.out" OPENAI_BASE_URL)" "$URL" "json: OPENAI_BASE_URL"
about_an_hour "$(json_get "$T/env.out" VTOKEN_EXPIRES_AT)" "json: VTOKEN_EXPIRES_AT"

# -- the base URL ------------------------------------------------------------------------------------

# base_url ARGS...: OPENAI_BASE_URL of env ARGS (json, read back).
base_url() {
	env_of --shell json "$@"
	json_get "$T/env.out" OPENAI_BASE_URL 2>/dev/null || echo "(exit $VT_STATUS)"
}

is "$(base_url --location global)" \
    "https://aiplatform.googleapis.com/v1/projects/$P/locations/global/endpoints/openapi" \
    "--location global: no region prefix on the host"
is "$(base_url --location europe-west4)" \
    "https://europe-west4-aiplatform.googleapis.com/v1/projects/$P/locations/europe-west4/endpoints/openapi" \
    "--location europe-west4"
is "$(base_url --api-version v1beta1)" \
    "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/$P/locations/us-central1/endpoints/openapi" \
    "--api-version v1beta1"
is "$(base_url --endpoint 1234567890)" \
    "https://us-central1-aiplatform.googleapis.com/v1/projects/$P/locations/us-central1/endpoints/1234567890" \
    "--endpoint 1234567890"
is "$(base_url --project example.com:my-project)" \
    "https://us-central1-aiplatform.googleapis.com/v1/projects/example.com:my-project/locations/us-central1/endpoints/openapi" \
    "a domain-scoped project"

for bad in "--api-version v2" "--endpoint ../x" "--location us/central1"; do
	# shellcheck disable=SC2086 # an option and its value
	env_of $bad
	vt_fails 2 "env $bad: exit 2"
done

# --base-url: verbatim, and no project needed (the key file has none).
BASE=$MOCK_URL/x
mock_log_clear
vt --credentials "$T/sa.json" env --base-url "$BASE"
vt_ok "env --base-url with no project anywhere"
cp "$T/out" "$T/env.out"
is "$(line 2 "$(read_sh sh "$T/env.out")")" "$BASE" "the URL is used verbatim"
is "$(mock_count /token)" 1 "one token request"

# An odd but acceptable URL must come back exactly, or be refused.
ODD="http://127.0.0.1:$MOCK_PORT/a'b\"c\\d\$(touch\${IFS}$T/pwned)\`x\`!*?[a];#&|{}~%"
vt --credentials "$T/sa.json" env --base-url "$ODD"
cp "$T/out" "$T/odd.out"
if [ "$VT_STATUS" -eq 2 ]; then
	vt_fails 2 "a base URL with shell metacharacters is refused (exit 2)"
	skip "refused, so nothing to evaluate" 4
else
	vt_ok "a base URL with shell metacharacters: printed"
	for sh in sh bash; do
		is "$(line 2 "$(read_sh "$sh" "$T/odd.out")")" "$ODD" \
		    "$sh reads back exactly the URL"
	done
	if command -v fish >/dev/null 2>&1; then
		vt --credentials "$T/sa.json" env --shell fish --base-url "$ODD"
		cp "$T/out" "$T/odd.fish"
		# shellcheck disable=SC2016 # fish expands these
		is "$(fish --no-config -c 'source $argv[1]; and printf "%s\n" $OPENAI_BASE_URL' "$T/odd.fish")" \
		    "$ODD" "fish reads back exactly the URL"
	else
		skip "fish is not installed"
	fi
	vt --credentials "$T/sa.json" env --shell json --base-url "$ODD"
	cp "$T/out" "$T/odd.json"
	is "$(json_get "$T/odd.json" OPENAI_BASE_URL)" "$ODD" "json: exactly the URL"
fi
[ ! -e "$T/pwned" ]
ok $? "nothing in the URL was run"

# A --base-url that the chosen --shell cannot quote is a bad command-line
# value: exit 2 (it used to be exit 1, an internal error).
vt --credentials "$T/sa.json" env --shell dotenv --base-url "http://127.0.0.1:$MOCK_PORT/a'b"
vt_fails 2 "dotenv cannot hold a quote: the URL is refused with exit 2"

# -- renamed variables ---------------------------------------------------------------------------------

env_of --key-var MY_KEY --url-var MY_URL
vt_ok "--key-var and --url-var"
like "$VT_OUT" "^export MY_KEY='$TOKEN_RE'\$" "the token is in MY_KEY"
like "$VT_OUT" "^export MY_URL='$URL'\$" "the URL in MY_URL"
unlike "$VT_OUT" "OPENAI_" "and no OPENAI_ variable"
like "$VT_OUT" "^export VTOKEN_EXPIRES_AT=" "VTOKEN_EXPIRES_AT stays"

env_of --shell json --key-var _k1
is "$(json_get "$T/env.out" _k1)" "$(mock_issued)" "json: a renamed key"

for bad in 1X A-B '' 'A B' 'A;B' "A'B" OPENAI_BASE_URL VTOKEN_EXPIRES_AT; do
	env_of --key-var "$bad"
	vt_fails 2 "--key-var '$bad': exit 2"
done
env_of --url-var "X\$Y"
vt_fails 2 "--url-var 'X\$Y': exit 2"
env_of --key-var SAME --url-var SAME
vt_fails 2 "the same name twice: exit 2"

# -- --unset ---------------------------------------------------------------------------------------------

mock_log_clear
mkdir -p "$T/nohome"
HOME=$T/nohome
vt env --unset
HOME=$T/home
vt_ok "env --unset with no credentials and no project: exit 0"
is "$VT_OUT" "unset OPENAI_API_KEY
unset OPENAI_BASE_URL
unset VTOKEN_EXPIRES_AT" "unset NAME lines"
is "$(mock_count /token)" 0 "no request"
cp "$T/out" "$T/unset.sh"

for sh in sh bash; do
	# shellcheck disable=SC2016 # expanded by the other shell
	vals=$(OPENAI_API_KEY=k OPENAI_BASE_URL=u VTOKEN_EXPIRES_AT=e \
	    "$sh" -c 'eval "$(cat "$1")" && exec sh -c '\''printf "%s\n" "${OPENAI_API_KEY-unset}" "${OPENAI_BASE_URL-unset}" "${VTOKEN_EXPIRES_AT-unset}"'\' \
	    sh "$T/unset.sh")
	is "$vals" "unset
unset
unset" "$sh: evaluating it removes the three variables"
done

vt env --unset --shell fish
is "$VT_OUT" "set -e OPENAI_API_KEY;
set -e OPENAI_BASE_URL;
set -e VTOKEN_EXPIRES_AT;" "fish: set -e NAME;"
if command -v fish >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # fish expands these
	vals=$(OPENAI_API_KEY=k OPENAI_BASE_URL=u VTOKEN_EXPIRES_AT=e \
	    fish --no-config -c '$VTOKEN env --shell fish --unset | source
set -q OPENAI_API_KEY; or set -q OPENAI_BASE_URL; or set -q VTOKEN_EXPIRES_AT; or echo gone')
	is "$vals" gone "fish: vtoken env --shell fish --unset | source removes them"
else
	skip "fish is not installed"
fi

vt env --unset --shell csh
is "$VT_OUT" "unsetenv OPENAI_API_KEY;
unsetenv OPENAI_BASE_URL;
unsetenv VTOKEN_EXPIRES_AT;" "csh: unsetenv NAME;"
vt env --unset --shell powershell
is "$VT_OUT" "Remove-Item Env:OPENAI_API_KEY -ErrorAction SilentlyContinue
Remove-Item Env:OPENAI_BASE_URL -ErrorAction SilentlyContinue
Remove-Item Env:VTOKEN_EXPIRES_AT -ErrorAction SilentlyContinue" \
    "powershell: Remove-Item Env:NAME"
vt env --unset --shell dotenv
is "$VT_OUT" "OPENAI_API_KEY=
OPENAI_BASE_URL=
VTOKEN_EXPIRES_AT=" "dotenv: NAME="
vt env --unset --shell json
cp "$T/out" "$T/unset.json"
is "$("$PYTHON3" -c 'import json, sys
print(json.load(open(sys.argv[1])))' "$T/unset.json")" \
    "{'OPENAI_API_KEY': None, 'OPENAI_BASE_URL': None, 'VTOKEN_EXPIRES_AT': None}" \
    "json: every name null"
vt env --unset --key-var K2 --url-var U2
is "$VT_OUT" "unset K2
unset U2
unset VTOKEN_EXPIRES_AT" "--unset with renamed variables"
is "$(mock_count /token)" 0 "none of the --unset runs made a request"

env_of --shell cmd
vt_fails 2 "--shell cmd: exit 2"

# -- a token with every RFC 6750 character class ---------------------------------------------

mock_fault '{"reply":"b64token"}'
vt --credentials "$T/sa.json" token
vt_ok "token: a token with every b64token character"
is "$VT_OUT" "$B64TOKEN" "is printed as is"

env_of
vt_ok "env: the same token"
for sh in sh bash; do
	is "$(line 1 "$(read_sh "$sh" "$T/env.out")")" "$B64TOKEN" \
	    "$sh reads it back exactly"
done
if command -v fish >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # fish expands these
	is "$(fish --no-config -c '$VTOKEN --credentials $VT_CRED --project my-project-1 env --shell fish | source
and printf "%s\n" $OPENAI_API_KEY')" "$B64TOKEN" "fish reads it back exactly"
else
	skip "fish is not installed"
fi
env_of --shell dotenv
is "$(line 1 "$(read_dotenv "$T/env.out")")" "$B64TOKEN" "dotenv: exactly"
env_of --shell json
is "$(json_get "$T/env.out" OPENAI_API_KEY)" "$B64TOKEN" "json: exactly"
env_of --shell csh
like "$VT_OUT" "^setenv OPENAI_API_KEY 'ya29\\.AZaz-09\\._~\\+/Mock-b64token\\.z==';\$" \
    "csh: quoted as is"
env_of --shell powershell
like "$VT_OUT" "^\\\$env:OPENAI_API_KEY = 'ya29\\.AZaz-09\\._~\\+/Mock-b64token\\.z=='\$" \
    "powershell: quoted as is"
vt --credentials "$T/sa.json" header
is "$VT_OUT" "Authorization: Bearer $B64TOKEN" "header: as is"
mock_fault_clear

done_testing
