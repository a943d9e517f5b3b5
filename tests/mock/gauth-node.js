// gauth-node: Application Default Credentials as a program built on the
// google-auth-library npm package finds them, for the tests of `vtoken
// serve --metadata` (GCE_METADATA_HOST names the emulator).  Found through
// NODE_PATH.
//
//     node gauth-node.js token          {"type", "token", "project"}
//     node gauth-node.js idtoken AUD    {"type", "idtoken"}
//
// One JSON object on stdout; on failure the error on stderr and exit 1.
'use strict';
const {GoogleAuth} = require('google-auth-library');

async function main() {
  const [mode, aud] = process.argv.slice(2);
  const auth = new GoogleAuth();
  const client = await auth.getClient();
  const type = client.constructor.name;
  if (mode === 'token') {
    const token = await auth.getAccessToken();
    const project = await auth.getProjectId();
    return {type, token, project};
  }
  if (mode === 'idtoken') {
    const idc = await auth.getIdTokenClient(aud);
    const headers = await idc.getRequestHeaders();
    const h = typeof headers.get === 'function' ?
      headers.get('authorization') : headers.Authorization;
    return {type, idtoken: String(h || '').replace(/^Bearer /, '')};
  }
  throw new Error('usage: gauth-node.js token | idtoken AUD');
}

main().then(
    (o) => console.log(JSON.stringify(o)),
    (e) => {
      console.error('error: ' + (e && e.message ? e.message : e));
      process.exit(1);
    });
