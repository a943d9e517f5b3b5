#!/bin/sh
# t2600-metadata: the attached service account through the metadata server
# (the mock's): token, e-mail, project, scopes, Metadata-Flavor both ways,
# its faults; cheap detection (GCE_METADATA_HOST, DMI, serverless
# variables), the bounded probe and the memory of its negative answer;
# NO_GCE_CHECK; the order against ADC and API keys.  Every address is
# loopback: GCE_METADATA_HOST, GCE_METADATA_ROOT and GCE_METADATA_IP
# always point at the mock or at a closed port.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

VT_FRESH_CACHE=1
SA=vt-md@vt-md-proj.iam.gserviceaccount.com
FSA=vt-file@vt-proj.iam.gserviceaccount.com
TOK=/computeMetadata/v1/instance/service-accounts/default/token
EMAIL=/computeMetadata/v1/instance/service-accounts/default/email
CP=https://www.googleapis.com/auth/cloud-platform
UE=https://www.googleapis.com/auth/userinfo.email

mock_start
KEYPEM=$(gen_sa_key sa)
mock_add_sa "$FSA" "$KEYPEM"
make_sa_file "$T/sa.json" "$FSA" "$KEYPEM" "$MOCK_URL/token" vt-proj
mock_metadata "{\"email\": \"$SA\", \"project_id\": \"vt-md-proj\",
    \"scopes\": [\"$CP\", \"$UE\"]}"
MD=127.0.0.1:$MOCK_PORT
unset NO_GCE_CHECK
GCE_METADATA_HOST=$MD
GCE_METADATA_IP=$MD
export GCE_METADATA_HOST GCE_METADATA_IP

# trace WHAT STEP: "result detail" of a step in the last status --json.
trace() {
	"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for t in d["trace"]:
    if t["what"] == sys.argv[2] and t["step"] == sys.argv[3]:
        print(t["result"], t["detail"] or "")
        break' "$T/out" "$1" "$2"
}

# -- the happy path ---------------------------------------------------------------

vt token
vt_ok "token from the metadata server"
is "$VT_OUT" "$(mock_get $TOK issued)" "the token it issued"
is "$(mock_get $TOK headers.metadata-flavor)" Google \
    "the token request carries Metadata-Flavor: Google"
is "$(mock_count $EMAIL)" 0 "token asks for no e-mail (only status shows it)"
vt status
is "$(mock_get $EMAIL headers.metadata-flavor)" Google \
    "status asks for the e-mail with Metadata-Flavor: Google too"
is "$(mock_get $TOK query)" "" "no scopes parameter for the default scope"
is "$(mock_count /)" 0 "GCE_METADATA_HOST set: no probe"
is "$(mock_count /token)" 0 "nothing went to an OAuth endpoint"

vt -vvv token
vt_ok "token at -vvv"
unlike "$VT_ERR" "$(mock_get $TOK issued)" "the -vvv trace does not show the token"
like "$VT_ERR" 'Metadata-Flavor: Google' "but shows the header"

vt token --scopes cloud-platform,userinfo.email
vt_ok "token --scopes"
is "$(mock_get $TOK scopes)" "$CP,$UE" "scopes= lists them, comma-separated"
vt token --scopes compute
vt_fails 4 "a scope the server refuses (HTTP 400): exit 4"

mock_metadata "{\"email\": \"$SA\", \"project_id\": \"vt-md-proj\",
    \"expires_in\": 120}"
vt token --json
vt_ok "token --json"
left=$(json_get "$T/out" expires_in)
[ "$left" -le 120 ] && [ "$left" -ge 110 ]
ok $? "expires_in is the server's (cached tokens live shorter): $left"

vt status
vt_ok "status"
like "$VT_OUT" "^credentials: +metadata_server, $SA\$" \
    "status names the service account"
like "$VT_OUT" "^project: +vt-md-proj \\(metadata server\\)" \
    "the project from the metadata server"
like "$VT_OUT" '^ +credentials +metadata server +chosen .*GCE_METADATA_HOST is set' \
    "the trace says how it was detected"
vt status --json
like "$(trace project 'metadata server')" '^chosen vt-md-proj' \
    "the project step: chosen"

