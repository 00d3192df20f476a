/**
 * Output folders (src/cli/output.ts) and the commands that write them: a bad `--out` fails before
 * any work with a message naming the option, `convert` does not overwrite a non-empty folder
 * unless given `--force`, and the "wrote N files" lines count what was written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countFiles, prepareOutDir } from '../../src/cli/output.js';
import { goldenPath } from '../helpers/golden.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'aliasfree.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ALIASFREE_BACKEND: 'wasm' },
  });

test('prepareOutDir: creates parents, names the option and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-out-'));
  try {
    assert.equal(prepareOutDir(join(dir, 'a', 'b')), join(dir, 'a', 'b'));
    assert.deepEqual(readdirSync(join(dir, 'a')), ['b']);
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(
      () => prepareOutDir(join(dir, 'file')),
      /^Error: --out ".*file": a file with that name exists, not a folder$/,
    );
    assert.throws(
      () => prepareOutDir(join(dir, 'file', 'sub')),
      /^Error: --out ".*file\/sub": cannot create the folder: a file is in the way \(a parent is not a folder\)$/,
    );
    assert.throws(
      () => prepareOutDir(join(dir, 'a'), '<outDir>', { refuseNonEmpty: true }),
      /^Error: <outDir> ".*a" is not empty; give --force to write into it/,
    );
    assert.equal(
      prepareOutDir(join(dir, 'a', 'b'), '<outDir>', { refuseNonEmpty: true }),
      join(dir, 'a', 'b'),
    );
    assert.throws(() => prepareOutDir(''), /^TypeError: --out must be a folder path, got ""$/);
    assert.equal(countFiles(1), '1 file');
    assert.equal(countFiles(5), '5 files');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generate: a bad --out fails at once naming --out; the count includes generate.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-out-'));
  try {
    writeFileSync(join(dir, 'file'), 'x');
    const tiny = ['--config', 'T', '--resolution', '16', '--channel-base', '512', '--channel-max', '8'];
    const bad = cli(['generate', ...tiny, '--seeds', '0', '--out', join(dir, 'file')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^aliasfree: --out ".*file": a file with that name exists, not a folder$/m);
    const ok = cli([
      'generate',
      ...tiny,
      '--seeds',
      '0-1',
      '--animate',
      'translate',
      '--frames',
      '2',
      '--out',
      join(dir, 'g'),
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    const written = readdirSync(join(dir, 'g')).sort();
    assert.deepEqual(written, ['generate.json', 'grid.png', 'seed0000.png', 'seed0001.png', 'translate.gif']);
    assert.equal(ok.stdout.trim(), `wrote 5 files to ${join(dir, 'g')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('convert: refuses a non-empty output folder unless --force', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-out-'));
  try {
    const pkl = goldenPath('generators', 't32', 'network.pkl');
    mkdirSync(join(dir, 'net'));
    writeFileSync(join(dir, 'net', 'keep.txt'), 'mine');
    const refused = cli(['convert', pkl, join(dir, 'net')]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /<outDir> ".*net" is not empty; give --force to write into it/);
    assert.deepEqual(readdirSync(join(dir, 'net')), ['keep.txt']);
    const forced = cli(['convert', pkl, join(dir, 'net'), '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual(readdirSync(join(dir, 'net')).sort(), ['init_kwargs.json', 'keep.txt', 'state']);
    const fresh = cli(['convert', pkl, join(dir, 'new', 'net')]);
    assert.equal(fresh.status, 0, fresh.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
