/**
 * The self-contained GPU runner: `scripts/gpu-bundle.ts` builds a folder under 64 MiB (bench bundle,
 * xz'd Node, dawn.node, the wasm binaries, the Vulkan loader), and `gpu-run.sh` in that folder runs
 * the bench with a bare environment: `--backend wasm` on the tiny golden generator (a dry run that
 * must reproduce wasm exactly), and `--backend webgpu`, which must either time the GPU or stop with
 * the reason (no adapter here). The first build compresses Node (~25 s); later builds reuse the
 * cached node.xz under .bundle/cache/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGpuBundle, folderBytes, BUNDLE_LIMIT_BYTES } from '../../scripts/gpu-bundle.js';

let dir = '';
let bytes = 0;
before(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'aliasfree-gpu-')), 'gpu');
  ({ bytes } = await buildGpuBundle({ out: dir }));
});
after(() => {
  if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
});

/**
 * Run gpu-run.sh with only PATH set (as on a bare machine: no node on PATH is needed). The limit
 * only guards against a hang: the first run unpacks Node and the bench times several repeats, which
 * on a busy machine takes well over the ~15 s it needs alone.
 */
function runner(args: string[]) {
  return spawnSync('sh', [join(dir, 'gpu-run.sh'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { PATH: '/usr/bin:/bin', HOME: dir },
  });
}

test('the bundle holds the runner parts and is under 64 MiB', () => {
  assert.ok(bytes > 20 * 2 ** 20, `suspiciously small bundle: ${bytes} bytes`);
  assert.ok(bytes < BUNDLE_LIMIT_BYTES, `bundle is ${bytes} bytes`);
  assert.equal(folderBytes(dir) - statSync(join(dir, 'MANIFEST.json')).size, bytes);
  for (const f of [
    'node.xz',
    'gpu-run.sh',
    'app/bench.mjs',
    'app/dist/linux-x64/dawn.node',
    'app/generators/t32/init_kwargs.json',
    'vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  ]) {
    assert.ok(existsSync(join(dir, f)), `missing ${f}`);
  }
  assert.ok(statSync(join(dir, 'node.xz')).size < 32 * 2 ** 20);
});

test('gpu-run.sh --backend wasm (dry run) prints the bench table and matches wasm', () => {
  const r = runner([
    '--backend',
    'wasm',
    '--generator',
    'generators/t32',
    '--cases',
    'x1,x2',
    '--quick',
    '--compare',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^backend wasm/m);
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('gpu:wasm'));
  assert.equal(rows.length, 2, r.stdout);
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    assert.ok(Number(cells[2]) > 0, row); // median ms
    assert.ok(Number(cells[6]) <= 1e-6, row); // max|Δ|/max|ref| against the wasm reference
  }
  assert.match(r.stdout, /bench:gpu done/);
});

test('gpu-run.sh --backend webgpu times the GPU or stops with the reason', () => {
  const r = runner(['--backend', 'webgpu', '--generator', 'generators/t32', '--cases', 'x1', '--quick']);
  if (r.status === 0) {
    assert.match(r.stdout, /^gpu:webgpu/m);
  } else {
    assert.match(r.stderr, /bench:gpu failed: webgpu backend unavailable: .*(adapter|webgpu)/);
  }
});
