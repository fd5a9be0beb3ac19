// serve.mjs - the static server of the web page (npm run demo:web): scripts/static-server.mjs
// with these mounts.
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
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startStaticServer } from '../../scripts/static-server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = '/examples/web/';

/**
 * Starts the server on 127.0.0.1; port 0 (the default) takes any free one. Resolves to
 * { url, server, close }, url being the page's ('http://127.0.0.1:PORT/examples/web/').
 */
export async function startServer({ port = 0 } = {}) {
  const started = await startStaticServer({
    mounts: [[PAGE, resolve(root, 'examples/web')], ['/js/', resolve(root, 'js')]],
    redirects: { '/': PAGE, [PAGE.slice(0, -1)]: PAGE },
    notFoundHint: (pathname) =>
      pathname.endsWith('.wasm') ? ' (build it: bash scripts/js-module.sh)' : '',
    port,
  });
  return { ...started, url: new URL(PAGE, started.url).href };
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
