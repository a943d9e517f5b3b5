# tests/lib.sh: sourced by the integration scripts tests/t/tNNNN-name.sh.
# POSIX sh.  make check sets VTOKEN, VT_SRCDIR, VT_BUILDDIR, PYTHON3 and
# OPENSSL (see AM_TESTS_ENVIRONMENT); a script run by hand from the build
# directory finds sensible defaults.
#
# TAP:        plan N | ok STATUS DESC | is GOT EXPECTED DESC |
#             like TEXT ERE DESC | unlike TEXT ERE DESC | pass DESC |
#             fail DESC | skip REASON [N] | skip_all REASON | diag TEXT... |
#             bail_out REASON | done_testing
# vtoken:     vt ARGS...        runs $VTOKEN: $T/out, $T/err, $VT_STATUS,
#                               $VT_OUT, $VT_ERR, $VT_MS (elapsed ms,
#                               from $VT_T0 to $VT_T1, ms since the epoch)
#             vt_ok DESC        status 0 and something on stdout
#             vt_fails CODE DESC  status CODE, stdout empty, one error line
#             within MS DESC [SLEPT_MS]  the last run took less than
#                               MS ms x $VT_TIME_SCALE (+ SLEPT_MS)
# time:       took_less ELAPSED MS DESC [SLEPT_MS]  the same for any span
#             scaled_ms MS      MS x $VT_TIME_SCALE, the bound for MS of work
#             backoff_ms MS     MS x $VTOKEN_TEST_BACKOFF_SCALE: how long
#                               vtoken really sleeps for a nominal MS wait
# keys:       gen_sa_key NAME   prints the path of a PKCS#8 RSA 2048 key
#             key_modulus PEM   prints its modulus in hex
#             gen_ca_and_cert   $T/tls/ca.pem, server.pem, server.key
# files:      make_sa_file PATH EMAIL KEY TOKEN_URI [PROJECT [KEY_ID]]
#             make_user_file PATH CLIENT_ID SECRET REFRESH [TOKEN_URI]
#             json_get FILE FIELD | epoch_of RFC3339 | closed_port | now_ms
# the mock:   mock_start [--tls] | mock_stop | mock_add_sa EMAIL KEY [KID] |
#             mock_add_user CLIENT_ID SECRET REFRESH | mock_set KEY JSON |
#             mock_fault JSON | mock_fault_clear | mock_metadata JSON |
#             mock_count PATH |
#             mock_get PATH FIELD [INDEX] | mock_gap_ms PATH I J |
#             mock_issued | mock_log_clear | mock_tls_errors
#
# Every script gets a private directory $T (removed at the start, kept at
# the end for inspection) holding HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and
# XDG_RUNTIME_DIR.  Nothing here may reach any address but 127.0.0.1.
#
# Time.  Every upper bound on wall-clock time a script asserts goes through
# one factor, VT_TIME_SCALE (a positive number, fractions allowed: 1.5),
# so that a busy machine can be given more room in one place.  The default,
# 3, lets the suite pass on two cores with the other one saturated.  A bound
# is the time the work takes on an idle machine, with room to spare, times
# the factor; time spent sleeping on purpose (a --timeout, a backoff) is
# not slowed by load and is added unscaled.  Lower bounds ("it waited at
# least ...") are never scaled: load only makes things slower.
#
# vtoken's waits between attempts (1 s, 2 s, Retry-After) are shortened
# by VTOKEN_TEST_BACKOFF_SCALE (default 0.1 here; empty for real waits), a
# variable only vtoken's tests use: the nominal schedule still decides and
# is what -v reports, only the sleep is scaled (see backoff_ms).

# -- locations ---------------------------------------------------------------

VT_NAME=$(basename "$0" .sh)
: "${VT_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VT_BUILDDIR:=$(pwd)}"
: "${VTOKEN:=$VT_BUILDDIR/src/vtoken}"
: "${PYTHON3:=python3}"
: "${OPENSSL:=openssl}"
export VTOKEN VT_SRCDIR VT_BUILDDIR PYTHON3 OPENSSL

T=$VT_BUILDDIR/tests/tmp/$VT_NAME
MOCK_DIR=$T/mock
MOCK_CONFIG=$MOCK_DIR/config.json
MOCK_LOG=$MOCK_DIR/requests.log
MOCKCTL=$VT_SRCDIR/tests/mock/mockctl.py
rm -rf "$T"
mkdir -p "$T/home" "$T/config" "$T/cache" "$T/run" "$MOCK_DIR" || exit 99
chmod 700 "$T/run"

