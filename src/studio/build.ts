/**
 * Bundle the studio into a folder of static files (esbuild, ESM for browsers):
 *
 *   index.html, style.css     the page (src/studio/page/)
 *   app.js                    src/studio/app.ts
 *   worker.js                 src/studio/worker.ts with tfjs (cpu, wasm, webgl, webgpu backends),
 *                             the generator, the pickle reader and the signal library
 *   tfjs-backend-wasm*.wasm   the wasm backend's binaries (plain, SIMD, threaded SIMD)
 *   BUILD.json                sizes and the time of the build
 *
 * Nothing is fetched at run time beyond these files, so the studio works offline. The browser
 * build refuses Node built-in modules: an import of `fs`, `path`, `node:*`, … anywhere under the two
 * entry points fails the build, naming the importing file.
 */
import { build, type Plugin } from 'esbuild';
import { builtinModules, createRequire } from 'node:module';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file is src/studio/build.ts). */
export const ROOT = resolve(HERE, '..', '..');

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Node-only packages that project code loads lazily (`import()` inside Node-only functions). */
const NODE_ONLY_PACKAGES = new Set(['webgpu']);

/**
 * Fail on static imports of Node built-ins instead of letting a browser bundle carry (or stub)
 * them. Dynamic `import()`s of Node modules stay as they are (external): they sit in Node-only
 * functions (e.g. the Dawn/Vulkan probes of src/generator/webgpu.ts) that the browser never calls.
 */
const refuseNodeBuiltins: Plugin = {
  name: 'refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const builtin = NODE_BUILTINS.has(args.path);
      if (!builtin && !NODE_ONLY_PACKAGES.has(args.path)) return undefined;
      if (args.kind === 'dynamic-import') return { path: args.path, external: true };
      if (!builtin)
        return {
          errors: [{ text: `browser bundle must not import "${args.path}" (from ${args.importer})` }],
        };
      // Packages with a "browser" field that maps the module away (tfjs's fs, path, worker_threads)
      // are resolved by esbuild itself; only imports from the project's own sources are refused.
      if (args.importer.includes(`${join('node_modules', '')}`)) return undefined;
      return {
        errors: [
          { text: `browser bundle must not import the Node module "${args.path}" (from ${args.importer})` },
        ],
      };
    });
  },
};

/**
 * GPU backends of tfjs are optional in the bundle: when a package is not installed (an install
 * without dev or optional dependencies), its side-effect import becomes an empty module and the
 * worker falls back to wasm (it says which backends it skipped and why).
 */
const OPTIONAL_BACKENDS = ['@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu'];

const optionalBackends: Plugin = {
  name: 'optional-backends',
  setup(b) {
    const require = createRequire(import.meta.url);
    b.onResolve({ filter: /^@tensorflow\/tfjs-backend-web(gl|gpu)$/ }, (args) => {
      if (!OPTIONAL_BACKENDS.includes(args.path)) return undefined;
      try {
        require.resolve(`${args.path}/package.json`);
        return undefined;
      } catch {
        return { path: args.path, namespace: 'missing-backend' };
      }
    });
    b.onLoad({ filter: /.*/, namespace: 'missing-backend' }, () => ({ contents: '', loader: 'js' }));
  },
};

/** Options of `buildStudio`. */
export interface StudioBuildOptions {
  /** Output folder (default `out/studio` under the repository). */
  out?: string;
  /** Minify the scripts (default true). */
  minify?: boolean;
}

/** Build the studio into `out`; returns the folder and its total size in bytes. */
export async function buildStudio({
  out = join(ROOT, 'out', 'studio'),
  minify = true,
}: StudioBuildOptions = {}): Promise<{
  out: string;
  bytes: number;
}> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { app: join(HERE, 'app.ts'), worker: join(HERE, 'worker.ts') },
    outdir: out,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'error',
    // tfjs marks its ESM files as side effects; the backend packages register themselves on import.
    ignoreAnnotations: true,
    plugins: [refuseNodeBuiltins, optionalBackends],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(HERE, 'page', f), join(out, f));
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
    copyFileSync(join(wasmDir, f), join(out, f));
  const files = readdirSync(out);
  const sizes = Object.fromEntries(files.map((f) => [f, statSync(join(out, f)).size]));
  const bytes = Object.values(sizes).reduce((a, b) => a + b, 0);
  writeFileSync(
    join(out, 'BUILD.json'),
    JSON.stringify({ built: new Date().toISOString(), bytes, files: sizes }, null, 1),
  );
  return { out, bytes };
}

/** Newest modification time (ms) of the sources the studio bundle is made of. */
export function sourcesMtime(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['studio', 'generator', 'io', 'signal', 'metrics']) walk(join(ROOT, 'src', d));
  return newest;
}
