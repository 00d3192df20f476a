/**
 * `npm run data:check` as a command: on a data folder whose manifest records numbers the network
 * does not give (the fixture's placeholder metrics), it prints the table with the mismatches and
 * exits 1 — while the recorded image still matches; without a manifest it exits 1 and says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDataDir } from './fixture.js';

const root = join(import.meta.dirname, '..', '..');
let tmp: string;
let data: string;

function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'scripts', 'data-check.ts'), ...args],
      { cwd: root, timeout: 300_000 },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'aliasfree-data-check-'));
  data = join(tmp, 'data');
  await fixtureDataDir(data);
  // A small SWD so the command stays quick; the placeholder numbers stay wrong.
  const path = join(data, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8'));
  m.networks[0].metrics.swd.images = 16;
  writeFileSync(path, JSON.stringify(m));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('numbers the network does not give: a table with MISMATCH rows and exit status 1', async () => {
  const r = await check(['--dir', data, '--eq-samples', '8']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^fixture-t\s+image\s+trained\s+\.npy\s+\(pixels\)\s+0\.000\s+1\.00e-5\s+.*\sok$/m);
  assert.match(r.stdout, /^fixture-t\s+swd\s+trained\s+50\.000\s+\S+\s+\S+\s+1\.000\s+16 images\s+MISMATCH$/m);
  assert.match(r.stdout, /^fixture-t\s+eqt\s+untrained\s+70\.000\s+.*8 of 64 latents\s+(ok|MISMATCH)$/m);
  assert.match(r.stdout, /\d+ of 9 numbers out of tolerance/);
  assert.match(r.stderr, /fixture-t trained: EQ 8\/8 latents/);
});

test('no manifest: exit status 1 and the reason', async () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  const r = await check(['--dir', empty]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /data:check: .*empty has no manifest\.json/);
});