# The tests' unix sockets live in the runtime directory (the keyring's, the
# broker's, systemd's), and a socket's path must fit in 108 bytes.  Under a
# deep build tree (distcheck's, in a clone far down a home directory) the
# runtime directory is reached through a short link instead:
# /tmp/vtoken-test-UID/CKSUM, in a 0700 directory of ours, one per test
# and build tree, removed by done_testing.
VT_RUN=$T/run
VT_RUN_LINK=
if [ ${#VT_RUN} -gt 60 ]; then
	vt_d=${TMPDIR:-/tmp}/vtoken-test-$(id -u)
	mkdir -m 700 "$vt_d" 2>/dev/null
	if [ -d "$vt_d" ] && [ ! -L "$vt_d" ] && [ -O "$vt_d" ] &&
	    [ -z "$(find "$vt_d" -maxdepth 0 -perm /077)" ]; then
		VT_RUN_LINK=$vt_d/$(printf %s "$T" | cksum | cut -d ' ' -f 1)
		ln -sfn "$T/run" "$VT_RUN_LINK" && VT_RUN=$VT_RUN_LINK ||
		    VT_RUN_LINK=
	fi
fi

# -- a clean, hermetic environment ------------------------------------------

HOME=$T/home
XDG_CONFIG_HOME=$T/config
XDG_CACHE_HOME=$T/cache
XDG_RUNTIME_DIR=$VT_RUN
LC_ALL=C
TZ=UTC
export HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_RUNTIME_DIR LC_ALL TZ

# What vtoken reads (and what later features will), the proxies, anything
# that could let a library find a real keyring or a real metadata server.
unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG \
    CLOUDSDK_ACTIVE_CONFIG_NAME GOOGLE_CLOUD_PROJECT GCLOUD_PROJECT \
    CLOUDSDK_CORE_PROJECT GOOGLE_CLOUD_LOCATION GOOGLE_CLOUD_QUOTA_PROJECT \
    GOOGLE_CLOUD_UNIVERSE_DOMAIN GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES \
    GOOGLE_API_KEY GEMINI_API_KEY GOOGLE_GENAI_USE_VERTEXAI \
    VTOKEN_PROFILE VTOKEN_API_KEY OPENAI_API_KEY OPENAI_BASE_URL \
    VTOKEN_EXPIRES_AT SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE CURL_HOME \
    http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY ftp_proxy FTP_PROXY \
    DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY \
    K_SERVICE K_REVISION K_CONFIGURATION CLOUD_RUN_JOB FUNCTION_NAME \
    FUNCTION_TARGET GAE_SERVICE GAE_APPLICATION GAE_ENV \
    KUBERNETES_SERVICE_HOST 2>/dev/null
# Later features read these; port 9 on loopback refuses at once.
GCE_METADATA_HOST=127.0.0.1:9
GCE_METADATA_IP=127.0.0.1:9
NO_GCE_CHECK=true
export GCE_METADATA_HOST GCE_METADATA_IP NO_GCE_CHECK
# The machine running the tests may itself be a GCE VM: vtoken reads this
# file instead of /sys/class/dmi/id/product_name (a test-only variable).
VTOKEN_TEST_DMI_PRODUCT_NAME=$T/no-dmi-product-name
export VTOKEN_TEST_DMI_PRODUCT_NAME
# Sleep a tenth of every backoff (see "Time" above; src/http.c).
: "${VTOKEN_TEST_BACKOFF_SCALE=0.1}"
export VTOKEN_TEST_BACKOFF_SCALE
unset GCE_METADATA_ROOT METADATA_SERVER_DETECTION 2>/dev/null

# -- TAP ----------------------------------------------------------------------

VT_TESTNO=0
VT_FAILED=0
VT_PLANNED=

plan() {
	VT_PLANNED=$1
	echo "1..$1"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out() {
	echo "Bail out! $*"
	exit 99
}

# diag TEXT...: each argument, each line of it, as a TAP comment.
diag() {
	for vt_line in "$@"; do
		printf '%s\n' "$vt_line"
	done | sed 's/^/# /'
}

pass() {
	VT_TESTNO=$((VT_TESTNO + 1))
	echo "ok $VT_TESTNO - $*"
}

fail() {
	VT_TESTNO=$((VT_TESTNO + 1))
	VT_FAILED=$((VT_FAILED + 1))
	echo "not ok $VT_TESTNO - $*"
}

# ok STATUS DESC: passes if STATUS is 0, as in
#     [ -s "$T/out" ]; ok $? "something printed"
ok() {
	if [ "$1" -eq 0 ]; then
		pass "$2"
	else
		fail "$2"
		return 1
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "     got: '$1'" "expected: '$2'"
		return 1
	fi
}

# like TEXT ERE DESC: some line of TEXT matches the extended regexp.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "text: '$1'" "does not match: $2"
		return 1
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3"
		diag "text: '$1'" "matches: $2"
		return 1
	else
		pass "$3"
	fi
}

# skip REASON [N]: N (default 1) tests skipped.
skip() {
	vt_n=${2:-1}
	while [ "$vt_n" -gt 0 ]; do
		VT_TESTNO=$((VT_TESTNO + 1))
		echo "ok $VT_TESTNO # SKIP $1"
		vt_n=$((vt_n - 1))
	done
}

# done_testing: end of script ("done" is a shell reserved word).
done_testing() {
	if [ -z "$VT_PLANNED" ]; then
		echo "1..$VT_TESTNO"
	elif [ "$VT_PLANNED" != "$VT_TESTNO" ]; then
		diag "planned $VT_PLANNED tests but ran $VT_TESTNO"
		exit 1
	fi
	[ -z "$VT_RUN_LINK" ] || rm -f "$VT_RUN_LINK"
	[ "$VT_FAILED" -eq 0 ] || exit 1
	exit 0
}

# -- running vtoken -----------------------------------------------------------

# now_ms: milliseconds since the epoch (GNU date, else Python).
now_ms() {
	vt_ns=$(date +%s%N 2>/dev/null)
	case $vt_ns in
	*[!0-9]* | "") "$PYTHON3" -c 'import time; print(int(time.time()*1000))' ;;
	*) echo $((vt_ns / 1000000)) ;;
	esac
}

