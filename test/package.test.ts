// The library is publishable: `npm pack` yields compiled ESM with .d.ts types and no tests, and the
// packed tarball, installed in a scratch folder, imports and runs `firwin`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

test('npm pack → scratch install → import aliasfree/signal and call firwin', { timeout: 300_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'aliasfree-pack-'));
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
    });
    const info = JSON.parse(out)[0] as { filename: string; files: { path: string }[] };
    const paths = info.files.map((f) => f.path);
    assert.ok(paths.includes('dist/signal/index.js'), 'compiled ESM present');
    assert.ok(paths.includes('dist/signal/index.d.ts'), 'type declarations present');
    assert.ok(
      !paths.some((p) => p.startsWith('test/') || /\.test\.(js|ts)$/.test(p)),
      'no test files packed',
    );
    assert.ok(!paths.some((p) => p.startsWith('src/')), 'no TypeScript sources packed');
    // Install: unpack into node_modules/aliasfree, dependencies linked from this checkout.
    const nm = join(scratch, 'node_modules');
    mkdirSync(join(nm, 'aliasfree'), { recursive: true });
    execFileSync('tar', [
      'xzf',
      join(scratch, info.filename),
      '-C',
      join(nm, 'aliasfree'),
      '--strip-components=1',
    ]);
    for (const dep of readdirSync(join(root, 'node_modules'))) {
      if (dep !== 'aliasfree' && !dep.startsWith('.'))
        symlinkSync(join(root, 'node_modules', dep), join(nm, dep));
    }
    const script =
      "import { firwin } from 'aliasfree/signal'; const h = firwin(24, 0.25, { width: 0.1 });" +
      'console.log(JSON.stringify({ n: h.length, sum: h.reduce((a, b) => a + b, 0), mid: h[11] }));';
    const res = JSON.parse(
      execFileSync('node', ['--input-type=module', '-e', script], { cwd: scratch, encoding: 'utf8' }),
    );
    assert.equal(res.n, 24);
    assert.ok(Math.abs(res.sum - 1) < 1e-12, `unit DC gain, got ${res.sum}`);
    assert.ok(res.mid > 0.2 && res.mid < 0.3, `centre tap near 2·f_c = 0.25, got ${res.mid}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
