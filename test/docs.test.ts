/**
 * `npm run docs` (TypeDoc over the public entry points) builds the API reference with every export
 * documented: typedoc.json turns warnings (undocumented or unexported public types) into errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

test('the API reference builds with no warning (every public export documented)', () => {
  const out = mkdtempSync(join(tmpdir(), 'aliasfree-docs-'));
  try {
    const bin = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [bin, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    const log = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, `typedoc failed:\n${log}`);
    assert.doesNotMatch(log, /warning/i, log);
    assert.ok(existsSync(join(out, 'index.html')), 'index.html written');
    assert.ok(
      existsSync(join(out, 'modules')) || existsSync(join(out, 'modules.html')),
      'module pages written',
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
