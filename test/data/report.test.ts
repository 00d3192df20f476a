/**
 * `aliasfree report` with a data folder holding a trained network (the golden t32 fixture): the
 * trained part appears — the network beside the random weights of its config, both measured, with
 * the labels "trained on the procedural set, N kimg" and "random weights" —, the ladder stays and is
 * labelled random weights, and `trained: false` leaves the part out.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runReport } from '../../src/cli/report.js';
import { chromiumAvailable, closeRenderer, withPage } from '../../src/viz/index.js';
import type { ReportJson } from '../../src/report/schema.js';
import { fixtureDataDir } from './fixture.js';

let tmp: string;
let data: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'aliasfree-report-trained-'));
  data = join(tmp, 'data');
  await fixtureDataDir(data);
});
after(async () => {
  await closeRenderer();
  rmSync(tmp, { recursive: true, force: true });
});

const base = {
  configs: ['T' as const],
  resolution: 16,
  channelMax: 4,
  samples: 4,
  layerSamples: 1,
  images: 2,
  frames: 2,
  seed: 0,
  weightSeed: 0,
  backend: 'wasm' as const,
  layers: false,
  quiet: true,
};

test('the report shows the trained network beside its random weights, clearly labelled', async () => {
  const out = join(tmp, 'r');
  const r: ReportJson = await runReport({ ...base, out, dataDir: data });
  assert.deepEqual(r.options.configs, ['T'], 'the ladder keeps its configs');
  assert.equal(r.configs.length, 1);
  assert.equal(r.trained.length, 1);
  const t = r.trained[0];
  assert.equal(t.id, 'fixture-t');
  assert.equal(t.label, 'trained on the procedural set, 10 kimg');
  assert.equal(t.trained.config, 'trained-fixture-t');
  assert.equal(t.untrained.config, 'untrained-fixture-t');
  assert.match(t.untrained.label, /^random weights/);
  // Rendered here (32² golden network), EQ from the manifest (not measured again).
  for (const c of [t.trained, t.untrained]) {
    assert.equal(c.resolution, 32);
    assert.equal(c.strips.length, 2);
    assert.equal(c.eq.samples, 64);
  }
  assert.deepEqual(
    [t.trained.eq.eqt, t.trained.eq.eqt_frac, t.trained.eq.eqr, t.untrained.eq.eqt],
    [40.5, 38.25, 20.125, 70],
  );
  assert.equal(r.configs[0].eq.samples, 4, 'the ladder still measures its EQ');
  assert.equal(t.swd.trained, 50, 'SWD comes from the manifest');
  const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson;
  assert.deepEqual(saved.trained.map((x) => x.id), ['fixture-t']);

  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /<h2 id="trained">Trained networks \(data\/\) beside random weights of the same config<\/h2>/);
  assert.match(html, /<h2>trained-fixture-t — trained on the procedural set, 10 kimg<\/h2>/);
  assert.match(html, /<h2>untrained-fixture-t — random weights: the same config/);
  assert.match(html, /<h2 id="random">Random weights: the ladder \(untrained, seeded\)<\/h2>/);
  assert.match(html, /<h2>T — [^<]* · random weights<\/h2>/);
  assert.ok(html.includes('aliasfree train --cfg stylegan3-t --data procedural32.zip'), 'the train command is shown');
  // The comparison table: EQ-T of both, their difference and the paper's trained T.
  assert.ok(
    html.includes('<td>EQ-T (dB), 64 latents (manifest)</td><td>40.5</td><td>70.0</td><td>-29.5</td><td>63.01</td>'),
    'EQ-T row with difference and paper',
  );
  assert.ok(html.includes('<td>50.00</td><td>300.00</td><td>-250.00</td>'), 'SWD row from the manifest');
  // Its images are in the page.
  assert.ok(html.includes('title="trained-fixture-t-samples.png"'));
  assert.ok(html.includes('title="untrained-fixture-t-translate.png"'));
});

test('the page with the trained part renders in headless Chromium: no errors, every image decoded', async () => {
  assert.ok(chromiumAvailable(), 'Chromium is required (Debian package chromium or $ALIASFREE_CHROMIUM)');
  const path = join(tmp, 'r', 'index.html');
  const result = await withPage(async (page) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path).href);
    return {
      errors,
      images: await page.$$eval('img', (els) =>
        els.map((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0),
      ),
    };
  });
  assert.deepEqual(result.errors, []);
  // Samples and two strips for the trained network, its random weights and the ladder's T.
  assert.equal(result.images.length, 9);
  assert.ok(result.images.every(Boolean), 'every <img> decoded');
});

test('trained: false (--no-trained) leaves the trained part out; a broken manifest is a note', async () => {
  const r = await runReport({ ...base, out: join(tmp, 'n'), dataDir: data, trained: false });
  assert.deepEqual(r.trained, []);
  assert.ok(!r.notes.some((n) => /Trained/.test(n)));
  assert.doesNotMatch(readFileSync(join(tmp, 'n', 'index.html'), 'utf8'), /id="trained"/);
  const broken = join(tmp, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'manifest.json'), '{"schema": "aliasfree-trained/0"}');
  const b = await runReport({ ...base, out: join(tmp, 'b'), dataDir: broken });
  assert.deepEqual(b.trained, []);
  assert.equal(b.configs.length, 1, 'the ladder is still measured');
  assert.match(b.notes.join('\n'), /^Trained networks left out: .*manifest\.json: schema must be "aliasfree-trained\/1"/m);
});
