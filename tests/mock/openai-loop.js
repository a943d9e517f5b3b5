// openai-loop.js: chat completions with the official openai npm package,
// back to back for a while, plain and streaming in turn, with one client
// configured only by the environment (OPENAI_API_KEY and OPENAI_BASE_URL,
// as `eval "$(vtoken env --serve)"` sets them), for t6050.
//
//     NODE_PATH=.../node_modules node openai-loop.js SECONDS [PARALLEL]
//
// PARALLEL loops (default 2) share the client.  Prints one JSON line:
// {"total", "ok", "plain", "stream", "failures": [first 20]}; exits 1 if
// any request failed (an API error, a wrong reply, a stream that did not
// finish).  No retries: a failure is a failure.
'use strict';

const { OpenAI } = require('openai');

async function main() {
	const seconds = Number(process.argv[2] || 10);
	const parallel = Number(process.argv[3] || 2);
	const client = new OpenAI({ maxRetries: 0, timeout: 30000 });
	const end = Date.now() + seconds * 1000;
	const out = { total: 0, ok: 0, plain: 0, stream: 0, failures: [] };

	async function one(w, i) {
		const text = 'node ' + w + ' ' + i;
		const want = 'mock reply: ' + text;
		const req = {
			model: 'google/gemini-2.0-flash-001',
			messages: [{ role: 'user', content: text }],
		};
		const streaming = (w + i) % 2 === 1;
		let got;
		if (streaming) {
			const stream = await client.chat.completions.create(
			    Object.assign({ stream: true }, req));
			got = '';
			let finished = false;
			for await (const chunk of stream) {
				const c = chunk.choices[0];
				got += (c && c.delta && c.delta.content) || '';
				if (c && c.finish_reason)
					finished = true;
			}
			if (!finished)
				throw new Error('stream without finish_reason');
			out.stream++;
		} else {
			const r = await client.chat.completions.create(req);
			got = r.choices[0].message.content;
			out.plain++;
		}
		if (got !== want)
			throw new Error('reply ' + JSON.stringify(got));
	}

	async function loop(w) {
		for (let i = 0; Date.now() < end; i++) {
			out.total++;
			try {
				await one(w, i);
				out.ok++;
			} catch (e) {
				if (out.failures.length < 20)
					out.failures.push({ at: Date.now(),
					    status: e.status || null,
					    error: e.constructor.name + ': ' +
					    String(e.message).slice(0, 200) });
			}
		}
	}

	const loops = [];
	for (let w = 0; w < parallel; w++)
		loops.push(loop(w));
	await Promise.all(loops);
	console.log(JSON.stringify(out));
	process.exit(out.ok === out.total ? 0 : 1);
}

main().catch((e) => {
	console.error('error: ' + (e.status || '-') + ' ' + e.constructor.name);
	process.exit(1);
});
