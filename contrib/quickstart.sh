#!/bin/sh
# quickstart.sh: the README's two commands.
#
#   sh contrib/quickstart.sh          install what is missing, build, and run
#                                     vtoken's main job: `vtoken env` with your
#                                     Google credentials, or, when there are
#                                     none, a demo against the bundled mock
#                                     Google endpoints on 127.0.0.1
#   sh contrib/quickstart.sh check    install, build with -Werror and run the
#                                     whole test suite, then once more under
#                                     AddressSanitizer+UBSan, the minting
#                                     tests under valgrind, and make
#                                     distcheck; the last line is
#                                     "N passed, N failed".  The tests
#                                     with real clients need node and the
#                                     openai npm package: check installs
#                                     them first (into
#                                     ~/.cache/vtoken-test-node, or
#                                     $VT_NODE_DIR), while the network is
#                                     still there.
#
# Run it as root or as a user who may sudo (only apt-get needs root).
# Builds go to build/ and build-asan/ in the source tree.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-run}
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages needed to build, test and demo vtoken.
PACKAGES="build-essential autoconf automake pkg-config libcurl4-openssl-dev \
libjson-c-dev libssl-dev libglib2.0-dev libsecret-1-dev libmicrohttpd-dev \
python3 openssl curl ca-certificates"
# And to test it: every shell whose quoting `env --shell` promises, a real
# keyring on a private bus, valgrind, procps (pgrep), man page lint, and
# skopeo (a registry client for the Docker helper's test), nghttpx (an
# HTTP/2 server in front of the mock, for the broker's).
CHECK_PACKAGES="libcmocka-dev mandoc bash dash zsh ksh tcsh fish iproute2 \
util-linux procps valgrind git dbus gnome-keyring libsecret-tools python3-gi \
clang libclang-rt-dev python3-httpx skopeo python3-google-auth \
nghttp2-proxy"

# The minting tests and the broker's access checks run again with valgrind
# in front of vtoken.
VALGRIND_TESTS="tests/t/t2000-service-account.sh tests/t/t2100-authorized-user.sh \
tests/t/t6020-serve-access.sh"

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		say "need root to run: $*"
		exit 1
	fi
}

# install_packages PACKAGE...: apt-get install those that are missing.
install_packages() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing:$missing"
	as_root apt-get update -qq
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
}

# The official openai npm package (tests/t/t5200-openai-node.sh, the
# broker's tests) and Google's google-auth-library (the metadata
# emulator's), in a directory outside the source tree; the tests find
# them via VT_NODE_MODULES.  One install for both: npm --no-save prunes
# what it was not asked for.
# node and npm come from Debian when missing (a node from elsewhere, with
# its own npm, is used as it is).
install_node() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
	then
		say "installing: nodejs npm"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends nodejs npm >/dev/null
	fi
	node_dir=${VT_NODE_DIR:-${HOME:-/root}/.cache/vtoken-test-node}
	if [ ! -f "$node_dir/node_modules/openai/package.json" ] ||
	    [ ! -f "$node_dir/node_modules/google-auth-library/package.json" ]
	then
		say "installing the openai and google-auth-library npm" \
		    "packages into $node_dir"
		mkdir -p "$node_dir"
		(cd "$node_dir" && npm install --prefix "$node_dir" --no-audit \
		    --no-fund --no-save --loglevel=error 'openai@^6' \
		    'google-auth-library@^10' >/dev/null) ||
		    say "npm install failed: the Node tests will fail"
	fi
	VT_NODE_MODULES=$node_dir/node_modules
	export VT_NODE_MODULES
}

# build DIR [configure options...]
build() {
	dir=$1
	shift
	if [ ! -x "$top/configure" ]; then
		say "generating configure"
		(cd "$top" && ./autogen.sh >/dev/null 2>&1)
	fi
	mkdir -p "$dir"
	say "building in $dir"
	(cd "$dir" && "$top/configure" -q "$@" >/dev/null &&
	    make -s -j"$jobs" >/dev/null)
}

# isolated CMD: run the shell command CMD inside a network namespace with
# only loopback when we can make one (as root), so that nothing it runs
# can reach anything else.
isolated() {
	if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
		unshare --net sh -c "ip link set lo up && $1"
	else
		sh -c "$1"
	fi
}

# run_check DIR TARGET [MAKE ARGS...]: run make in DIR, isolated.
# Failures are counted from the logs afterwards.
run_check() {
	dir=$1
	shift
	say "make $1 in $dir"
	isolated "cd '$dir' && make -s -j$jobs $*" || true
}

# count LOG FIELD: a total from an automake test-suite log
count() {
	awk -v f="$2" '$1 == "#" && $2 == f":" { print $3; exit }' \
	    "$1" 2>/dev/null || true
}

