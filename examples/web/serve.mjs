// serve.mjs - the static server of the web page (npm run demo:web), node:http only.
//
// Serves on localhost (127.0.0.1):
//   /examples/web/<file>   this directory (the page, its script, style and FLV helper);
//   /js/<file>             the package's js/ directory, which the page imports directly
//                          (gomem.wasm as application/wasm, .mjs as text/javascript);
//   /                      a redirect to /examples/web/.
// Anything else, and any path that leaves those directories, is a 404. Nothing is cached.
//
//   node examples/web/serve.mjs [--port N]    (default: PORT, else 8000, else any free port)
//   import { startServer } from './serve.mjs';  const { url, close } = await startServer();
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = '/examples/web/';

const MOUNTS = [
  [PAGE, resolve(root, 'examples/web')],
  ['/js/', resolve(root, 'js')],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

function fileFor(pathname) {
  for (const [prefix, directory] of MOUNTS) {
    if (!pathname.startsWith(prefix)) continue;
    let rest = pathname.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const file = resolve(directory, `.${sep}${rest}`);
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
  if (pathname === '/' || pathname === PAGE.slice(0, -1)) {
    send(302, { location: PAGE }, '');
    return;
  }
  const file = fileFor(pathname);
  let body;
  try {
    if (file === null) throw new Error('outside the served directories');
    body = await readFile(file);
  } catch {
    const hint = pathname.endsWith('.wasm') ? ' (build it: bash scripts/js-module.sh)' : '';
    send(404, { 'content-type': 'text/plain' }, `not found: ${pathname}${hint}`);
    return;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  send(200, { 'content-type': type, 'content-length': body.length }, body);
}

function listen(server, port) {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
}

/**
 * Starts the server on 127.0.0.1; port 0 (the default) takes any free one. Resolves to
 * { url, server, close }, url being the page's ('http://127.0.0.1:PORT/examples/web/').
 */
export async function startServer({ port = 0 } = {}) {
  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await listen(server, port);
  const url = `http://127.0.0.1:${server.address().port}${PAGE}`;
  const close = () => new Promise((done) => {
    server.closeAllConnections?.();
    server.close(() => done());
  });
  return { url, server, close };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = process.argv.indexOf('--port');
  const asked = flag > 0 ? Number(process.argv[flag + 1]) : Number(process.env.PORT || 8000);
  let started;
  try {
    started = await startServer({ port: asked });
  } catch (error) {
    if (error.code !== 'EADDRINUSE') throw error;
    console.log(`port ${asked} is taken; using a free one`);
    started = await startServer();
  }
  console.log(`gomem-wasm web page: ${started.url}  (^C to stop)`);
}
