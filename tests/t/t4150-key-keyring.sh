#!/bin/sh
# t4150-key-keyring: `vtoken key set|status|delete` and the stored key's
# place in the resolution order, against a real keyring: gnome-keyring on
# a private session bus, with a private HOME so that its login keyring is
# new and unlocked by the password fed on stdin.

# Re-run inside a private session bus (stdout, the TAP stream, passes).
if [ -z "${VT_IN_BUS-}" ] && command -v dbus-run-session >/dev/null &&
    command -v gnome-keyring-daemon >/dev/null; then
	VT_IN_BUS=1 exec dbus-run-session -- sh "$0" "$@" 2>/dev/null
fi
vt_bus=${DBUS_SESSION_BUS_ADDRESS-}

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

why=$(keyring_missing)
[ -z "$why" ] || skip_all "$why"
[ -n "${VT_IN_BUS-}" ] && [ -n "$vt_bus" ] ||
	skip_all "needs dbus-run-session and gnome-keyring-daemon"
DBUS_SESSION_BUS_ADDRESS=$vt_bus
export DBUS_SESSION_BUS_ADDRESS
printf 'vt-test' | gnome-keyring-daemon --unlock --components=secrets \
    >/dev/null 2>&1
command -v dbus-send >/dev/null 2>&1 || skip_all "no dbus-send (install dbus)"
keyring_wait_default || bail_out "gnome-keyring made no default collection"

KEY=AIzaSyA1234567890abcdefghijklmnopqrstuv
printf '%s\n' "$KEY" >"$T/key"

vt key status
is "$VT_OUT" "no API key stored for profile 'default'" "nothing stored at first"

VT_STDIN=$T/key vt key set
is "$VT_STATUS" 0 "key set stores the key read from stdin"
is "$VT_OUT$VT_ERR" "" "and prints nothing"
[ -f "$XDG_CONFIG_HOME/vtoken/stored-keys" ]
ok $? "and leaves the marker that lets resolution look in the keyring"

vt key status
like "$VT_OUT" "an API key is stored for profile 'default'" "key status sees it"
unlike "$VT_OUT$VT_ERR" "$KEY" "without printing it"

vt token
vt_ok "token finds the stored key"
is "$VT_OUT" "$KEY" "and prints it"
vt status
like "$VT_OUT" "keyring" "status says it came from the keyring"
unlike "$VT_OUT" "$KEY" "without printing it"

GOOGLE_API_KEY=AIzaSyB0000000000000000000000000000000000 vt token
is "$VT_OUT" "$KEY" "the stored key comes before GOOGLE_API_KEY"

vt key delete
is "$VT_STATUS" 0 "key delete"
vt key status
is "$VT_OUT" "no API key stored for profile 'default'" "and it is gone"
vt token
is "$VT_STATUS" 3 "then token finds no credential (exit 3)"

# The marker's directory is made as a private directory (file_dir_open):
# with its parents when missing, 0700; a dotfile manager's symbolic link
# to a private directory of ours is followed, one to a shared one is not.
cfg=$XDG_CONFIG_HOME
XDG_CONFIG_HOME=$T/fresh/config
VT_STDIN=$T/key vt key set
is "$VT_STATUS$VT_ERR" 0 "key set with no config directory yet"
[ -f "$XDG_CONFIG_HOME/vtoken/stored-keys" ]
ok $? "makes it, with its parents, for the marker"
is "$(stat -c %a "$XDG_CONFIG_HOME/vtoken")" 700 "mode 0700"
is "$(stat -c %a "$XDG_CONFIG_HOME/vtoken/stored-keys")" 600 "the marker 0600"

XDG_CONFIG_HOME=$T/linked
mkdir -p "$T/elsewhere" "$XDG_CONFIG_HOME"
chmod 700 "$T/elsewhere"
ln -s "$T/elsewhere" "$XDG_CONFIG_HOME/vtoken"
VT_STDIN=$T/key vt key set
is "$VT_STATUS$VT_ERR" 0 "a link to a private directory (stow): key set works"
[ -f "$T/elsewhere/stored-keys" ]
ok $? "and the marker is made in the directory it names"
mkdir -p "$T/shared"
chmod 777 "$T/shared"
rm -f "$XDG_CONFIG_HOME/vtoken"
ln -s "$T/shared" "$XDG_CONFIG_HOME/vtoken"
VT_STDIN=$T/key vt key set
is "$VT_STATUS" 0 "a link to a directory others may write to: the key is stored"
like "$VT_ERR" "will not look in the keyring for it: '$XDG_CONFIG_HOME/vtoken/stored-keys' cannot be made" \
    "with a warning that it will not be found"
[ ! -e "$T/shared/stored-keys" ]
ok $? "and no marker there"
XDG_CONFIG_HOME=$cfg
vt key delete
is "$VT_STATUS" 0 "key delete"

done_testing
