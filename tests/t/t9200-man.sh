#!/bin/sh
# t9200-man: the manual pages are clean mdoc (mandoc -T lint -W warning
# finds nothing), and vtoken.1 documents every command and option that
# vtoken --help and vtoken help COMMAND list.  Skipped without mandoc
# (configure's AC_PATH_PROG sets $MANDOC).

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

if [ -z "${MANDOC-}" ] || [ ! -x "$MANDOC" ]; then
	skip_all "mandoc not found (MANDOC='${MANDOC-}')"
fi

MAN1=$VT_SRCDIR/man/vtoken.1
MAN5=$VT_SRCDIR/man/vtoken.conf.5

# -- lint ------------------------------------------------------------------------------

for page in "$MAN1" "$MAN5"; do
	name=$(basename "$page")
	"$MANDOC" -T lint -W warning "$page" >"$T/lint" 2>&1
	st=$?
	if [ ! -s "$T/lint" ] && [ "$st" -eq 0 ]; then
		pass "mandoc -T lint -W warning $name: nothing"
	else
		fail "mandoc -T lint -W warning $name: nothing"
		diag "exit $st" "$(cat "$T/lint")"
	fi
	"$MANDOC" -T utf8 "$page" >/dev/null 2>"$T/render"
	ok $? "mandoc renders $name"
done

# -- what vtoken.1 documents -------------------------------------------------------------

# The commands vtoken.1 lists as items of its COMMANDS section: ".It Ic
# name", or ".It Xo" then ".Ic name".
awk '
/^\.Sh / { sec = substr($0, 5) }
sec == "COMMANDS" && /^\.It Ic / { print $3 }
sec == "COMMANDS" && prev == ".It Xo" && /^\.Ic / { print $2 }
{ prev = $0 }
' "$MAN1" | sort -u >"$T/man-commands"

# fl_words: the options named on mdoc lines read from stdin ("Fl Fl name"
# as --name, "Fl x" as -x), one a line.
fl_words() {
	awk '{
		n = split($0, w, " ")
		sub(/^\./, "", w[1])
		for (i = 1; i < n; i++)
			if (w[i] == "Fl" && w[i + 1] == "Fl" && i + 2 <= n)
				print "--" w[i + 2]
			else if (w[i] == "Fl" && w[i + 1] != "Fl" && (i == 1 || w[i - 1] != "Fl"))
				print "-" w[i + 1]
	}' | sed 's/[ ,.;:)]*$//' | grep -E '^--?[A-Za-z]' | sort -u
}

# Every option vtoken.1 names, anywhere; and those that are items of its
# OPTIONS section.
fl_words <"$MAN1" >"$T/man-options"
awk '/^\.Sh / { sec = substr($0, 5) } sec == "OPTIONS" && /^\.It Fl / { print }' \
    "$MAN1" | fl_words >"$T/man-global"

[ -s "$T/man-commands" ] && [ -s "$T/man-global" ]
ok $? "(found the commands and options of vtoken.1: $(tr '\n' ' ' <"$T/man-commands"))" ||
    bail_out "cannot read $MAN1"

# -- against vtoken --help ------------------------------------------------------------------

vt --help
vt_ok "vtoken --help"
cp "$T/out" "$T/help"

# The commands: the lines of the "Commands:" paragraph.
awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' \
    "$T/help" >"$T/help-commands"
[ -s "$T/help-commands" ]
ok $? "--help lists commands: $(tr '\n' ' ' <"$T/help-commands")"
while read -r cmd; do
	grep -qx -- "$cmd" "$T/man-commands"
	ok $? "command $cmd is an item of COMMANDS in vtoken.1"
done <"$T/help-commands"

# The global options: every -x and --name of the "Options" paragraph.
awk '/^Options/ { on = 1; next } on && /^$/ { on = 0 } on { print }' "$T/help" |
    grep -oE '(^|[ ,])--?[A-Za-z][a-z0-9-]*' | sed 's/^[ ,]*//' |
    sort -u >"$T/help-options"
[ "$(wc -l <"$T/help-options")" -ge 10 ]
ok $? "--help lists the global options: $(tr '\n' ' ' <"$T/help-options")"
while read -r opt; do
	grep -qx -- "$opt" "$T/man-global"
	ok $? "global option $opt is an item of OPTIONS in vtoken.1"
done <"$T/help-options"

# And the other way round: every item of OPTIONS is in --help.
while read -r opt; do
	grep -qx -- "$opt" "$T/help-options"
	ok $? "vtoken.1's option $opt is in --help"
done <"$T/man-global"

# The options of each command, from vtoken help COMMAND.
while read -r cmd; do
	vt help "$cmd"
	printf '%s\n' "$VT_OUT" | sed -n '1s/^usage: vtoken \[options\] //p' |
	    grep -oE -- '--[a-z][a-z0-9-]*' | sort -u >"$T/cmd-options"
	while read -r opt; do
		grep -qx -- "$opt" "$T/man-options"
		ok $? "$cmd $opt is in vtoken.1"
	done <"$T/cmd-options"
done <"$T/help-commands"

# vtoken.conf.5 names every profile key that a global option with a value
# has (--api-version: api_version).
grep -E -- '--[a-z-]+ [A-Z]' "$T/help" | grep -oE -- '--[a-z][a-z-]*' |
    sort -u >"$T/value-options"
while read -r opt; do
	key=$(echo "${opt#--}" | tr - _)
	case $key in profile) continue ;; esac	# it chooses the group
	grep -q "^\\.It Cm $key\\( \\|\$\\)" "$MAN5"
	ok $? "vtoken.conf.5 has the key $key ($opt)"
done <"$T/value-options"

done_testing
