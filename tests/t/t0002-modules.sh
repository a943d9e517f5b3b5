#!/bin/sh
# t0002-modules: the program built in the tree finds its own modules
# without `make install` and without VTOKEN_MODULE_DIR; a relative
# VTOKEN_MODULE_DIR, one that others may write to, and a copy of the
# program elsewhere never load code from a place the user did not choose.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

SA=vt-mod@vt-test.iam.gserviceaccount.com
TOKEN_RE='^ya29\.mock-[0-9]+-[A-Za-z0-9_-]+$'

mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token"
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
unset VTOKEN_MODULE_DIR

# -- the uninstalled program ---------------------------------------------------

vt --no-cache -vvv token
vt_ok "the build tree's vtoken mints with VTOKEN_MODULE_DIR unset"
like "$VT_OUT" "$TOKEN_RE" "a token from the mock"
like "$VT_ERR" "loading $VT_BUILDDIR/src/vtoken-net.so" \
    "from the build tree's src/"
is "$(mock_count /token)" 1 "one request"

# git runs helpers inside repositories: a relative directory is refused,
# even when it holds modules.
mkdir -p "$T/repo/src"
cp "$VT_BUILDDIR/src/vtoken-net.so" "$T/repo/src/"
cd "$T/repo" || exit 99
VTOKEN_MODULE_DIR=src vt --no-cache token
cd "$VT_BUILDDIR" || exit 99
unset VTOKEN_MODULE_DIR
vt_fails 3 "a relative VTOKEN_MODULE_DIR: exit 3"
like "$VT_ERR" "VTOKEN_MODULE_DIR must be an absolute path" "and says so"

mkdir -p "$T/open"
cp "$VT_BUILDDIR/src/vtoken-net.so" "$T/open/"
chmod 0777 "$T/open"
VTOKEN_MODULE_DIR=$T/open vt --no-cache token
vt_fails 3 "a module directory writable by others: exit 3"
like "$VT_ERR" "'$T/open' is writable by others" "names it"

chmod 0755 "$T/open"
chmod 0666 "$T/open/vtoken-net.so"
VTOKEN_MODULE_DIR=$T/open vt --no-cache token
vt_fails 3 "a module file writable by others: exit 3"
like "$VT_ERR" "vtoken-net.so' is writable by others" "names it"

chmod 0644 "$T/open/vtoken-net.so"
VTOKEN_MODULE_DIR=$T/open vt --no-cache -vvv token
vt_ok "an absolute VTOKEN_MODULE_DIR of the user's is used"
like "$VT_ERR" "loading $T/open/vtoken-net.so" "that one"
unset VTOKEN_MODULE_DIR

# The checks look, as stat() would, without opening (O_PATH): a directory
# that may only be searched, all dlopen() needs of it, passes.  (As root,
# which may read anything, this proves nothing.)
chmod 0311 "$T/open"
VTOKEN_MODULE_DIR=$T/open vt --no-cache -vvv token
chmod 0755 "$T/open"
unset VTOKEN_MODULE_DIR
vt_ok "a module directory that may only be searched is used"
like "$VT_ERR" "loading $T/open/vtoken-net.so" "that one"

if [ "$(id -u)" -eq 0 ]; then
	chown 65534 "$T/open/vtoken-net.so"
	VTOKEN_MODULE_DIR=$T/open vt --no-cache token
	vt_fails 3 "a module owned by another user: exit 3"
	like "$VT_ERR" "belongs to uid 65534" "names the owner"
	unset VTOKEN_MODULE_DIR
else
	skip "chown needs root" 2
fi

# -- the boundary (mod-host.h) ------------------------------------------------------

# The program exports no function of its own; each module exports only
# its table and needs nothing from the program by name (it was linked
# with -z defs; this also catches a stale build that was not).
if command -v nm >/dev/null 2>&1; then
	exported=$(nm -D --defined-only "$VT_BUILDDIR/src/vtoken" |
	    awk '$2 ~ /^[TtWi]$/ { print $3 }')
	is "$exported" "" "the program exports no function"
	for m in net keyring; do
		so=$VT_BUILDDIR/src/vtoken-$m.so
		if [ ! -f "$so" ]; then
			skip "vtoken-$m.so is not built (configure --without-libsecret)" 2
			continue
		fi
		is "$(nm -D --defined-only "$so" |
		    awk '$2 != "A" && $3 !~ /^__odr_asan/ { print $3 }')" \
		    "vt_${m}_api" "vtoken-$m.so exports its table alone (and ASan's marker)"
		# Undefined symbols: the libraries' (versioned, or GLib's,
		# json-c's, libsecret's), never one of the program's.
		own=$(nm -D --undefined-only "$so" | awk '{ print $2 }' |
		    grep -E '^(log_|vt_|secret_(wipe|free|freezero|notes?)$|file_|x(malloc|calloc|strn?dup|v?asprintf|reallocarray)$|http_|cache_|token_|output_|jwt_|oauth_)' || true)
		is "$own" "" "vtoken-$m.so needs nothing from the program by name"
	done
	readelf -d "$VT_BUILDDIR/src/vtoken-net.so" 2>/dev/null | grep -q 'libjson-c'
	ok $? "vtoken-net.so names json-c, which it uses, as needed"
else
	skip "nm is not installed" 7
fi

# A copy of the program elsewhere does not look beside itself (nor in
# the build tree): only in the configured module directory.
mkdir -p "$T/bin"
cp "$VTOKEN" "$T/bin/vtoken"
: >"$T/bin/vtoken-net.so"
VTOKEN="$T/bin/vtoken" vt --no-cache -vvv token
unlike "$VT_ERR" "loading ($T/bin|$VT_BUILDDIR)/" \
    "a copied program loads nothing beside itself or from the build tree"

done_testing
