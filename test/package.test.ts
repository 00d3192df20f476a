// The package as a user gets it: `npm pack` run on a copy of this working tree (tracked and
// not-ignored files, no dist/ — so the `prepack` script must build it, as for `npm publish`), the
// tarball installed with `npm install` in a scratch project, then used from JavaScript
// (`import … from 'aliasfree/signal'`, the generator, `npx aliasfree --help`) and from strict
// TypeScript (the public types must not collapse to `any`: wrong calls must fail to compile).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let scratch = '';
let app = '';
let packed: { filename: string; files: { path: string }[] };
let installLog = '';

/** Copy the files `npm pack` may see in a fresh clone: tracked or untracked-but-not-ignored. */
function copyWorkingTree(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(root, f))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(to, f)), { recursive: true });
    cpSync(join(root, f), join(to, f));
  }
  // The build tools of the checkout (devDependencies), as after `npm ci`.
  symlinkSync(join(root, 'node_modules'), join(to, 'node_modules'));
}

/**
 * `npm install <tarball>` in the scratch project. Without a reachable registry (npm's network error
 * codes) the install is done by hand instead: the tarball unpacked into node_modules/aliasfree and
 * only the packed package.json's `dependencies` and non-optional `peerDependencies` linked from this
 * checkout — so a type or module the package needs but does not declare is still missing.
 */
