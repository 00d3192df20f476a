/**
 * Atomic file output (src/io/atomic-file.ts): the destination gets the whole content, no
 * temporary file stays behind, and a failed write leaves the old file as it was.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileAtomic, writeFileAtomic } from '../../src/io/atomic-file.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('writeFileAtomic: bytes and strings replace the file whole; nothing left beside it', () => {
  const path = join(dir, 'a.bin');
  writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  writeFileAtomic(path, 'héllo');
  assert.equal(readFileSync(path, 'utf8'), 'héllo');
  assert.deepEqual(readdirSync(dir), ['a.bin']);
});

test('copyFileAtomic: the copy equals the source; a failed copy keeps the old file and no temporary', () => {
  const sub = join(dir, 'copy');
  mkdirSync(sub);
  const src = join(sub, 'src.bin');
  const dst = join(sub, 'dst.bin');
  writeFileSync(src, new Uint8Array([9, 8, 7, 6]));
  writeFileSync(dst, 'old');
  copyFileAtomic(src, dst);
  assert.deepEqual([...readFileSync(dst)], [9, 8, 7, 6]);
  writeFileSync(dst, 'old');
  assert.throws(() => copyFileAtomic(join(sub, 'missing.bin'), dst), /ENOENT/);
  assert.equal(readFileSync(dst, 'utf8'), 'old');
  assert.deepEqual(readdirSync(sub).sort(), ['dst.bin', 'src.bin']);
});

test('writeFileAtomic: a folder that does not exist fails and writes nothing', () => {
  assert.throws(() => writeFileAtomic(join(dir, 'nope', 'x.txt'), 'x'), /ENOENT/);
});