# vt_permille VALUE: a positive decimal number in thousandths; status 1
# if VALUE is not one.
vt_permille() {
	awk -v v="$1" 'BEGIN {
	    if (v !~ /^([0-9]+[.]?[0-9]*|[.][0-9]+)$/ || v + 0 <= 0) exit 1
	    printf "%d\n", v * 1000 + 0.5 }'
}
VT_TIME_SCALE=${VT_TIME_SCALE:-3}
if ! VT_TIME_PM=$(vt_permille "$VT_TIME_SCALE") || [ "$VT_TIME_PM" -eq 0 ]
then
	bail_out "VT_TIME_SCALE='$VT_TIME_SCALE': not a positive number"
fi
if ! VT_BACKOFF_PM=$(vt_permille "${VTOKEN_TEST_BACKOFF_SCALE:-1}") ||
    [ "$VT_BACKOFF_PM" -eq 0 ] || [ "$VT_BACKOFF_PM" -gt 1000 ]; then
	bail_out "VTOKEN_TEST_BACKOFF_SCALE='$VTOKEN_TEST_BACKOFF_SCALE': not in (0, 1]"
fi

# scaled_ms MS: the bound for MS ms of work on an idle machine.
scaled_ms() {
	echo $(($1 * VT_TIME_PM / 1000))
}

# backoff_ms MS: how long vtoken really sleeps for a nominal wait of MS ms.
backoff_ms() {
	echo $(($1 * VT_BACKOFF_PM / 1000))
}

# vt ARGS...: run vtoken with stdin from $VT_STDIN (default /dev/null),
# under $VTOKEN_TEST_WRAPPER if set (e.g. "valgrind -q --log-file=..."):
# stdout in $T/out and $VT_OUT, stderr in $T/err and $VT_ERR, exit status
# in $VT_STATUS, wall time in $VT_MS, taken right around the call: it
# started at $VT_T0 and ended at $VT_T1 (ms since the epoch).  With
# VT_FRESH_CACHE set, every run gets an empty XDG_CACHE_HOME, so that each
# one asks the mock afresh.
VT_RUNS=0
vt() {
	VT_RUNS=$((VT_RUNS + 1))
	if [ -n "${VT_FRESH_CACHE-}" ]; then
		XDG_CACHE_HOME=$T/cache/$VT_RUNS
		mkdir -p "$XDG_CACHE_HOME"
	fi
	VT_T0=$(now_ms)
	# shellcheck disable=SC2086 # the wrapper is a command line
	${VTOKEN_TEST_WRAPPER-} "$VTOKEN" "$@" <"${VT_STDIN:-/dev/null}" \
	    >"$T/out" 2>"$T/err"
	VT_STATUS=$?
	VT_T1=$(now_ms)
	VT_MS=$((VT_T1 - VT_T0))
	VT_OUT=$(cat "$T/out")
	VT_ERR=$(cat "$T/err")
	{
		echo "\$ vtoken $* => $VT_STATUS (${VT_MS} ms)"
		sed 's/^/  out: /' "$T/out"
		sed 's/^/  err: /' "$T/err"
	} >>"$T/vt.log"
	return 0
}

