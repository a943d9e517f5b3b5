#!/bin/sh
# t5200-openai-node: the official openai npm package, configured by
# nothing but `eval "$(vtoken env)"`, talks to the mock's chat route,
# which accepts only tokens the mock minted: a plain request and a
# streaming one (server-sent events).
#
# The package is installed outside the source tree before the tests run
# (contrib/quickstart.sh check does it, before the network namespace) and
# found through VT_NODE_MODULES, its node_modules directory.  Without it
# the script is skipped, except in CI (CI=true), where it must be there.

# shellcheck source=tests/lib.sh
. "${VT_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

missing=$(npm_missing openai)
if [ -n "$missing" ]; then
	[ "${CI-}" = true ] && bail_out "$missing, and CI must have it"
	skip_all "$missing"
fi
NODE_PATH=$VT_NODE_MODULES
export NODE_PATH
JS=$VT_SRCDIR/tests/mock/openai-chat.js

SA=vt-node@vt-test.iam.gserviceaccount.com
mock_start
KEY=$(gen_sa_key sa)
mock_add_sa "$SA" "$KEY"
make_sa_file "$T/sa.json" "$SA" "$KEY" "$MOCK_URL/token" vt-node-project
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json
export GOOGLE_APPLICATION_CREDENTIALS
BASE=$MOCK_URL/v1/projects/vt-node-project/locations/us-central1/endpoints/openapi
CHAT=/v1/projects/vt-node-project/locations/us-central1/endpoints/openapi/chat/completions
diag "openai $(json_get "$VT_NODE_MODULES/openai/package.json" version), node $(node --version)"

eval "$("$VTOKEN" env --base-url "$BASE")"
ok $? "eval \"\$(vtoken env --base-url ...)\""

node "$JS" plain "hello from node" >"$T/node.out" 2>"$T/node.err"
ok $? "the openai package's chat.completions.create works" || diag "$(cat "$T/node.err")"
is "$(cat "$T/node.out")" "mock reply: hello from node" "and returns the reply"
is "$(mock_get "$CHAT" headers.authorization)" "Bearer $(mock_issued)" \
    "it sent the token vtoken minted"
is "$(mock_get "$CHAT" status)" 200 "which the mock accepted"
like "$(mock_get "$CHAT" headers.user-agent)" '^OpenAI/JS' "from the openai package"

node "$JS" stream "stream this please" >"$T/node.out" 2>"$T/node.err"
ok $? "a streaming request (stream: true)" || diag "$(cat "$T/node.err")"
is "$(sed -n 1p "$T/node.out")" "mock reply: stream this please" \
    "the streamed deltas make up the reply"
like "$(sed -n 2p "$T/node.out")" '^chunks=([6-9]|[1-9][0-9]+)$' "in several events"
is "$(mock_get "$CHAT" json.stream)" true "the request asked for a stream"

OPENAI_API_KEY=ya29.not-minted-by-the-mock node "$JS" plain x \
    >"$T/node.out" 2>"$T/node.err"
is "$?" 1 "a token the mock did not mint fails"
like "$(cat "$T/node.err")" '^error: 401 ' "with 401"

done_testing
