// openai-chat.js: one chat completion with the official openai npm
// package, configured only by the environment (OPENAI_API_KEY and
// OPENAI_BASE_URL, as `eval "$(vtoken env)"` sets them), for t5200.
//
//     NODE_PATH=.../node_modules node openai-chat.js [plain|stream] TEXT
//
// Prints the reply's text; with "stream", also "chunks=N", the number of
// server-sent events that carried a delta.  On an API error prints
// "error: STATUS NAME" on stderr (never the key) and exits 1.
'use strict';

const { OpenAI } = require('openai');

async function main() {
	const mode = process.argv[2] || 'plain';
	const text = process.argv[3] || 'hello from node';
	const client = new OpenAI({ maxRetries: 0, timeout: 20000 });
	const req = {
		model: 'google/gemini-2.0-flash-001',
		messages: [{ role: 'user', content: text }],
	};
	if (mode === 'stream') {
		const stream = await client.chat.completions.create(
		    Object.assign({ stream: true }, req));
		let out = '';
		let n = 0;
		for await (const chunk of stream) {
			n++;
			const c = chunk.choices[0];
			out += (c && c.delta && c.delta.content) || '';
		}
		console.log(out);
		console.log('chunks=' + n);
	} else {
		const r = await client.chat.completions.create(req);
		console.log(r.choices[0].message.content);
	}
}

main().catch((e) => {
	console.error('error: ' + (e.status || '-') + ' ' + e.constructor.name);
	process.exit(1);
});
