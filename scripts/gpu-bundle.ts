/**
 * Build `.bundle/gpu/` (git-ignored): everything `bench/gpu.ts` needs on a bare GPU machine that has
 * no package registry, in under 64 MiB.
 *
 *   app/bench.mjs      bench/gpu.ts and the tfjs parts it imports, bundled by esbuild (ESM, node20)
 *   app/dist/linux-x64/dawn.node     Dawn's Node binding, where the bundled `webgpu` loader looks
 *   app/node_modules/@tensorflow/tfjs-backend-wasm/{package.json,dist/*.wasm}   for the wasm dry run
 *   app/generators/t32/               the tiny golden generator (dry runs and `--compare`)
 *   node.xz            this machine's Node binary, xz-compressed (~24 MB)
 *   debs/libvulkan1_*.deb, vulkan/   the Vulkan loader (Debian libvulkan1) and its unpacked files
 *   gpu-run.sh, MANIFEST.json
 *
 * Usage: `node --import tsx scripts/gpu-bundle.ts [--out DIR] [--no-node]`. The compressed Node binary
 * is cached under `.bundle/cache/` (keyed by version and size): xz takes ~25 s on two cores.
 * Then copy the folder to the GPU machine and run `sh gpu-run.sh [bench options]` there.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Hard size limit of the folder (the device runner carries at most 64 MiB). */
export const BUNDLE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Total size in bytes of the regular files under `dir`. */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : e.isFile() ? statSync(p).size : 0;
  }
  return total;
}

/** The Debian Vulkan loader package: from apt's cache, else `apt-get download` (Debian mirrors). */
function vulkanDeb(destDir: string): string | null {
  mkdirSync(destDir, { recursive: true });
  const cached = existsSync('/var/cache/apt/archives')
    ? readdirSync('/var/cache/apt/archives').find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f))
    : undefined;
  if (cached) {
    copyFileSync(join('/var/cache/apt/archives', cached), join(destDir, cached));
    return cached;
  }
  try {
    execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: destDir, stdio: 'pipe' });
    return readdirSync(destDir).find((f) => f.startsWith('libvulkan1_')) ?? null;
  } catch {
    return null;
  }
}

/** xz-compressed copy of the running Node binary, cached by version and size. */
function nodeXz(cacheDir: string): string {
  mkdirSync(cacheDir, { recursive: true });
  const size = statSync(process.execPath).size;
  const file = join(cacheDir, `node-${process.version}-${process.platform}-${process.arch}-${size}.xz`);
  if (!existsSync(file)) {
    const tmp = `${file}.tmp`;
    execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${tmp}"`], { stdio: 'inherit' });
    execFileSync('mv', [tmp, file]);
  }
  return file;
}

/** Build the folder; returns its path and size. */
export async function buildGpuBundle({ out = join(ROOT, '.bundle', 'gpu'), withNode = true } = {}): Promise<{
  out: string;
  bytes: number;
}> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new RangeError(`the GPU bundle targets linux-x64, this is ${process.platform}-${process.arch}`);
  }
  rmSync(out, { recursive: true, force: true });
  const app = join(out, 'app');
  mkdirSync(app, { recursive: true });
  const require = createRequire(import.meta.url);

  await build({
    entryPoints: [join(ROOT, 'bench', 'gpu.ts')],
    outfile: join(app, 'bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    // tfjs packages list their ESM files as side effects, not the node builds resolved here: keep
    // bare imports such as `import '@tensorflow/tfjs-backend-cpu'` (backend registration).
    ignoreAnnotations: true,
    // Native bindings and the optional tfjs-node packages are not bundled (the latter are absent).
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '*.node'],
    // CommonJS parts (tfjs node builds, the emscripten glue) expect require/__dirname.
    banner: {
      js: [
        "import { createRequire as __aliasfreeCR } from 'node:module';",
        "import { fileURLToPath as __aliasfreeFU } from 'node:url';",
        "import { dirname as __aliasfreeDN } from 'node:path';",
        'const require = __aliasfreeCR(import.meta.url);',
        'const __filename = __aliasfreeFU(import.meta.url);',
        'const __dirname = __aliasfreeDN(__filename);',
      ].join('\n'),
    },
    define: { 'process.env.ALIASFREE_BENCH_GPU_MAIN': '"1"' },
  });

  // webgpu's loader resolves dist/<platform>-<arch>/dawn.node next to its own module = bench.mjs.
  const dawnSrc = join(dirname(require.resolve('webgpu/package.json')), 'dist', 'linux-x64', 'dawn.node');
  mkdirSync(join(app, 'dist', 'linux-x64'), { recursive: true });
  copyFileSync(dawnSrc, join(app, 'dist', 'linux-x64', 'dawn.node'));

  // The wasm backend locates its binaries through require.resolve of its package.json.
  const wasmPkg = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const wasmDst = join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm');
  mkdirSync(join(wasmDst, 'dist'), { recursive: true });
  copyFileSync(join(wasmPkg, 'package.json'), join(wasmDst, 'package.json'));
  for (const f of readdirSync(join(wasmPkg, 'dist')).filter((f) => f.endsWith('.wasm'))) {
    copyFileSync(join(wasmPkg, 'dist', f), join(wasmDst, 'dist', f));
  }

  const t32 = join(ROOT, 'test', 'golden', 'generators', 't32');
  const genDst = join(app, 'generators', 't32');
  mkdirSync(join(genDst, 'state'), { recursive: true });
  copyFileSync(join(t32, 'init_kwargs.json'), join(genDst, 'init_kwargs.json'));
  for (const f of readdirSync(join(t32, 'state')))
    copyFileSync(join(t32, 'state', f), join(genDst, 'state', f));

  if (withNode) copyFileSync(nodeXz(join(ROOT, '.bundle', 'cache')), join(out, 'node.xz'));
  const deb = vulkanDeb(join(out, 'debs'));
  // Unpack the loader here too (gpu-run.sh needs no dpkg-deb then): vulkan/usr/lib/x86_64-linux-gnu/.
  if (deb) execFileSync('dpkg-deb', ['-x', join(out, 'debs', deb), join(out, 'vulkan')]);
  copyFileSync(join(ROOT, 'scripts', 'gpu-run.sh'), join(out, 'gpu-run.sh'));

  const bytes = folderBytes(out);
  writeFileSync(
    join(out, 'MANIFEST.json'),
    JSON.stringify(
      {
        node: withNode ? process.version : null,
        libvulkan1: deb,
        bytes,
        built: new Date().toISOString(),
        from: relative(ROOT, join(ROOT, 'bench', 'gpu.ts')),
      },
      null,
      2,
    ),
  );
  if (bytes > BUNDLE_LIMIT_BYTES)
    throw new RangeError(`bundle ${out} is ${bytes} bytes, over the ${BUNDLE_LIMIT_BYTES}-byte limit`);
  return { out, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const { out, bytes } = await buildGpuBundle({
    out: i >= 0 ? resolve(args[i + 1]) : undefined,
    withNode: !args.includes('--no-node'),
  });
  console.log(`${out}: ${(bytes / 2 ** 20).toFixed(1)} MiB (limit 64 MiB)`);
}
