// Types of the package's wasm subpaths, `gomem-wasm/gomem.wasm`, `gomem-wasm/gomem.hardened.wasm`
// and `gomem-wasm/gomem.shared.wasm` (package.json exports). What importing a .wasm file gives is
// up to the bundler's loader for it: a URL string (esbuild --loader:.wasm=file, webpack 5
// `type: 'asset/resource'`) or the bytes (esbuild --loader:.wasm=binary); either goes to
// init({ wasm }). Vite needs the `?url` suffix ('gomem-wasm/gomem.wasm?url', typed by
// vite/client), and needs none of this: it emits the file gomem-wasm's loader names.
//
//   import { init } from 'gomem-wasm';
//   import wasm from 'gomem-wasm/gomem.wasm';
//   const gomem = await init({ wasm });
declare const wasm: NonNullable<import('./index.js').InitOptions['wasm']>;
export default wasm;