vt env
vt_ok "env"
like "$VT_OUT" "OPENAI_BASE_URL='https://us-central1-aiplatform.googleapis.com/v1/projects/vt-md-proj/" \
    "env: the base URL has the metadata server's project"

# -- what the mock checks -------------------------------------------------------------

st=$(curl -q -s --noproxy '*' -m 5 -o /dev/null -w '%{http_code}' \
    "http://$MD$EMAIL")
is "$st" 403 "the mock refuses a request without Metadata-Flavor"

# -- faults -----------------------------------------------------------------------------

mock_metadata "{\"email\": \"$SA\", \"fault\": \"no_flavor\"}"
vt token
vt_fails 5 "a reply without Metadata-Flavor: Google: exit 5"
like "$VT_ERR" "Metadata-Flavor" "the message says why"
mock_metadata "{\"email\": \"$SA\", \"fault\": \"no_sa\"}"
vt token
vt_fails 3 "no service account attached (404): exit 3"
like "$VT_ERR" "attach a service account" "the message says what to do"
mock_metadata '{"status": 404}'
vt token
vt_fails 3 "404 everywhere: exit 3"
mock_metadata '{"status": 403}'
vt token
vt_fails 4 "403: exit 4"
mock_metadata '{"status": 500}'
vt --timeout 2 token
vt_fails 5 "500: exit 5"
# (The mock takes longer than any bound here may grow to: VT_TIME_SCALE.)
mock_metadata "{\"email\": \"$SA\", \"delay\": 20}"
vt --timeout 1 token
vt_fails 5 "a server slower than --timeout: exit 5"
within 1500 "bounded by --timeout" 1000
mock_metadata "{\"email\": \"$SA\"}"

# -- the order of the tiers ---------------------------------------------------------------

mock_log_clear
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json vt token
vt_ok "ADC and a metadata server"
is "$(mock_count /token)" 1 "ADC beats the metadata server"
is "$(mock_count $TOK)" 0 "which was not asked for a token"
is "$(mock_count $EMAIL)" 0 "nor for its e-mail"
GEMINI_API_KEY=AIzaSyVtTestM-mmmmmmmmmmmmmmmmmmmmmmmmmm vt token
is "$VT_OUT" AIzaSyVtTestM-mmmmmmmmmmmmmmmmmmmmmmmmmm \
    "an API key beats the metadata server"
vt --gemini token
vt_fails 3 "--gemini does not take the metadata server"
vt --credentials "$T/sa.json" status --json
like "$(trace credentials 'metadata server')" '^skipped' \
    "status: the metadata step is skipped after --credentials"

# -- opting out ---------------------------------------------------------------------------

for v in true 1 TRUE yes; do
	mock_log_clear
	NO_GCE_CHECK=$v vt token
	vt_fails 3 "NO_GCE_CHECK=$v: no credentials (exit 3)"
	is "$(wc -l <"$MOCK_LOG" | tr -d ' ')" 0 "NO_GCE_CHECK=$v: no request at all"
done
NO_GCE_CHECK=false vt token
vt_ok "NO_GCE_CHECK=false does not opt out"
METADATA_SERVER_DETECTION=none vt token
vt_fails 3 "METADATA_SERVER_DETECTION=none opts out too"
NO_GCE_CHECK=1 vt status --json
like "$(trace credentials 'metadata server')" '^absent disabled by NO_GCE_CHECK' \
    "status says it is disabled"

# -- detection: DMI, serverless, the probe ---------------------------------------------

# From here the data requests go to GCE_METADATA_ROOT (the legacy name,
# which is not a detection signal), so detection has to find the server.
unset GCE_METADATA_HOST
GCE_METADATA_ROOT=$MD
export GCE_METADATA_ROOT
CLOSED=127.0.0.1:$(closed_port)

echo "Google Compute Engine" >"$T/dmi"
mock_log_clear
GCE_METADATA_IP=$CLOSED VTOKEN_TEST_DMI_PRODUCT_NAME=$T/dmi vt token
vt_ok "DMI says Google: detected"
is "$(mock_count /)" 0 "without a probe"
echo "Standard PC (Q35 + ICH9, 2009)" >"$T/dmi"
for v in K_SERVICE CLOUD_RUN_JOB FUNCTION_TARGET; do
	mock_log_clear
	env "$v=x" GCE_METADATA_IP="$CLOSED" VTOKEN_TEST_DMI_PRODUCT_NAME="$T/dmi" \
	    "$VTOKEN" token >"$T/out" 2>"$T/err"
	ok $? "$v set: detected (serverless)"
	is "$(mock_count /)" 0 "$v: without a probe"