# vt_report: the last run, as TAP comments (after a failed check).
vt_report() {
	diag "status $VT_STATUS" "stdout: $VT_OUT" "stderr: $VT_ERR"
}

# vt_ok DESC: the last run exited 0 and printed something.
vt_ok() {
	if [ "$VT_STATUS" -eq 0 ] && [ -s "$T/out" ]; then
		pass "$1"
	else
		fail "$1"
		vt_report
		return 1
	fi
}

# vt_fails CODE DESC: the last run exited CODE, printed nothing on stdout,
# and said why in a line "vtoken: ..." on stderr (exactly one line unless
# a wrapper may add its own).
vt_fails() {
	vt_why=
	[ "$VT_STATUS" -eq "$1" ] || vt_why="exit status $VT_STATUS, not $1"
	[ -s "$T/out" ] && vt_why="$vt_why; stdout not empty"
	grep -q '^vtoken: ' "$T/err" || vt_why="$vt_why; no 'vtoken: ' line"
	if [ -z "${VTOKEN_TEST_WRAPPER-}" ] &&
	    [ "$(wc -l <"$T/err")" -ne 1 ]; then
		vt_why="$vt_why; stderr is not one line"
	fi
	if [ -z "$vt_why" ]; then
		pass "$2"
	else
		fail "$2"
		diag "${vt_why#; }"
		vt_report
		return 1
	fi
}

# took_less ELAPSED MS DESC [SLEPT_MS]: ELAPSED ms is less than MS ms of
# work times $VT_TIME_SCALE, plus SLEPT_MS ms of waiting on purpose (a
# --timeout running out, a backoff: not slowed down by load).
took_less() {
	vt_lim=$(($(scaled_ms "$2") + ${4:-0}))
	if [ "$1" -lt "$vt_lim" ]; then
		pass "$3 ($1 ms)"
	else
		fail "$3 ($1 ms)"
		diag "took $1 ms, the limit is $vt_lim ms ($2 ms x VT_TIME_SCALE=$VT_TIME_SCALE${4:+, + $4 ms})"
		return 1
	fi
}

# within MS DESC [SLEPT_MS]: the last run took less than MS ms (times
# $VT_TIME_SCALE, plus SLEPT_MS: see took_less).  Skipped under a
# $VTOKEN_TEST_WRAPPER, which makes everything slow.
within() {
	if [ -n "${VTOKEN_TEST_WRAPPER-}" ]; then
		skip "timing under $VTOKEN_TEST_WRAPPER"
	else
		took_less "$VT_MS" "$@"
	fi
}

# -- keys, certificates and credential files -----------------------------

# gen_sa_key NAME: print the path of an RSA 2048 key (PKCS#8 PEM), made
# once per script.
gen_sa_key() {
	mkdir -p "$T/keys"
	if [ ! -s "$T/keys/$1.pem" ]; then
		"$OPENSSL" genpkey -algorithm RSA \
		    -pkeyopt rsa_keygen_bits:2048 -out "$T/keys/$1.pem" \
		    2>"$T/keys/$1.err" || bail_out "openssl genpkey failed"
	fi
	echo "$T/keys/$1.pem"
}

# key_modulus PEM: the key's modulus, upper-case hex.
key_modulus() {
	"$OPENSSL" rsa -in "$1" -noout -modulus 2>/dev/null | sed 's/^Modulus=//'
}

# gen_ca_and_cert: a CA ($T/tls/ca.pem) and a server certificate for
# IP:127.0.0.1 and DNS:localhost it signed ($T/tls/server.pem, server.key).
gen_ca_and_cert() {
	vt_d=$T/tls
	[ -s "$vt_d/server.pem" ] && return 0
	mkdir -p "$vt_d"
	cat >"$vt_d/ca.cnf" <<-'EOF'
	[req]
	distinguished_name = dn
	prompt = no
	x509_extensions = v3_ca
	[dn]
	CN = vtoken test CA
	[v3_ca]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	EOF
	cat >"$vt_d/server.ext" <<-'EOF'
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature, keyEncipherment
	extendedKeyUsage = serverAuth
	subjectAltName = IP:127.0.0.1, DNS:localhost
	authorityKeyIdentifier = keyid
	EOF
	{
		"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -config "$vt_d/ca.cnf" -keyout "$vt_d/ca.key" \
		    -out "$vt_d/ca.pem" &&
		"$OPENSSL" req -new -newkey rsa:2048 -nodes \
		    -subj /CN=127.0.0.1 -keyout "$vt_d/server.key" \
		    -out "$vt_d/server.csr" &&
		"$OPENSSL" x509 -req -in "$vt_d/server.csr" -days 2 \
		    -CA "$vt_d/ca.pem" -CAkey "$vt_d/ca.key" -CAcreateserial \
		    -extfile "$vt_d/server.ext" -out "$vt_d/server.pem"
	} >"$vt_d/openssl.log" 2>&1 || bail_out "making the test CA failed"
}