function install(tarball: string): void {
  const r = spawnSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, '@types/node@20'],
    { cwd: app, encoding: 'utf8' },
  );
  installLog = `${r.stdout}\n${r.stderr}`;
  if (r.status === 0) return;
  assert.match(
    installLog,
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENOTCACHED|ENETUNREACH/,
    `npm install failed:\n${installLog}`,
  );
  const nm = join(app, 'node_modules');
  mkdirSync(join(nm, 'aliasfree'), { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', join(nm, 'aliasfree'), '--strip-components=1']);
  const pkg = JSON.parse(readFileSync(join(nm, 'aliasfree', 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    bin?: Record<string, string>;
  };
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter(
    (p) => !pkg.peerDependenciesMeta?.[p]?.optional,
  );
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...peers, '@types/node']) {
    mkdirSync(dirname(join(nm, dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(nm, dep));
  }
  mkdirSync(join(nm, '.bin'), { recursive: true });
  for (const [name, file] of Object.entries(pkg.bin ?? {}))
    symlinkSync(join('..', 'aliasfree', file), join(nm, '.bin', name));
  installLog += '\n(registry unreachable: installed by hand from the declared dependencies)';
}

before(
  () => {
    scratch = mkdtempSync(join(tmpdir(), 'aliasfree-pack-'));
    const tree = join(scratch, 'tree');
    copyWorkingTree(tree);
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: tree,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    // npm prints the prepack script's output on stdout before the JSON.
    packed = JSON.parse(out.slice(out.indexOf('\n[') + 1))[0];
    app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2),
    );
    install(join(scratch, packed.filename));
  },
  { timeout: 600_000 },
);

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('npm pack builds the code: compiled ESM, types, the CLI; no sources or tests', () => {
  const paths = packed.files.map((f) => f.path);
  for (const p of [
    'dist/signal/index.js',
    'dist/signal/index.d.ts',
    'dist/generator/index.js',
    'dist/generator/index.d.ts',
    'dist/viz/index.js',
    'dist/cli/main.js',
    'bin/aliasfree.mjs',
    'README.md',
  ])
    assert.ok(paths.includes(p), `${p} is packed`);
  assert.ok(!paths.some((p) => p.startsWith('test/') || /\.test\.(js|ts)$/.test(p)), 'no test files packed');
  assert.ok(!paths.some((p) => p.startsWith('src/')), 'no TypeScript sources packed');
  // Source maps carry their sources (src/ is not in the package).
  const maps = paths.filter((p) => p.endsWith('.js.map'));
  assert.ok(maps.length > 10, `${maps.length} source maps`);
  for (const m of maps) {
    const map = JSON.parse(readFileSync(join(app, 'node_modules', 'aliasfree', m), 'utf8')) as {
      sources: string[];
      sourcesContent?: (string | null)[];
    };
    assert.equal(map.sourcesContent?.length, map.sources.length, `${m} has sourcesContent`);
    assert.ok(
      map.sourcesContent!.every((c) => typeof c === 'string' && c.length > 0),
      m,
    );
  }
});

test('installed tarball: import aliasfree/signal and aliasfree/generator from JavaScript', () => {
  const script = `
    import { firwin } from 'aliasfree/signal';
    import { createGenerator, configAt, backendInfo } from 'aliasfree/generator';
    const h = firwin(24, 0.25, { width: 0.1 });
    const gen = await createGenerator({ ...configAt('T', 16), channelBase: 512, channelMax: 8 }, { seed: 0 });
    const { image: t } = gen.generate([new Array(gen.config.zDim).fill(0.5)]);
    const shape = t.shape;
    const data = await t.data();
    const image = { shape, finite: data.every(Number.isFinite) };
    console.log(JSON.stringify({ n: h.length, sum: h.reduce((a, b) => a + b, 0), mid: h[11], image, backend: backendInfo().name }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: app,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stderr}\n${installLog}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(res.n, 24);
  assert.ok(Math.abs(res.sum - 1) < 1e-12, `unit DC gain, got ${res.sum}`);
  assert.ok(res.mid > 0.2 && res.mid < 0.3, `centre tap near 2·f_c = 0.25, got ${res.mid}`);
  assert.deepEqual(res.image, { shape: [1, 3, 16, 16], finite: true });
  assert.equal(res.backend, 'wasm');
});

/** The first ```ts block of the README's "API overview" section. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## API overview'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has an API overview code block');
  return m[1];
}

test('installed tarball: the README API example runs as written', () => {
  const js = ts.transpileModule(readmeExample(), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(app, 'readme-example.mjs'), js);
  const r = spawnSync(process.execPath, ['readme-example.mjs'], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^wasm \(SIMD; requested by setBackend\("wasm"\)\)$/m);
  assert.match(r.stdout, /^\[ 2, 3, 64, 64 \] \d+$/m);
  assert.ok(existsSync(join(app, 'filter.html')));
});

test('installed tarball: npx aliasfree --help', () => {
  const r = spawnSync('npx', ['aliasfree', '--help'], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}\n${installLog}`);
  assert.match(r.stdout, /^Usage: aliasfree /m);
  for (const cmd of ['report', 'generate', 'convert', 'backend'])
    assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
});

test('installed tarball: strict TypeScript sees real types (wrong calls fail, nothing is any)', () => {
  // Each @ts-expect-error must meet an error: if a public type collapsed to `any`, the directive
  // itself becomes the error ("Unused '@ts-expect-error' directive") and the compile fails.
  const consumer = `
import { firwin, freqz, upfirdn2d, fromData, type NdArray } from 'aliasfree/signal';
import { createGenerator, configAt, type Generator } from 'aliasfree/generator';
import type * as tf from '@tensorflow/tfjs-core';

type IsAny<T> = 0 extends 1 & T ? true : false;
/** Compiles only when T is not \`any\`. */
function notAny<T>(value: T, ok: IsAny<T> extends true ? never : true): T {
  return ok ? value : value;
}

const x = fromData(new Float32Array(16), [4, 4]);
const y = notAny(upfirdn2d(x, [1, 2, 1]), true);
const shape: number[] = y.shape;
const h: Float64Array = notAny(firwin(12, 0.6, { width: 0.8, fs: 4 }), true);
const r = notAny(freqz(h, { worN: 64 }), true);
const w: Float64Array = r.w;
const nd: NdArray = y;

// @ts-expect-error the result is an ndarray, not a string
const s: string = upfirdn2d(x, [1, 2, 1]);
// @ts-expect-error x must be an ndarray
upfirdn2d(42, [1, 2, 1]);
// @ts-expect-error misspelled option key
firwin(12, 0.6, { widht: 0.8 });

const gen: Generator = notAny(await createGenerator(configAt('T', 16), { seed: 0 }), true);
declare const z: tf.Tensor2D; // only compiled, never run
const ws: tf.Tensor = notAny(gen.mapping(z, { psi: 0.7 }), true);
// @ts-expect-error psi is a number
gen.mapping(z, { psi: '0.7' });
// @ts-expect-error the config needs a known preset name
configAt('Q', 16);
console.log(shape, w.length, nd.shape, s, ws.shape, gen.config.zDim);
`;
  writeFileSync(join(app, 'consumer.ts'), consumer);
  // The README example must type-check as strictly as it runs.
  writeFileSync(join(app, 'readme.ts'), `${readmeExample()}\nexport {};\n`);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: ['node'],
      },
      files: ['consumer.ts', 'readme.ts'],
    }),
  );
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], {
    cwd: app,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `tsc on the consumer failed:\n${r.stdout}${r.stderr}`);
  // The installed package brought the types its declarations import.
  assert.ok(existsSync(join(app, 'node_modules', '@types', 'ndarray', 'index.d.ts')));
  assert.ok(readdirSync(join(app, 'node_modules', 'aliasfree', 'dist', 'signal')).includes('index.d.ts'));
});
