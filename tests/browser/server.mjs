// server.mjs - the static HTTP server the browser tests load their page from (node:http only).
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
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

// URL prefix -> directory served under it.
const MOUNTS = [
  ['/js/', resolve(root, 'js')],
  ['/tests/browser/', resolve(root, 'tests/browser')],
  ['/tests/shared/', resolve(root, 'tests/shared')],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export const WRONG_MIME_PATH = '/wrong-mime/gomem.wasm';
export const WRONG_MIME_TYPE = 'application/octet-stream';

// The file a request path names inside one of the mounts, or null.
function fileFor(pathname) {
  if (pathname === WRONG_MIME_PATH) return resolve(root, 'js/gomem.wasm');
  for (const [prefix, directory] of MOUNTS) {
    if (!pathname.startsWith(prefix)) continue;
    const file = resolve(directory, `.${sep}${pathname.slice(prefix.length)}`);
    return file.startsWith(directory + sep) ? file : null;
  }
  return null;
}

async function handle(request, response) {
  const send = (status, headers, body) => {
    response.writeHead(status, { 'cache-control': 'no-store', ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }, 'method not allowed');
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
  } catch {
    send(400, { 'content-type': 'text/plain' }, 'bad request');
    return;
  }
  if (pathname === '/favicon.ico') {
    send(204, {}, '');
    return;
  }
  if (pathname === '/') {
    send(302, { location: '/tests/browser/page.html' }, '');
    return;
  }
  const file = fileFor(pathname);
  let body;
  try {
    if (file === null) throw new Error('outside the served directories');
    body = await readFile(file);
  } catch {
    send(404, { 'content-type': 'text/plain' }, `not found: ${pathname}`);
    return;
  }
  const type = pathname === WRONG_MIME_PATH ? WRONG_MIME_TYPE
    : TYPES[extname(file)] ?? 'application/octet-stream';
  send(200, { 'content-type': type, 'content-length': body.length }, body);
}

/** Starts the server on 127.0.0.1 and a free port; resolves to { url, server, close }. */
export async function startServer() {
  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const close = () => new Promise((done) => {
    server.closeAllConnections?.();
    server.close(() => done());
  });
  return { url, server, close };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startServer();
  console.log(`serving ${root} at ${url}tests/browser/page.html (^C to stop)`);
}