# keyring_missing [TOOL...]: why the keyring cannot be tested here (the
# module was not built, configure --without-libsecret, or a tool is not
# installed), on stdout; nothing when it can.
keyring_missing() {
	if [ ! -f "$VT_BUILDDIR/src/vtoken-keyring.so" ]; then
		echo "vtoken was built without libsecret (no keyring module)"
		return
	fi
	for vt_tool in "$@"; do
		command -v "$vt_tool" >/dev/null 2>&1 || {
			echo "no $vt_tool (install dbus, gnome-keyring, libsecret-tools)"
			return
		}
	done
}

# keyring_wait_default: wait until the Secret Service on the session bus
# has a default collection (gnome-keyring makes the login keyring after
# --unlock returns, later on a busy machine); status 1 if it has none
# within 10 s (scaled).
keyring_wait_default() {
	vt_end=$(($(now_ms) + $(scaled_ms 10000)))
	while :; do
		dbus-send --session --print-reply --dest=org.freedesktop.secrets \
		    /org/freedesktop/secrets \
		    org.freedesktop.Secret.Service.ReadAlias string:default \
		    2>/dev/null | grep -q '/org/freedesktop/secrets/collection/' &&
		    return 0
		[ "$(now_ms)" -lt "$vt_end" ] || return 1
		sleep 0.05
	done
}

# make_sa_file PATH EMAIL KEY TOKEN_URI [PROJECT [KEY_ID]]: a
# service_account credential file (mode 0600).
make_sa_file() {
	"$PYTHON3" "$MOCKCTL" sa-file "$@" || bail_out "make_sa_file failed"
}

# make_user_file PATH CLIENT_ID SECRET REFRESH [TOKEN_URI [QUOTA_PROJECT]]:
# an authorized_user credential file (mode 0600).
make_user_file() {
	"$PYTHON3" "$MOCKCTL" user-file "$@" || bail_out "make_user_file failed"
}

# ext_file PATH CREDENTIAL_SOURCE_JSON [EXTRA MEMBERS] [AUDIENCE]: an
# external_account credential file whose token_url is the mock's STS; the
# audience defaults to the caller's $AUD, the subject token type is $JWT.
ext_file() {
	cat >"$1" <<-EOT
	{
	  "type": "external_account",
	  "audience": "${4:-$AUD}",
	  "subject_token_type": "$JWT",
	  "token_url": "$MOCK_URL/v1/token",
	  ${3:+$3,}
	  "credential_source": $2
	}
	EOT
}

# json_get FILE FIELD: print a (dotted) field of a JSON file; status 1 if
# the file is not JSON or lacks the field.
json_get() {
	"$PYTHON3" "$MOCKCTL" json-get "$@"
}

