#!/bin/sh
# t5720-kube-credential: vtoken as kubectl's exec credential plugin: the
# ExecCredential it prints for KUBERNETES_EXEC_INFO (v1, v1beta1, none),
# the requests it refuses (exit 2, nothing on stdout), that it never reads
# stdin; then the kubeconfig stanza of the README, as written there, with
# kubectl against the mock's API server route: 20 kubectl commands make
# one token request.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-kube@vt-test.iam.gserviceaccount.com
V1=client.authentication.k8s.io/v1
V1BETA1=client.authentication.k8s.io/v1beta1

# kubectl sends a user's credentials only to an https server: the API
# server route is reached on the mock's TLS listener, under the test CA.
mock_start --tls
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-kube-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
unset KUBERNETES_EXEC_INFO KUBECONFIG

# field PATH: a field of the JSON in $T/out ("status.token").
field() {
	"$PYTHON3" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$T/out" "$1"
}

# info VERSION [KIND]: KUBERNETES_EXEC_INFO as kubectl sets it.
info() {
	printf '{"kind":"%s","apiVersion":"%s","spec":{"interactive":false}}' \
	    "${2:-ExecCredential}" "$1"
}

# -- the protocol ----------------------------------------------------------------

KUBERNETES_EXEC_INFO=$(info "$V1") vt kube-credential
vt_ok "KUBERNETES_EXEC_INFO asking for v1"
is "$(field apiVersion)" "$V1" "gets v1 back"
is "$(field kind)" ExecCredential "kind ExecCredential"
is "$(field status.token)" "$(mock_issued)" "status.token is the minted token"
exp=$(field status.expirationTimestamp)
like "$exp" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "expirationTimestamp is RFC 3339 ($exp)"
left=$(($(epoch_of "$exp") - VT_T1 / 1000))
if [ "$left" -gt 3400 ] && [ "$left" -le 3540 ]; then
	pass "a minute before the token's own expiry (${left} s left)"
else
	fail "a minute before the token's own expiry (${left} s left)"
fi
is "$VT_ERR" "" "nothing on stderr"
TOKEN=$(field status.token)

KUBERNETES_EXEC_INFO=$(info "$V1BETA1") vt kube-credential
is "$(field apiVersion)" "$V1BETA1" "v1beta1 gets v1beta1"
is "$(field status.token)" "$TOKEN" "the cached token"
vt kube-credential
is "$(field apiVersion)" "$V1BETA1" "no KUBERNETES_EXEC_INFO: v1beta1"
KUBERNETES_EXEC_INFO='' vt kube-credential
is "$(field apiVersion)" "$V1BETA1" "an empty one too"

# stdin is a pipe that never ends: a plugin that read it would hang.
n=$(mock_count /token)
mkfifo "$T/fifo"
(sleep 30 >"$T/fifo") &
holder=$!
VT_STDIN=$T/fifo KUBERNETES_EXEC_INFO=$(info "$V1") vt kube-credential
kill "$holder" 2>/dev/null
vt_ok "stdin is never read"
within 2000 "and it does not wait for it"

for bad in 'not json' '[]' "$(info "$V1" Secret)" \
    "$(info client.authentication.k8s.io/v1alpha1)" \
    '{"kind":"ExecCredential"}' "$(info "$V1") trailing"; do
	KUBERNETES_EXEC_INFO=$bad vt kube-credential
	vt_fails 2 "refused, exit 2, nothing on stdout: $bad"
done
like "$VT_ERR" "KUBERNETES_EXEC_INFO" "the message names the variable"
is "$(mock_count /token)" "$n" "nothing was minted for them"

GOOGLE_APPLICATION_CREDENTIALS=$T/missing.json \
    KUBERNETES_EXEC_INFO=$(info "$V1") vt kube-credential
vt_fails 3 "no credentials: exit 3 and one line (kubectl shows it)"
vt kube-credential extra
vt_fails 2 "an argument: exit 2"

# -- the README's kubeconfig stanza, with kubectl ------------------------------------

# The users: block of the README, as documented (indented four spaces).
sed -n '/^    users:$/,/^$/p' "$VT_SRCDIR/README" | sed 's/^    //' \
    >"$T/stanza.yaml"
grep -q 'args: \[kube-credential\]' "$T/stanza.yaml"
ok $? "the README documents a users[].user.exec stanza" ||
    diag "$(cat "$T/stanza.yaml")"
user=$(sed -n 's/^- name: *//p' "$T/stanza.yaml" | head -n 1)

# kubeconfig VERSION: a kubeconfig for the mock's API server, its user the
# README's stanza with apiVersion VERSION.
kubeconfig() {
	cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mock
  cluster:
    server: $MOCK_HTTPS_URL
    certificate-authority: $T/tls/ca.pem
contexts:
- name: mock
  context:
    cluster: mock
    user: $user
current-context: mock
EOF
	sed "s|apiVersion: client.authentication.k8s.io/.*|apiVersion: $1|" \
	    "$T/stanza.yaml"
}

# command: vtoken, as the stanza says: vtoken on PATH.
mkdir -p "$T/bin"
ln -s "$VTOKEN" "$T/bin/vtoken"
PATH=$T/bin:$PATH
export PATH

if ! command -v kubectl >/dev/null 2>&1; then
	skip "kubectl is not installed (Debian package kubernetes-client)" 5
	done_testing
fi

kubeconfig "$V1BETA1" >"$T/kubeconfig"
vt cache clear
mock_log_clear
kubectl --kubeconfig "$T/kubeconfig" get --raw /api >"$T/kubectl.out" \
    2>"$T/kubectl.err"
ok $? "kubectl get --raw /api with the README's stanza (v1beta1)" ||
    diag "$(cat "$T/kubectl.err")"
like "$(cat "$T/kubectl.out")" '"kind": ?"APIVersions"' "the API server answered"
like "$(mock_get /api headers.authorization)" "^Bearer $(mock_issued)\$" \
    "with vtoken's token"

i=0
failed=0
while [ "$i" -lt 20 ]; do
	kubectl --kubeconfig "$T/kubeconfig" get --raw /api >/dev/null \
	    2>>"$T/kubectl.err" || failed=$((failed + 1))
	i=$((i + 1))
done
is "$failed/$(mock_count /token)" "0/1" \
    "20 more kubectl commands: all answered, still one token request"

# v1 exec credentials came with kubectl 1.22 (Debian bookworm's is 1.20).
minor=$(kubectl version --client -o json 2>/dev/null | "$PYTHON3" -c '
import json, re, sys
print(re.sub(r"[^0-9].*", "", json.load(sys.stdin)["clientVersion"]["minor"]))' \
    2>/dev/null)
if [ "${minor:-0}" -lt 22 ]; then
	skip "kubectl 1.${minor:-?} has no v1 exec credentials"
else
	kubeconfig "$V1" >"$T/kubeconfig-v1"
	kubectl --kubeconfig "$T/kubeconfig-v1" get --raw /api >/dev/null \
	    2>"$T/kubectl.err"
	ok $? "the same stanza with apiVersion v1 (kubectl 1.$minor)" ||
	    diag "$(cat "$T/kubectl.err")"
fi

done_testing
