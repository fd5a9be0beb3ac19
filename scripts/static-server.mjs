// static-server.mjs - the one static HTTP server (node:http only) behind the browser tests
// (tests/browser/server.mjs), the web page (examples/web/serve.mjs) and the bundler tests
// (tests/bundlers/run.mjs), on 127.0.0.1.
//
//   const { url, server, close } = await startStaticServer({
//     mounts: [['/js/', '/abs/js'], ...],  // URL prefix -> directory served under it
//     redirects: { '/': '/page/' },        // exact paths answered with a 302 to another
//     routes: { '/x.wasm': { file, type } },  // exact paths served from a file with a set type
//     notFoundHint: (pathname) => '',      // appended to a 404's text
//     onRequest: (pathname) => {},         // sees every decoded request path
//     headers: {},                         // added to every response (e.g. COOP/COEP)
//     port: 0,                             // 0: any free port
//   });                                    // url: 'http://127.0.0.1:PORT/'
// A path ending in '/' serves that directory's index.html. Anything outside the mounts, and any
// path that leaves a mount's directory, is a 404; only GET and HEAD are answered (405 else).
// wasm goes out as application/wasm and modules as text/javascript, as a real deployment would
// send them; nothing is cached.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';

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

// The file a request path names inside one of the mounts, or null.
function fileIn(mounts, pathname) {
  for (const [prefix, directory] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    let rest = pathname.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const file = resolve(directory, `.${sep}${rest}`);
    return file.startsWith(directory + sep) ? file : null;
  }
  return null;
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

/** Starts the server (see the header); resolves to { url, server, close }. */
export async function startStaticServer({ mounts, redirects = {}, routes = {}, port = 0,
  notFoundHint = () => '', onRequest = () => {}, headers: always = {} }) {
  async function handle(request, response) {
    const send = (status, headers, body) => {
      response.writeHead(status, { 'cache-control': 'no-store', ...always, ...headers });
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
    onRequest(pathname);
    if (pathname === '/favicon.ico') {
      send(204, {}, '');
      return;
    }
    if (Object.hasOwn(redirects, pathname)) {
      send(302, { location: redirects[pathname] }, '');
      return;
    }
    const route = Object.hasOwn(routes, pathname) ? routes[pathname] : null;
    const file = route?.file ?? fileIn(mounts, pathname);
    let body;
    try {
      if (file === null) throw new Error('outside the served directories');
      body = await readFile(file);
    } catch {
      send(404, { 'content-type': 'text/plain' }, `not found: ${pathname}${notFoundHint(pathname)}`);
      return;
    }
    const type = route?.type ?? TYPES[extname(file)] ?? 'application/octet-stream';
    send(200, { 'content-type': type, 'content-length': body.length }, body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await listen(server, port);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const close = () => new Promise((done) => {
    server.closeAllConnections?.();
    server.close(() => done());
  });
  return { url, server, close };
}
