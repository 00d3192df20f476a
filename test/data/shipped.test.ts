/**
 * The trained networks shipped in `data/`: the manifest is valid, every file it names is present with
 * the recorded size and SHA-256, each network loads from the package's own folder (found relative to
 * the module, not the working directory) and reproduces its recorded image within `IMAGE_TOLERANCE`
 * (1e-5 · max |x|), and README.md is what the manifest generates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setBackend } from '../../src/generator/backend.js';
import { readmeFromManifest } from '../../src/data/readme.js';
import {
  compareRecordedImage,
  defaultDataDir,
  IMAGE_TOLERANCE,
  loadTrained,
  readManifest,
  trainedNetworks,
  verifyEntryFiles,
} from '../../src/data/trained.js';

const dir = defaultDataDir();
const manifest = readManifest();

test('data/manifest.json is valid and every file it names is present with its size and hash', () => {
  assert.ok(manifest, `${dir} has a manifest.json`);
  assert.ok(manifest.networks.length >= 1, 'at least one trained network is shipped');
  for (const e of manifest.networks) verifyEntryFiles(e, dir, { hash: true });
  assert.deepEqual(
    trainedNetworks().map((l) => l.entry.id),
    manifest.networks.map((e) => e.id),
  );
});

test('each shipped network loads and reproduces its recorded image', async () => {
  await setBackend('wasm');
  for (const e of manifest!.networks) {
    const { generator } = await loadTrained(e.id);
    try {
      const c = await compareRecordedImage(generator, e);
      assert.ok(c.maxAbsExpected > 0.01, `${e.id}: the recorded image is not blank`);
      assert.ok(c.relative <= IMAGE_TOLERANCE, `${e.id}: max |Δ| = ${c.relative} · max |x|`);
    } finally {
      generator.dispose();
    }
  }
});

test('data/README.md is generated from the manifest', () => {
  assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), readmeFromManifest(manifest!));
});
