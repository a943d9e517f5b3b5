#!/bin/sh
# t2500-api-key: Gemini API keys: --api-key-file, the profile's
# api_key_file, VTOKEN_API_KEY, GOOGLE_API_KEY, GEMINI_API_KEY; their order
# against --credentials and ADC; --vertex and --gemini; the checks on a key
# and on a key file; status; `vtoken key` without a keyring.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
KEY1=AIzaSyVtTest1-aaaaaaaaaaaaaaaaaaaaaaaaaa
KEY2=AIzaSyVtTest2_bbbbbbbbbbbbbbbbbbbbbbbbbb
KEY3=AIzaSyVtTest3-cccccccccccccccccccccccccc
KEYF=AIzaSyVtTestF-ffffffffffffffffffffffffff
GEMINI=https://generativelanguage.googleapis.com/v1beta/openai/
SA=vt-sa@vt-proj.iam.gserviceaccount.com

mock_start
KEYPEM=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEYPEM"
make_sa_file "$T/sa.json" "$SA" "$KEYPEM" "$MOCK_URL/token" vt-proj
mock_set gemini_keys "[\"$KEY1\", \"$KEYF\"]"
printf '%s\n' "$KEYF" >"$T/key.txt"
chmod 600 "$T/key.txt"

# trace WHAT STEP: "result detail" of a step in the last status --json.
trace() {
	"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for t in d["trace"]:
    if t["what"] == sys.argv[2] and t["step"] == sys.argv[3]:
        print(t["result"], t["detail"] or "")
        break' "$T/out" "$1" "$2"
}

# -- a key in the environment -----------------------------------------------------

export GOOGLE_API_KEY="$KEY1"
vt token
vt_ok "token with GOOGLE_API_KEY"
is "$VT_OUT" "$KEY1" "prints the key"
is "$VT_ERR" "" "nothing on stderr"
is "$(mock_count /token)" 0 "nothing was minted"

# refresh with a key: nothing to refresh, and no made-up expiry.
vt refresh
vt_ok "refresh with GOOGLE_API_KEY"
like "$VT_OUT" 'an API key, which does not expire' "refresh says a key does not expire"
unlike "$VT_OUT" '1970|valid until' "and shows no expiry"

vt token --json
vt_ok "token --json with a key"
is "$(json_get "$T/out" access_token)" "$KEY1" "access_token is the key"
like "$VT_OUT" '"expires_at": null' "a key has no expiry"

vt header
vt_ok "header with a key"
is "$VT_OUT" "Authorization: Bearer $KEY1" "the Gemini API takes it as a bearer"

vt env
vt_ok "env with a key, and no project"
like "$VT_OUT" "^export OPENAI_API_KEY='$KEY1'\$" "OPENAI_API_KEY is the key"
like "$VT_OUT" "^export OPENAI_BASE_URL='${GEMINI}'\$" \
    "OPENAI_BASE_URL is the Gemini API's OpenAI-compatible URL"
like "$VT_OUT" '^unset VTOKEN_EXPIRES_AT$' "VTOKEN_EXPIRES_AT is unset"

# The variables work against the mock's Gemini-style endpoint.
vt env --base-url "$MOCK_URL/v1beta/openai"
reply=$(
	eval "$VT_OUT"
	curl -q -sS --noproxy '*' -m 10 "$OPENAI_BASE_URL/chat/completions" \
	    -H "Authorization: Bearer $OPENAI_API_KEY" \
	    -H 'Content-Type: application/json' \
	    -d '{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"ping"}]}'
)
like "$reply" '"content": "mock reply: ping"' \
    "eval \"\$(vtoken env)\" then a Gemini chat completion works"
reply=$(curl -q -sS --noproxy '*' -m 10 \
    "$MOCK_URL/v1beta/openai/chat/completions" \
    -H "Authorization: Bearer $KEY2" -H 'Content-Type: application/json' \
    -d '{"model":"m","messages":[]}')
like "$reply" 'API key not valid' "the mock refuses a key it does not know"

# -- the order of the key variables -----------------------------------------------

export GEMINI_API_KEY="$KEY3"
vt token
is "$VT_OUT" "$KEY1" "GOOGLE_API_KEY beats GEMINI_API_KEY"
export VTOKEN_API_KEY="$KEY2"
vt token
is "$VT_OUT" "$KEY2" "VTOKEN_API_KEY beats GOOGLE_API_KEY"
unset VTOKEN_API_KEY GOOGLE_API_KEY
vt token
is "$VT_OUT" "$KEY3" "GEMINI_API_KEY alone"
export GOOGLE_API_KEY=""
vt token
is "$VT_OUT" "$KEY3" "an empty GOOGLE_API_KEY is not a key"
unset GOOGLE_API_KEY