done

# The probe finds the mock: detected, one request, no memory written.
unset VT_FRESH_CACHE
XDG_CACHE_HOME=$T/cache-probe
mkdir -p "$XDG_CACHE_HOME"
mock_log_clear
vt token
vt_ok "nothing cheap says GCE: the probe finds the server"
is "$(mock_count /)" 1 "one probe of GCE_METADATA_IP"
is "$(mock_get / headers.metadata-flavor)" Google "with Metadata-Flavor"
[ ! -e "$XDG_CACHE_HOME/vtoken/metadata-absent" ]
ok $? "a positive answer is not remembered"

# A server that is not a metadata server: negative, remembered.
mock_metadata '{"status": 500}'
XDG_CACHE_HOME=$T/cache-neg
mock_log_clear
vt token
vt_fails 3 "the probe gets HTTP 500: no metadata server, exit 3"
is "$(mock_count /)" 1 "one probe, not retried"
[ -f "$XDG_CACHE_HOME/vtoken/metadata-absent" ]
ok $? "the negative answer is remembered"
is "$(stat -c %a "$XDG_CACHE_HOME/vtoken/metadata-absent")" 600 "file mode 0600"
is "$(stat -c %a "$XDG_CACHE_HOME/vtoken")" 700 "directory mode 0700"
mock_metadata "{\"email\": \"$SA\"}"
vt token
vt_fails 3 "the second call believes the memory"
is "$(mock_count /)" 1 "and makes no probe"
vt status --json
like "$(trace credentials 'metadata server')" '^absent not detected: a probe .*remembered' \
    "status says the answer is remembered"
sed -i "s/ [0-9]*\$/ $(($(date +%s) - 4000))/" \
    "$XDG_CACHE_HOME/vtoken/metadata-absent"
vt token
vt_ok "after an hour the probe is made again"
is "$(mock_count /)" 2 "one more probe"
GCE_METADATA_IP=127.0.0.2:$MOCK_PORT vt token
vt_fails 3 "another GCE_METADATA_IP (nothing listens there)"
grep -q "^absent 127\.0\.0\.2:$MOCK_PORT " \
    "$XDG_CACHE_HOME/vtoken/metadata-absent"
ok $? "a memory is only for the address probed: that one was probed"

# A server that never answers: the probe is bounded.
mock_metadata "{\"email\": \"$SA\", \"delay\": 20}"
XDG_CACHE_HOME=$T/cache-slow
mock_log_clear
vt --timeout 10 token
vt_fails 3 "a probe that gets no answer: exit 3"
within 1500 "the probe gives up after a fraction of a second"
XDG_CACHE_HOME=$T/cache-closed
GCE_METADATA_IP=$CLOSED vt token
vt_fails 3 "a probe of a closed port: exit 3"
within 1000 "at once"
GCE_METADATA_IP=$CLOSED vt token
within 1000 "and again, from memory"
mock_metadata "{\"email\": \"$SA\"}"

# -- the http exception is for the metadata server only -----------------------------------

# The address is assembled here, so that no test file spells it out.
md_ip=$(printf '%d.%d.%d.%d' 169 254 169 254)
"$PYTHON3" - "$T/sa.json" "$T/sa-md.json" "$md_ip" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["token_uri"] = "http://%s/token" % sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
EOF
chmod 600 "$T/sa-md.json"
# The address is refused before any connection; should that ever break,
# the proxy variables send the request to a closed loopback port instead
# of off the machine.
http_proxy=http://127.0.0.1:9 all_proxy=http://127.0.0.1:9 \
    vt --credentials "$T/sa-md.json" token
vt_fails 4 "a credential file cannot aim plain http at the metadata address"
unlike "$VT_ERR" "127.0.0.1:9" "refused by the URL rule, not by a failed connection"

done_testing
