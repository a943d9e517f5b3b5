#!/bin/sh
# t6100-serve-metadata-routes: `vtoken serve --metadata`, the metadata
# server emulator, answers the real server's routes as client libraries
# use them (reference/metadata-clients.md): status, Content-Type,
# Location of the 301s, and "Metadata-Flavor: Google" on every reply,
# errors included.  It refuses, as the real server or as a local broker
# must: no Metadata-Flavor (but on /), any X-Forwarded-For, a Host that
# names neither the listen address nor a metadata name, another uid, a
# method but GET, wait_for_change.  The state file, `env --serve` and
# `exec --serve --metadata` carry the GCE_METADATA_* variables; the
# usage errors exit 2.  numeric-project-id (gcloud's detection) answers
# digits when the profile has project_number, else 404.  No token in the
# broker's log.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

serve_setup vt-meta
V1=/computeMetadata/v1
SA_DIR=$V1/instance/service-accounts
# The metadata server's well-known address, built here (not written out).
MD_IP=$(printf '%d.%d.%d.%d' 169 254 169 254)
# The metadata server's name, likewise only ever a Host header sent to the
# broker on loopback (nothing resolves it).
MD_NAME=$(printf '%s.%s.%s' metadata google internal)

# route PATH STATUS CTYPE DESC [METACLIENT OPTIONS...]: one request; the
# status, the Content-Type (a prefix; "-": not checked) and the
# Metadata-Flavor reply header.
route() {
	vt_p=$1 vt_s=$2 vt_c=$3 vt_d=$4
	shift 4
	md "$vt_p" "$@"
	vt_got=$(printf '%s\n' "$MD_SUM" | cut -d'|' -f1-3)
	vt_want="$vt_s|$(printf '%s\n' "$MD_SUM" | cut -d'|' -f2)|Google"
	if [ "$vt_c" != - ]; then
		case $(printf '%s\n' "$MD_SUM" | cut -d'|' -f2) in
		"$vt_c"*) ;;
		*) vt_want="$vt_s|$vt_c|Google" ;;
		esac
	fi
	is "$vt_got" "$vt_want" "$vt_d" || diag "body: $MD_BODY"
}

# redirect PATH DESC: 301 to PATH/ (Location absolute or not).
redirect() {
	route "$1" 301 - "$2"
	like "$(printf '%s\n' "$MD_SUM" | cut -d'|' -f4)" \
	    "^(http://[^/]+)?$1/\$" "  Location: $1/"
}

# -- usage, the state file, env --serve --------------------------------------------