vt --api-key-file "$T/key.txt" token
is "$VT_OUT" "$KEYF" "--api-key-file beats the variables"
mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\napi_key_file = %s\n' "$T/key.txt" \
    >"$XDG_CONFIG_HOME/vtoken/config"
vt token
is "$VT_OUT" "$KEYF" "the profile's api_key_file beats the variables"
printf '[default]\napi_key_file = %s\ncredentials = %s\n' "$T/key.txt" \
    "$T/sa.json" >"$XDG_CONFIG_HOME/vtoken/config"
vt token
like "$VT_OUT" '^ya29\.mock-' "the profile's credentials beat its api_key_file"
vt --api-key-file "$T/key.txt" token
is "$VT_OUT" "$KEYF" "--api-key-file beats the profile's credentials"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

vt --credentials "$T/sa.json" token
like "$VT_OUT" '^ya29\.mock-' "--credentials beats the key variables"
vt --credentials "$T/sa.json" --api-key-file "$T/key.txt" token
vt_fails 2 "--credentials and --api-key-file together: exit 2"

# -- a key beats ADC; --vertex skips keys ------------------------------------------

export GOOGLE_APPLICATION_CREDENTIALS="$T/sa.json"
mock_log_clear
vt token
is "$VT_OUT" "$KEY3" "a key beats GOOGLE_APPLICATION_CREDENTIALS"
is "$(mock_count /token)" 0 "and nothing was minted"

vt --vertex token
like "$VT_OUT" '^ya29\.mock-' "--vertex skips the key: ADC is used"
is "$(mock_count /token)" 1 "a token was minted"
vt --vertex env
like "$VT_OUT" "OPENAI_BASE_URL='https://us-central1-aiplatform" \
    "--vertex env: the Vertex base URL"
printf '[default]\nbackend = vertex\n' >"$XDG_CONFIG_HOME/vtoken/config"
vt token
like "$VT_OUT" '^ya29\.mock-' "backend = vertex in the profile does the same"
vt --gemini token
is "$VT_OUT" "$KEY3" "--gemini beats the profile's backend"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

vt --vertex status --json
is "$(trace credentials GEMINI_API_KEY | cut -d' ' -f1)" skipped \
    "status: the key step is skipped under --vertex"
like "$(trace credentials GEMINI_API_KEY)" 'vertex' "and says why"

unset GOOGLE_APPLICATION_CREDENTIALS
vt --vertex token
vt_fails 3 "--vertex with only a key: exit 3"

# -- --gemini requires a key --------------------------------------------------------

unset GEMINI_API_KEY
export GOOGLE_APPLICATION_CREDENTIALS="$T/sa.json"
mock_log_clear
vt --gemini token
vt_fails 3 "--gemini without a key: exit 3"
like "$VT_ERR" 'no API key' "the message says a key is needed"
like "$VT_ERR" 'GEMINI_API_KEY' "and how to give one"
is "$(mock_count /token)" 0 "ADC was not used"
printf '[default]\nbackend = gemini\n' >"$XDG_CONFIG_HOME/vtoken/config"
vt token
vt_fails 3 "backend = gemini without a key: exit 3"
printf '[default]\nbackend = openai\n' >"$XDG_CONFIG_HOME/vtoken/config"
vt token
vt_fails 3 "backend = openai: exit 3"
like "$VT_ERR" "invalid backend 'openai'" "the message names the value"
rm -f "$XDG_CONFIG_HOME/vtoken/config"
vt --gemini --vertex token
vt_fails 2 "--gemini with --vertex: exit 2"
unset GOOGLE_APPLICATION_CREDENTIALS

# -- status --------------------------------------------------------------------------

export GOOGLE_API_KEY="$KEY1"
vt status
vt_ok "status with a key"
# shellcheck disable=SC2016 # a literal $ in the pattern
like "$VT_OUT" '^credentials: +api_key, API key from \$GOOGLE_API_KEY \(fingerprint [0-9a-f]{8}\)' \
    "status names the key's source and fingerprint"
like "$VT_OUT" "^backend: +Gemini API" "the backend"
like "$VT_OUT" "^base URL: +${GEMINI}\$" "the Gemini base URL"
like "$VT_OUT" '^ +credentials +GOOGLE_API_KEY +chosen' "the trace: chosen"
like "$VT_OUT" '^ +credentials +GOOGLE_APPLICATION_CREDENTIALS +skipped' \
    "the trace: ADC skipped"
unlike "$VT_OUT$VT_ERR" "$KEY1" "no key in status"
vt status --json
is "$(json_get "$T/out" backend)" gemini "status --json: backend gemini"
is "$(json_get "$T/out" credentials.type)" api_key "status --json: type api_key"
unlike "$VT_OUT" "$KEY1" "no key in status --json"
vt -vvv token
unlike "$VT_ERR" "$KEY1" "no key at -vvv"
unset GOOGLE_API_KEY

