// The golden vectors are copied into test/golden so a fresh clone passes on its own; when the
// read-only originals in ../shared/golden are present, the copy must still equal them byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GOLDEN } from './helpers/golden.js';

const SHARED = join(GOLDEN, '..', '..', '..', 'shared', 'golden');

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

test('test/golden holds every group with a manifest', () => {
  for (const group of [
    'filters',
    'upfirdn',
    'filtered_lrelu',
    'modconv',
    'synthesis_input',
    'generators',
    'equivariance',
    'spectra',
    'stylegan2',
    'training',
  ]) {
    assert.ok(existsSync(join(GOLDEN, group, 'manifest.json')), `missing ${group}/manifest.json`);
  }
});

test(
  'test/golden equals ../shared/golden when present',
  { skip: !existsSync(SHARED) && 'no ../shared/golden here' },
  () => {
    const ours = listFiles(GOLDEN);
    const theirs = listFiles(SHARED);
    assert.deepEqual(ours, theirs, 'file lists differ');
    for (const f of theirs) {
      assert.ok(
        readFileSync(join(GOLDEN, f)).equals(readFileSync(join(SHARED, f))),
        `${f} differs from ../shared/golden`,
      );
    }
  },
);