# tally LOG: add a suite log's results to passed and failed
tally() {
	if [ ! -f "$1" ]; then
		say "no results in $1"
		failed=$((failed + 1))
		return
	fi
	p=$(count "$1" PASS)
	f=$(count "$1" FAIL)
	e=$(count "$1" ERROR)
	x=$(count "$1" XPASS)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
	if [ "${f:-0}${e:-0}${x:-0}" != 000 ]; then
		grep -E '^(FAIL|ERROR|XPASS):' "$1" >&2 || true
		# The suite log holds each failed test's own log: show what
		# each failed check printed (got/expected), so that a CI log
		# says why.
		awk 'BEGIN { n = -1 } /^not ok/ { n = 0; print; next }
		    /^#/ && n < 8 && n >= 0 { n++; print; next }
		    { n = -1 }' "$1" | head -n 80 >&2
	fi
}

# The passes run side by side: the tests spend much of their time waiting
# (on the mock, on locks, on child processes), and each pass has its own
# build tree and network namespace.  The -Werror pass is distcheck's:
# the tarball, built out of tree from a read-only source with
# --enable-werror (AM_DISTCHECK_CONFIGURE_FLAGS), passing the whole
# suite.  build/ serves valgrind and the demo.
check() {
	# shellcheck disable=SC2086 # lists of words
	install_packages $PACKAGES $CHECK_PACKAGES
	install_node
	t0=$(date +%s)
	build "$top/build" --enable-werror
	build "$top/build-asan" --enable-werror --enable-sanitizers
	mkdir -p "$top/build-dist"
	(cd "$top/build-dist" && "$top/configure" -q >/dev/null)
	run_check "$top/build-dist" distcheck >"$top/build-dist/check.out" 2>&1 &
	p1=$!
	run_check "$top/build-asan" check >"$top/build-asan/check.out" 2>&1 &
	p2=$!
	# Every fuzzing harness for 15 s, two at a time (tests/fuzz/README).
	run_check "$top/build" fuzz-smoke >"$top/build/fuzz.out" 2>&1 &
	p3=$!
	# valgrind in front of every run of vtoken in the minting tests.
	run_check "$top/build" check TEST_SUITE_LOG=valgrind-suite.log \
	    TESTS="'$VALGRIND_TESTS'" \
	    VTOKEN_TEST_WRAPPER="'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite'" \
	    >"$top/build/check.out" 2>&1
	# The README's first command, as a new user sees it: the demo.
	say "the demo (sh contrib/quickstart.sh, no credentials)"
	demo_status=0
	isolated "sh '$top/contrib/quickstart.sh' demo" \
	    >"$top/build/demo.out" 2>&1 || demo_status=$?
	wait $p1 $p2 $p3
	passed=0
	failed=0
	tally_dist "$top/build-dist"
	tally "$top/build-asan/test-suite.log"
	tally "$top/build/valgrind-suite.log"
	tally_fuzz "$top/build/fuzz-smoke.log"
	if [ "$demo_status" -eq 0 ] && grep -q 'The demo worked' "$top/build/demo.out"; then
		passed=$((passed + 1))
	else
		say "the demo failed (exit $demo_status); see build/demo.out:"
		tail -n 20 "$top/build/demo.out" >&2
		failed=$((failed + 1))
	fi
	say "the passes took $(($(date +%s) - t0)) s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# tally_fuzz LOG: make fuzz-smoke's harnesses, one test each.
tally_fuzz() {
	tally "$1"
	if [ -f "$1" ]; then
		grep -E '^(ok|not ok|#   )' "$1" >&2 || true
	else
		tail -n 20 "$top/build/fuzz.out" >&2
	fi
}

# tally_dist DIR: distcheck's suite, from the summary it printed (its
# build tree is gone when it passed), and distcheck itself, one test.
tally_dist() {
	log=$(find "$1" -path '*/_build/sub/test-suite.log' 2>/dev/null | head -n 1)
	if [ -n "$log" ]; then
		tally "$log"	# kept only when something failed
	else
		p=$(awk '$1 == "#" && $2 == "PASS:" { print $3; exit }' "$1/check.out")
		f=$(awk '$1 == "#" && ($2 == "FAIL:" || $2 == "ERROR:" || $2 == "XPASS:") { n += $3 } END { print n + 0 }' "$1/check.out")
		passed=$((passed + ${p:-0}))
		failed=$((failed + f))
		[ -n "$p" ] || { say "no test results in $1/check.out"; failed=$((failed + 1)); }
	fi
	if grep -q 'archives ready for distribution' "$1/check.out"; then
		passed=$((passed + 1))
	else
		say "make distcheck failed; see $1/check.out:"
		tail -n 20 "$1/check.out" >&2
		failed=$((failed + 1))
	fi
}

# The demo: mock Google endpoints on 127.0.0.1, a throwaway service-account
# key, and vtoken doing its job against them.  It leaves nothing behind:
# its configuration and cache live in a temporary directory.
demo() {
	vt="$top/build/src/vtoken"
	tmp=$(mktemp -d)
	mock_pid=
	trap 'test -n "$mock_pid" && kill "$mock_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
	say "no Google credentials found: running the demo against mock endpoints on 127.0.0.1"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$tmp/key.pem" 2>/dev/null
	modulus=$(openssl rsa -in "$tmp/key.pem" -noout -modulus | sed 's/^Modulus=//')
	email=demo@demo-project.iam.gserviceaccount.com
	printf '{"service_accounts": {"%s": {"modulus": "%s", "exponent": 65537}}}\n' \
	    "$email" "$modulus" >"$tmp/mock.json"
	python3 "$top/tests/mock/mockgoogle.py" --dir "$tmp" \
	    --config "$tmp/mock.json" >"$tmp/mock.log" 2>&1 &
	mock_pid=$!
	i=0
	while [ ! -s "$tmp/port" ]; do
		if [ $i -ge 200 ] || ! kill -0 "$mock_pid" 2>/dev/null; then
			cat "$tmp/mock.log" >&2
			say "the mock Google endpoints did not start"
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cat "$tmp/port")
	python3 - "$tmp/key.pem" "$email" "http://127.0.0.1:$port/token" \
	    >"$tmp/sa.json" <<'PY'
import json, sys
key = open(sys.argv[1]).read()
print(json.dumps({"type": "service_account", "project_id": "demo-project",
    "private_key_id": "demo", "private_key": key, "client_email": sys.argv[2],
    "token_uri": sys.argv[3]}))
PY
	chmod 600 "$tmp/sa.json"
	mkdir -p "$tmp/config/vtoken"
	cat >"$tmp/config/vtoken/config" <<CONF
# A demo profile: the key file above, a base URL on the mock, and a file
# cache in the demo's directory.
[default]
credentials=$tmp/sa.json
base_url=http://127.0.0.1:$port/v1/projects/demo-project/locations/us-central1/endpoints/openapi
cache=file
CONF
	XDG_CONFIG_HOME=$tmp/config
	XDG_CACHE_HOME=$tmp/cache
	export XDG_CONFIG_HOME XDG_CACHE_HOME
	echo
	echo "\$ vtoken status"
	"$vt" status
	echo
	echo "\$ eval \"\$(vtoken env)\""
	if ! env_out=$("$vt" env); then
		say "vtoken env failed"
		exit 1
	fi
	eval "$env_out"
	echo "OPENAI_API_KEY=$(printf %s "$OPENAI_API_KEY" | cut -c1-16)... (${#OPENAI_API_KEY} characters)"
	echo "OPENAI_BASE_URL=$OPENAI_BASE_URL"
	echo "VTOKEN_EXPIRES_AT=$VTOKEN_EXPIRES_AT"
	echo
	echo "\$ curl -H \"\$(vtoken header)\" \"\$OPENAI_BASE_URL/chat/completions\" -d '{...}'"
	"$vt" header | curl -sS --fail-with-body -H @- \
	    -H 'Content-Type: application/json' \
	    "$OPENAI_BASE_URL/chat/completions" \
	    -d '{"model": "google/gemini-2.0-flash-001", "messages": [{"role": "user", "content": "Hello from vtoken"}]}'
	echo
	# The broker: a program that runs for hours gets a key that never
	# expires; vtoken puts a fresh token on each request.
	echo
	echo "\$ vtoken exec --serve -- sh -c 'curl -H \"Authorization: Bearer \$OPENAI_API_KEY\" \$OPENAI_BASE_URL/chat/completions -d ...'"
	"$vt" exec --serve -- sh -c 'echo "OPENAI_BASE_URL=$OPENAI_BASE_URL (the broker)"
	    curl -sS --fail-with-body -H "Authorization: Bearer $OPENAI_API_KEY" \
	    -H "Content-Type: application/json" "$OPENAI_BASE_URL/chat/completions" \
	    -d "{\"model\": \"google/gemini-2.0-flash-001\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello through the broker\"}]}"' ||
	    { say "vtoken exec --serve failed"; exit 1; }
	echo
	cat <<TXT

The demo worked.  To use real credentials, do one of:
  gcloud auth application-default login          (your user account)
  export GOOGLE_APPLICATION_CREDENTIALS=key.json (a service-account key)
then set a project (export GOOGLE_CLOUD_PROJECT=my-project) and run:
  eval "\$($vt env)"
or install vtoken (cd $top/build && sudo make install) and run:
  eval "\$(vtoken env)"
and for programs that run for hours, the broker (see README, "The broker"):
  vtoken serve &  eval "\$(vtoken env --serve)"
TXT
}

run() {
	# shellcheck disable=SC2086 # a list of words
	install_packages $PACKAGES
	build "$top/build"
	vt="$top/build/src/vtoken"
	if "$vt" -q status >/dev/null 2>&1; then
		say "credentials found: vtoken env"
		"$vt" env
	else
		demo
	fi
}

case $mode in
run)	run ;;
check)	check ;;
demo)	demo ;;		# the demo alone, with build/ already built (CI)
*)	echo "usage: sh contrib/quickstart.sh [run|check]" >&2; exit 2 ;;
esac