# epoch_of RFC3339: seconds since the epoch of a UTC time like
# 2026-11-22T04:00:00Z; nothing and status 1 if it is not one.
epoch_of() {
	"$PYTHON3" -c 'import calendar, sys, time
try:
    print(calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ")))
except ValueError:
    sys.exit(1)' "$1"
}

# closed_port: a loopback TCP port nothing listens on (just now).
closed_port() {
	"$PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# -- the mock Google endpoints ------------------------------------------------

MOCK_PID=

# mock_start [--tls]: start tests/mock/mockgoogle.py and set MOCK_PORT and
# MOCK_URL (http://127.0.0.1:PORT), with --tls also MOCK_HTTPS_PORT and
# MOCK_HTTPS_URL (certificate from gen_ca_and_cert).  Stopped at exit.
# shellcheck disable=SC2120 # the argument is optional
mock_start() {
	vt_tls=
	if [ "${1-}" = --tls ]; then
		gen_ca_and_cert
		vt_tls=1
	fi
	[ -f "$MOCK_CONFIG" ] || echo '{}' >"$MOCK_CONFIG"
	"$PYTHON3" "$MOCKCTL" set "$MOCK_CONFIG" pwned_file "\"$T/pwned\""
	rm -f "$MOCK_DIR/port" "$MOCK_DIR/https_port"
	if [ -n "$vt_tls" ]; then
		"$PYTHON3" "$VT_SRCDIR/tests/mock/mockgoogle.py" \
		    --dir "$MOCK_DIR" --tls-cert "$T/tls/server.pem" \
		    --tls-key "$T/tls/server.key" 2>>"$MOCK_DIR/stderr" &
	else
		"$PYTHON3" "$VT_SRCDIR/tests/mock/mockgoogle.py" \
		    --dir "$MOCK_DIR" 2>>"$MOCK_DIR/stderr" &
	fi
	MOCK_PID=$!
	trap 'mock_stop' EXIT
	trap 'exit 1' HUP INT TERM
	vt_i=0
	vt_max=$(scaled_ms 200)	# tries 50 ms apart: 10 s x VT_TIME_SCALE
	while [ ! -s "$MOCK_DIR/port" ]; do
		vt_i=$((vt_i + 1))
		if [ "$vt_i" -gt "$vt_max" ] || ! kill -0 "$MOCK_PID" 2>/dev/null
		then
			cat "$MOCK_DIR/stderr" >&2
			bail_out "the mock did not start"
		fi
		sleep 0.05 2>/dev/null || sleep 1
	done
	MOCK_PORT=$(cat "$MOCK_DIR/port")
	MOCK_URL=http://127.0.0.1:$MOCK_PORT
	export MOCK_PORT MOCK_URL
	if [ -n "$vt_tls" ]; then
		MOCK_HTTPS_PORT=$(cat "$MOCK_DIR/https_port")
		MOCK_HTTPS_URL=https://127.0.0.1:$MOCK_HTTPS_PORT
		export MOCK_HTTPS_PORT MOCK_HTTPS_URL
	fi
}

# mock_stop: stop the mock (SIGTERM, then wait for it).
mock_stop() {
	if [ -n "$MOCK_PID" ]; then
		kill "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
		MOCK_PID=
	fi
}

# mock_add_sa EMAIL KEY [KID]: the mock accepts JWTs from EMAIL signed
# with KEY (and, with KID, only with that kid in the header).
mock_add_sa() {
	"$PYTHON3" "$MOCKCTL" add-sa "$MOCK_CONFIG" "$1" \
	    "$(key_modulus "$2")" "${3-}"
}

# mock_add_user CLIENT_ID SECRET REFRESH: an authorized user it accepts.
mock_add_user() {
	"$PYTHON3" "$MOCKCTL" add-user "$MOCK_CONFIG" "$1" "$2" "$3"
}

# mock_set KEY JSON: set a top-level config key (e.g. expires_in 120).
mock_set() {
	"$PYTHON3" "$MOCKCTL" set "$MOCK_CONFIG" "$1" "$2"
}

# mock_metadata JSON: the mock's metadata server section (see
# mockgoogle.py), e.g. '{"email": "sa@p.iam.gserviceaccount.com"}'.
mock_metadata() {
	mock_set metadata "$1"
}

# mock_fault JSON: set the faults section, e.g. '{"fail":2,"status":503}'
# or '{"reply":"malformed"}'; the fail count restarts.
mock_fault() {
	mock_set faults "$1"
}

mock_fault_clear() {
	"$PYTHON3" "$MOCKCTL" del "$MOCK_CONFIG" faults
}

# mock_count PATH: how many requests to PATH (e.g. /token) the mock saw.
mock_count() {
	"$PYTHON3" "$MOCKCTL" count "$MOCK_LOG" "$1"
}

# mock_get PATH FIELD [INDEX]: a field of the last (or INDEX-th) logged
# request to PATH: form.scope, jwt.claims.aud, jwt.header.kid,
# headers.authorization, json.messages...; status 1 if absent.
mock_get() {
	"$PYTHON3" "$MOCKCTL" get "$MOCK_LOG" "$@"
}

# mock_gap_ms PATH I J: ms between the mock receiving the I-th and the
# J-th logged request to PATH (0 is the first).
mock_gap_ms() {
	"$PYTHON3" "$MOCKCTL" gap "$MOCK_LOG" "$@"
}

# mock_issued: the access token the mock issued last ("(none)" if none).
mock_issued() {
	mock_get /token issued || echo "(none)"
}

# mock_log_clear: forget the requests logged so far, and those the mock
# received before now but has not answered yet (a slow reply is logged
# when it is sent: see requests.cleared in mockgoogle.py).
mock_log_clear() {
	vt_now=$(now_ms)
	printf '%d.%03d\n' $((vt_now / 1000)) $((vt_now % 1000)) \
	    >"$MOCK_DIR/requests.cleared.new" &&
	    mv -f "$MOCK_DIR/requests.cleared.new" "$MOCK_DIR/requests.cleared"
	: >"$MOCK_LOG"
	: >"$MOCK_DIR/tls-errors.log"
}

# mock_tls_errors: how many TLS handshakes failed at the mock.
mock_tls_errors() {
	if [ -f "$MOCK_DIR/tls-errors.log" ]; then
		wc -l <"$MOCK_DIR/tls-errors.log" | tr -d ' '
	else
		echo 0
	fi
}

# -- the broker: vtoken serve ---------------------------------------------------
#
# serve_setup [PROJECT]: the mock (started if it is not) and a service
#     account it knows in GOOGLE_APPLICATION_CREDENTIALS ($T/sa.json); sets
#     SERVE_SA, SERVE_BASE (the mock's OpenAI-compatible base URL for
#     PROJECT in us-central1) and SERVE_CHAT (the chat path under it).
# serve_start [ARGS...]: start `vtoken serve ARGS` in the background,
#     stderr appended to $SERVE_ERR ($T/serve.err), and wait for its state
#     file (SERVE_STATE, for profile $SERVE_PROFILE, default "default");
#     sets SERVE_PID, SERVE_URL (openai_base_url), SERVE_LISTEN and
#     SERVE_KEY (api_key).  Status 1, with the broker's stderr as TAP
#     comments, if it exits or no state file comes within 10 s (scaled).
#     Brokers still running at exit are killed (TERM, then KILL).
# serve_stop [SIGNAL]: send SIGNAL (default TERM) and wait; its exit status
#     in SERVE_STATUS (124 if it did not exit within 15 s, scaled: killed).
# serve_env: export OPENAI_API_KEY and OPENAI_BASE_URL for the broker.
# serve_requests: the broker's request log lines ("vtoken: request ...").
# sc ARGS...: tests/mock/serveclient.py ARGS: stdout in $T/sc.out, stderr
#     in $T/sc.err, exit status in SC_STATUS.
# sc_get FIELD: a (dotted) field of the last sc output.
# sc_key KEY ARGS...: sc ARGS with OPENAI_API_KEY=KEY for that call only
#     (SC_STATUS is not kept).
# sc_url URL ARGS...: the same with OPENAI_BASE_URL=URL.
# serve_gone [PID]: status 0 once PID (default SERVE_PID) has exited,
#     waiting up to 15 s (scaled).

SERVE_PID=
SERVE_PIDS=
SERVE_ERR=$T/serve.err
SERVE_PROFILE=${SERVE_PROFILE:-default}

# shellcheck disable=SC2120 # the argument is optional
serve_setup() {
	[ -n "$MOCK_PID" ] || mock_start
	trap 'serve_kill_all; mock_stop' EXIT
	SERVE_SA=vt-serve@vt-test.iam.gserviceaccount.com
	vt_key=$(gen_sa_key serve-sa)
	mock_add_sa "$SERVE_SA" "$vt_key"
	make_sa_file "$T/sa.json" "$SERVE_SA" "$vt_key" "$MOCK_URL/token" \
	    "${1:-vt-serve}"
	GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
	export GOOGLE_APPLICATION_CREDENTIALS
	SERVE_BASE=$MOCK_URL/v1/projects/${1:-vt-serve}/locations/us-central1/endpoints/openapi
	SERVE_CHAT=/v1/projects/${1:-vt-serve}/locations/us-central1/endpoints/openapi/chat/completions
}

serve_start() {
	SERVE_STATE=$XDG_RUNTIME_DIR/vtoken/serve-$SERVE_PROFILE.json
	rm -f "$SERVE_STATE"
	echo "\$ vtoken serve $*" >>"$SERVE_ERR"
	# shellcheck disable=SC2086 # the wrapper is a command line
	${VTOKEN_TEST_WRAPPER-} "$VTOKEN" serve "$@" </dev/null \
	    >>"$T/serve.out" 2>>"$SERVE_ERR" &
	SERVE_PID=$!
	SERVE_PIDS="$SERVE_PIDS $SERVE_PID"
	trap 'serve_kill_all; mock_stop' EXIT
	vt_end=$(($(now_ms) + $(scaled_ms 10000)))
	while [ ! -s "$SERVE_STATE" ]; do
		if ! kill -0 "$SERVE_PID" 2>/dev/null ||
		    [ "$(now_ms)" -gt "$vt_end" ]; then
			diag "vtoken serve $* did not start:" "$(tail -n 20 "$SERVE_ERR")"
			return 1
		fi
		sleep 0.05
	done
	# Written by rename, so what is there is whole.
	SERVE_URL=$(json_get "$SERVE_STATE" openai_base_url)
	SERVE_LISTEN=$(json_get "$SERVE_STATE" listen)
	SERVE_KEY=$(json_get "$SERVE_STATE" api_key)
	return 0
}

serve_env() {
	OPENAI_API_KEY=$SERVE_KEY
	OPENAI_BASE_URL=$SERVE_URL
	export OPENAI_API_KEY OPENAI_BASE_URL
}

serve_gone() {
	vt_p=${1:-$SERVE_PID}
	vt_end=$(($(now_ms) + $(scaled_ms 15000)))
	while kill -0 "$vt_p" 2>/dev/null; do
		[ "$(now_ms)" -lt "$vt_end" ] || return 1
		sleep 0.05
	done
	return 0
}

# shellcheck disable=SC2120 # the argument is optional
serve_stop() {
	SERVE_STATUS=
	[ -n "$SERVE_PID" ] || return 0
	kill "-${1:-TERM}" "$SERVE_PID" 2>/dev/null
	if serve_gone "$SERVE_PID"; then
		wait "$SERVE_PID" 2>/dev/null
		SERVE_STATUS=$?
	else
		kill -KILL "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
		SERVE_STATUS=124
	fi
	SERVE_PID=
}

serve_kill_all() {
	for vt_p in $SERVE_PIDS; do
		kill -TERM "$vt_p" 2>/dev/null
	done
	for vt_p in $SERVE_PIDS; do
		serve_gone "$vt_p" || kill -KILL "$vt_p" 2>/dev/null
	done
	SERVE_PIDS=
}

serve_requests() {
	grep '^vtoken: request ' "$SERVE_ERR"
}

sc() {
	"$PYTHON3" "$VT_SRCDIR/tests/mock/serveclient.py" "$@" \
	    >"$T/sc.out" 2>"$T/sc.err"
	SC_STATUS=$?
	{
		echo "\$ serveclient $* => $SC_STATUS"
		sed 's/^/  out: /' "$T/sc.out" | cut -c1-2000
		sed 's/^/  err: /' "$T/sc.err"
	} >>"$T/sc.log"
	return 0
}

sc_get() {
	json_get "$T/sc.out" "$1"
}

sc_key() {
	(
		OPENAI_API_KEY=$1
		export OPENAI_API_KEY
		shift
		sc "$@"
	)
}

sc_url() {
	(
		OPENAI_BASE_URL=$1
		export OPENAI_BASE_URL
		shift
		sc "$@"
	)
}

# -- the metadata server emulator: vtoken serve --metadata ---------------------
#
# meta_start [ARGS...]: serve_start --metadata [--base-url $SERVE_BASE]
#     ARGS (see serve_start; the base URL when serve_setup set it, so that
#     the proxy's requests go to the mock) and set META_HOST, the state
#     file's metadata_host (HOST:PORT).
# md PATH [OPTIONS...]: tests/mock/metaclient.py OPTIONS $META_HOST PATH
#     (Metadata-Flavor: Google and Host: $META_HOST unless an option says
#     otherwise): the JSON reply in $T/md.out, the line
#     "STATUS|CONTENT-TYPE|METADATA-FLAVOR|LOCATION" in MD_SUM, the body
#     in MD_BODY.
# md_get FIELD: a (dotted) field of the last md reply (headers.NAME).
# npm_missing PACKAGE: why the npm PACKAGE (openai, google-auth-library)
#     cannot be used here, on stdout; nothing when it can (VT_NODE_MODULES).
# meta_python_missing: the same for Debian's python3-google-auth.

META_HOST=

meta_start() {
	serve_start --metadata ${SERVE_BASE:+--base-url "$SERVE_BASE"} "$@" ||
	    return 1
	META_HOST=$(json_get "$SERVE_STATE" metadata_host)
}

md() {
	vt_mp=$1
	shift
	rm -f "$T/md.sum"
	"$PYTHON3" "$VT_SRCDIR/tests/mock/metaclient.py" --summary "$T/md.sum" \
	    "$@" "$META_HOST" "$vt_mp" >"$T/md.out" 2>"$T/md.err"
	MD_SUM=$(cat "$T/md.sum" 2>/dev/null)
	MD_BODY=$(json_get "$T/md.out" body 2>/dev/null)
	{
		echo "\$ metaclient $* $META_HOST $vt_mp => $MD_SUM"
		sed 's/^/  out: /' "$T/md.out" | cut -c1-2000
		sed 's/^/  err: /' "$T/md.err"
	} >>"$T/md.log"
	return 0
}

md_get() {
	json_get "$T/md.out" "$1"
}

npm_missing() {
	if ! command -v node >/dev/null 2>&1; then
		echo "node is not installed"
	elif [ -z "${VT_NODE_MODULES-}" ] ||
	    [ ! -f "$VT_NODE_MODULES/$1/package.json" ]; then
		echo "the $1 npm package is not installed (set VT_NODE_MODULES)"
	fi
}

meta_python_missing() {
	"$PYTHON3" -c 'import google.auth, google.auth.compute_engine' \
	    >/dev/null 2>&1 ||
	    echo "python3-google-auth is not installed (import google.auth failed)"
}