# -- keys that are refused -----------------------------------------------------------

check_bad_env() {	# VALUE DESC
	GOOGLE_API_KEY=$1 vt token
	vt_fails 4 "$2: exit 4"
	like "$VT_ERR" 'GOOGLE_API_KEY' "$2: the message names the variable"
	[ -n "$1" ] || return 0
	# shellcheck disable=SC2016 # a sed expression, not the shell's
	vt_re=$(printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g')
	unlike "$VT_ERR" "$vt_re" "$2: the value is not quoted"
}
check_bad_env "AIzaShort" "a key too short"
check_bad_env "AIzaSy$(printf 'x%.0s' $(seq 1 130))" "a key too long"
check_bad_env "AIzaSyVtTest1-aaaaaaaaaaaaaaaa aaaaaaaaa" "a key with a space"
check_bad_env "AIzaSyVtTest1-aaaaaaaa.aaaaaaaaaaaaaaaaa" "a key with a dot"
GOOGLE_API_KEY="AIzaSy\$(touch $T/pwned)aaaaaaaaaaaaaaaaaaa" vt env
vt_fails 4 "a key with shell syntax: exit 4"
[ ! -e "$T/pwned" ]; ok $? "and nothing ran"

printf '%s\n%s\n' "$KEYF" "$KEY1" >"$T/two.txt"
chmod 600 "$T/two.txt"
vt --api-key-file "$T/two.txt" token
vt_fails 4 "a key file of two lines: exit 4"
unlike "$VT_ERR" "$KEYF" "the message quotes neither key"
: >"$T/empty.txt"
chmod 600 "$T/empty.txt"
vt --api-key-file "$T/empty.txt" token
vt_fails 4 "an empty key file: exit 4"
like "$VT_ERR" "empty.txt" "the message names the file"
vt --api-key-file "$T/missing.txt" token
vt_fails 3 "a missing key file: exit 3"
like "$VT_ERR" "missing.txt" "the message names it"
GOOGLE_API_KEY="$KEY1" vt --api-key-file "$T/missing.txt" token
vt_fails 3 "a missing key file is not a reason to fall through"
vt --api-key-file "" token
vt_fails 2 "an empty --api-key-file: exit 2"
vt --api-key-file "$T" token
vt_fails 4 "a directory as the key file: exit 4"
cp "$T/key.txt" "$T/gw.txt"
chmod 620 "$T/gw.txt"
vt --api-key-file "$T/gw.txt" token
vt_fails 4 "a group-writable key file: exit 4"
like "$VT_ERR" 'chmod 600' "the message says how to fix it"
cp "$T/key.txt" "$T/wr.txt"
chmod 644 "$T/wr.txt"
vt --api-key-file "$T/wr.txt" token
is "$VT_OUT" "$KEYF" "a world-readable key file still works"
like "$VT_ERR" 'warning: .*can be read by other users' "with a warning"
vt -q --api-key-file "$T/wr.txt" token
is "$VT_ERR" "" "not with -q"
printf '  %s  \r\n' "$KEYF" >"$T/ws.txt"
chmod 600 "$T/ws.txt"
vt --api-key-file "$T/ws.txt" token
is "$VT_OUT" "$KEYF" "whitespace and CRLF around the key are dropped"
head -c 5000 /dev/zero | tr '\0' 'A' >"$T/big.txt"
chmod 600 "$T/big.txt"
vt --api-key-file "$T/big.txt" token
vt_fails 4 "a key file larger than 4 KiB: exit 4"

vt --api-key "$KEY1" token
vt_fails 2 "no option takes the key itself"

# -- vtoken key, without a keyring ----------------------------------------------------

vt key
vt_fails 2 "key without an operation: exit 2"
vt key frob
vt_fails 2 "key frob: exit 2"
vt key set extra
vt_fails 2 "key set with an argument (the key goes on stdin): exit 2"
vt key set
vt_fails 2 "key set with nothing on stdin: exit 2"
printf 'not a key\n' >"$T/stdin"
VT_STDIN=$T/stdin vt key set
vt_fails 4 "key set with an implausible key: exit 4"
unlike "$VT_ERR" "not a key" "the message does not quote it"
printf '%s\n' "$KEY1" >"$T/stdin"
VT_STDIN=$T/stdin vt key set
vt_fails 3 "key set without a keyring: exit 3"
like "$VT_ERR" 'keyring is unavailable' "the keyring is unavailable"
unlike "$VT_ERR" "$KEY1" "the message does not quote the key"
vt key status
vt_fails 3 "key status without a keyring: exit 3"
like "$VT_ERR" 'keyring is unavailable' "says so"
vt key delete
vt_fails 3 "key delete without a keyring: exit 3"
vt status --json
like "$(trace credentials "keyring (profile 'default')")" '^absent' \
    "status: no keyring in this session, so the step is absent"

done_testing
