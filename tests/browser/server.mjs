// server.mjs - what the browser tests' page is served from (scripts/static-server.mjs).
//
// Serves, on 127.0.0.1 and an ephemeral port:
//   /js/<file>                   the package's js/ directory (gomem.wasm as application/wasm,
//                                .mjs as text/javascript, as a real deployment would);
//   /tests/browser/<file>        this directory (page.html, browser-tests.mjs);
//   /tests/shared/<file>         code the browser tests share with the Node tests;
//   /wrong-mime/gomem.wasm       js/gomem.wasm sent as application/octet-stream, which
//                                WebAssembly.instantiateStreaming refuses: the loader's fallback;
//   /                            a redirect to /tests/browser/page.html.
// Anything else, and any path that leaves those directories, is a 404. Nothing is cached.
//
//   import { startServer } from './server.mjs';
//   const { url, close } = await startServer();   // url: 'http://127.0.0.1:PORT/'
// Run on its own (node tests/browser/server.mjs) it prints the page's URL and serves until ^C,
// for opening the tests in a desktop browser by hand.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startStaticServer } from '../../scripts/static-server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const WRONG_MIME_PATH = '/wrong-mime/gomem.wasm';
export const WRONG_MIME_TYPE = 'application/octet-stream';

/** Starts the server on 127.0.0.1 and a free port; resolves to { url, server, close }. */
export function startServer() {
  return startStaticServer({
    mounts: [
      ['/js/', resolve(root, 'js')],
      ['/tests/browser/', resolve(root, 'tests/browser')],
      ['/tests/shared/', resolve(root, 'tests/shared')],
    ],
    redirects: { '/': '/tests/browser/page.html' },
    routes: { [WRONG_MIME_PATH]: { file: resolve(root, 'js/gomem.wasm'), type: WRONG_MIME_TYPE } },
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startServer();
  console.log(`serving ${root} at ${url}tests/browser/page.html (^C to stop)`);
}