vt serve --metadata --listen "unix:$XDG_RUNTIME_DIR/broker.sock"
vt_fails 2 "--metadata with a unix: listen address: exit 2"
vt serve --no-openai
vt_fails 2 "--no-openai without --metadata: exit 2"
# Client libraries would send an API key on as a bearer token.
GEMINI_API_KEY=AIzaSy$(printf 'k%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33) \
    vt serve --metadata
vt_fails 3 "--metadata with an API key chosen: exit 3"
like "$VT_ERR" "needs an OAuth credential" "saying why"

: >"$SERVE_ERR"
meta_start -vvv || bail_out "the broker did not start"
like "$META_HOST" '^127\.0\.0\.1:[0-9]+$' "the state file has metadata_host HOST:PORT"
is "$META_HOST" "$SERVE_LISTEN" "(the listen address)"
PORT=${META_HOST##*:}

vt env --serve
vt_ok "env --serve"
for v in GCE_METADATA_HOST GCE_METADATA_ROOT GCE_METADATA_IP; do
	like "$VT_OUT" "^(export )?$v=['\"]?$META_HOST['\"]?;?\$" "env --serve prints $v=$META_HOST"
done
vt env --serve --shell json
is "$(json_get "$T/out" GCE_METADATA_ROOT)" "$META_HOST" "env --serve --shell json has it too"

# -- the routes -------------------------------------------------------------------

route / 200 - "/ without Metadata-Flavor: 200 (Python's detection ping)" --no-flavor
route / 200 - "/ with Metadata-Flavor: 200"
redirect $V1 "$V1: 301"
route $V1/ 200 - "$V1/: 200"
route $V1/instance 200 - "$V1/instance (Node's detection, no slash): 200"
route $V1/instance/ 200 - "$V1/instance/: 200"
redirect $V1/instance/service-accounts "instance/service-accounts: 301"
route $SA_DIR/ 200 - "instance/service-accounts/: 200"
like "$MD_BODY" '^default/$' "  lists default/"
like "$MD_BODY" "^$SERVE_SA/\$" "  and the account's e-mail/"
for acct in default "$SERVE_SA"; do
	redirect "$SA_DIR/$acct" "service-accounts/$acct: 301"
	route "$SA_DIR/$acct/?recursive=true" 200 application/json \
	    "service-accounts/$acct/?recursive=true: 200 JSON"
	is "$(md_get body | "$PYTHON3" -c 'import json, sys
o = json.loads(sys.stdin.read())
print(o["email"], type(o["aliases"]).__name__, "default" in o["aliases"],
      type(o["scopes"]).__name__, len(o["scopes"]) > 0)' 2>&1)" \
	    "$SERVE_SA list True list True" "  with email, aliases and scopes"
	route "$SA_DIR/$acct/email" 200 - "service-accounts/$acct/email: 200"
	is "$MD_BODY" "$SERVE_SA" "  the account's e-mail"
	route "$SA_DIR/$acct/scopes" 200 - "service-accounts/$acct/scopes: 200"
	like "$MD_BODY" '^https://www\.googleapis\.com/auth/' "  a scope per line"
	route "$SA_DIR/$acct/aliases" 200 - "service-accounts/$acct/aliases: 200"
done
route "$SA_DIR/default/" 200 - "service-accounts/default/ (not recursive): 200"
route "$SA_DIR/other@vt-test.iam.gserviceaccount.com/email" 404 - \
    "another account's e-mail: 404"
route "$SA_DIR/default/nope" 404 - "service-accounts/default/nope: 404"
route "$SA_DIR/default/identity" 400 - "identity without audience: 400"
route "$SA_DIR/default/identity?audience=" 400 - "identity?audience= (empty): 400"
redirect $V1/project "$V1/project: 301"
route $V1/project/ 200 - "$V1/project/: 200"
route $V1/project/project-id 200 - "project/project-id: 200"
is "$MD_BODY" vt-meta "  the project"
route $V1/project/numeric-project-id 404 - \
    "project/numeric-project-id without project_number: 404"
redirect $V1/universe "$V1/universe: 301"
route $V1/universe/ 200 - "$V1/universe/: 200"
route $V1/universe/universe-domain 200 - "universe/universe-domain (Python's): 200"
is "$MD_BODY" googleapis.com "  googleapis.com"
route $V1/universe/universe_domain 200 - "universe/universe_domain (Go's): 200"
is "$MD_BODY" googleapis.com "  googleapis.com"
route "$V1/instance/?wait_for_change=true" 400 - "wait_for_change: 400"
like "$MD_BODY" wait_for_change "  saying why"
route "$V1/project/project-id?wait_for_change=true&timeout_sec=1" 400 - \
    "wait_for_change on a value: 400"
route $V1/instance/zone 404 - "instance/zone (not emulated): 404"
route /computeMetadata/v2/ 404 - "/computeMetadata/v2/: 404"
route /computeMetadata/ 404 - "/computeMetadata/: 404"
route "$SA_DIR/default/token" 200 application/json "service-accounts/default/token: 200 JSON"
tok=$(md_get body | "$PYTHON3" -c 'import json, sys
print(json.loads(sys.stdin.read())["access_token"])' 2>/dev/null)
is "$tok" "$(mock_issued)" "  the token the mock issued"
route "$SA_DIR/$SERVE_SA/token" 200 application/json "service-accounts/EMAIL/token: 200 JSON"
is "$(md_get body | "$PYTHON3" -c 'import json, sys
print(json.loads(sys.stdin.read())["access_token"])' 2>/dev/null)" "$tok" \
    "  the same token (one scope set, one token)"
is "$(md_get header_count.metadata-flavor)" 1 "Metadata-Flavor comes once"

# -- the OpenAI proxy is still there --------------------------------------------------

serve_env
sc req --text "beside the metadata server"
is "$(sc_get status)" 200 "the OpenAI proxy works beside --metadata"
sc req --no-key --path /computeMetadata/v1/project/project-id --method GET \
    --header "Metadata-Flavor: Google"
is "$(sc_get status)" 200 "(the metadata routes need no key)"

# -- refusals ---------------------------------------------------------------------

# refused PATH STATUS DESC [OPTIONS...]: refused, with Metadata-Flavor, and
# no token in the body.
refused() {
	vt_p=$1 vt_s=$2 vt_d=$3
	shift 3
	route "$vt_p" "$vt_s" - "$vt_d" "$@"
	unlike "$MD_BODY" 'ya29\.|access_token' "  no token in the reply"
}

mock_log_clear
refused "$SA_DIR/default/token" 403 "token without Metadata-Flavor: 403" --no-flavor
refused $V1/project/project-id 403 "project-id without Metadata-Flavor: 403" --no-flavor
refused "$SA_DIR/default/token" 403 "Metadata-Flavor: Goggle: 403" --flavor Goggle
refused "$SA_DIR/default/token" 403 "X-Forwarded-For: 403" \
    --header "X-Forwarded-For: 127.0.0.1"
refused / 403 "X-Forwarded-For on /: 403" --header "X-Forwarded-For: 10.0.0.1" --no-flavor
refused "$SA_DIR/default/token" 403 "Host: evil.example: 403" --host evil.example
refused "$SA_DIR/default/token" 403 "Host: evil.example:PORT: 403" --host "evil.example:$PORT"
refused / 403 "Host: evil.example on /: 403" --host evil.example --no-flavor
refused "$SA_DIR/default/token" 403 "Host: 127.0.0.1 and another port: 403" --host 127.0.0.1:1
refused "$SA_DIR/default/token" 403 "Host: the metadata name and another port: 403" \
    --host "$MD_NAME:1"
refused "$SA_DIR/default/token" 403 "Host: the metadata name.evil.example: 403" \
    --host "$MD_NAME.evil.example"
refused "$SA_DIR/default/token" 403 "Host: the metadata IP and another port: 403" \
    --host "$MD_IP:1"
for m in POST PUT DELETE PATCH; do
	refused "$SA_DIR/default/token" 405 "$m: 405" --method "$m"
done
is "$(mock_count /token)" 0 "none of them minted"

for h in "localhost:$PORT" "$MD_NAME" "$MD_NAME:$PORT" \
    metadata "metadata:$PORT" "$MD_IP" "$MD_IP:$PORT" \
    "$(printf %s "$MD_NAME" | tr a-z A-Z)"; do
	case $h in
	"$MD_IP"*) d="the metadata IP${h#"$MD_IP"}" ;;
	*) d=$h ;;
	esac
	route $V1/project/project-id 200 - "Host: $d is accepted" --host "$h"
done

# -- another user --------------------------------------------------------------------

MC=$VT_SRCDIR/tests/mock/metaclient.py
if [ "$(id -u)" -ne 0 ]; then
	skip "another uid needs root (setpriv --reuid)" 4
elif ! command -v setpriv >/dev/null 2>&1; then
	skip "setpriv is not installed (util-linux)" 4
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PYTHON3" -c 'import sys; open(sys.argv[1]).close()' "$MC" 2>/dev/null; then
	skip "uid 65534 cannot read $MC" 4
else
	mock_log_clear
	for p in "$SA_DIR/default/token" /; do
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$PYTHON3" "$MC" "$META_HOST" "$p" >"$T/md.out" 2>"$T/md.err"
		is "$(md_get status)" 403 "uid 65534 asks $p: 403"
		unlike "$(md_get body)" 'ya29\.' "  no token in the reply"
	done
	is "$(mock_count /token)" 0 "uid 65534: nothing minted"
	is "$(md_get headers.metadata-flavor)" Google \
	    "uid 65534's 403 carries Metadata-Flavor: Google too"
fi

serve_stop
is "$SERVE_STATUS" 0 "SIGTERM: exit 0"

# -- the log -----------------------------------------------------------------------

"$PYTHON3" "$MOCKCTL" where "$MOCK_DIR/requests.log" path /token issued >"$T/secrets"
printf '%s\n' "$tok" >>"$T/secrets"
sed -i '/^$/d' "$T/secrets"
grep -F -f "$T/secrets" "$SERVE_ERR" >"$T/leaks"
is "$(cat "$T/leaks")" "" "-vvv: no token in the broker's log"
unlike "$(cat "$SERVE_ERR")" 'ya29\.mock-[0-9]+-' "-vvv: nothing that looks like a token"
like "$(serve_requests)" 'computeMetadata' "(the metadata requests were logged)"

# -- numeric-project-id, --no-openai -----------------------------------------------

mkdir -p "$XDG_CONFIG_HOME/vtoken"
printf '[default]\nproject_number = 123456789012\n' >"$XDG_CONFIG_HOME/vtoken/config"
meta_start --no-openai || bail_out "the broker did not start (--no-openai)"
route $V1/project/numeric-project-id 200 - \
    "project_number = 123456789012: numeric-project-id 200 (gcloud's detection)"
is "$MD_BODY" 123456789012 "  digits only"
serve_env
sc req --text "no openai"
is "$(sc_get status)" 404 "--no-openai: the OpenAI route is 404"
serve_stop
printf '[default]\nproject_number = 12ab\n' >"$XDG_CONFIG_HOME/vtoken/config"
vt serve --metadata
vt_fails 3 "project_number = 12ab: refused (a configuration error)"
rm -f "$XDG_CONFIG_HOME/vtoken/config"

# -- exec --serve --metadata ----------------------------------------------------------

# shellcheck disable=SC2016 # expanded by the child's shell
vt exec --serve --metadata --base-url "$SERVE_BASE" -- sh -c 'echo "H=$GCE_METADATA_HOST R=$GCE_METADATA_ROOT I=$GCE_METADATA_IP G=${GOOGLE_APPLICATION_CREDENTIALS-unset}"'
vt_ok "exec --serve --metadata -- sh -c 'echo ...'"
like "$VT_OUT" '^H=127\.0\.0\.1:[0-9]+ R=127\.0\.0\.1:[0-9]+ I=127\.0\.0\.1:[0-9]+ G=unset$' \
    "the child gets GCE_METADATA_HOST/ROOT/IP and no GOOGLE_APPLICATION_CREDENTIALS"
h=$(printf '%s\n' "$VT_OUT" | sed 's/^H=\([^ ]*\) R=\([^ ]*\) I=\([^ ]*\) .*/\1 \2 \3/')
is "$h" "${h%% *} ${h%% *} ${h%% *}" "  all three the same HOST:PORT"
# shellcheck disable=SC2016
vt exec --serve --base-url "$SERVE_BASE" -- sh -c 'echo "H=${GCE_METADATA_HOST-} G=${GOOGLE_APPLICATION_CREDENTIALS-unset}"'
is "$VT_OUT" "H=127.0.0.1:9 G=$GOOGLE_APPLICATION_CREDENTIALS" \
    "without --metadata: neither is touched"
# shellcheck disable=SC2016
vt exec --serve --metadata --base-url "$SERVE_BASE" -- sh -c 'exec "$1" "$2" "$GCE_METADATA_HOST" "$3"' sh \
    "$PYTHON3" "$MC" $V1/project/project-id
is "$VT_STATUS" 0 "a client under exec --serve --metadata: exit 0"
printf '%s\n' "$VT_OUT" >"$T/md.out"
is "$(md_get status)/$(md_get body)" 200/vt-meta "  it reached the private metadata server"

done_testing
