/**
 * The trained-network manifest without any network: schema validation (each error names the JSON
 * path and why), entry replacement, the run-folder parsing `data:record` relies on (wall time from
 * log.jsonl, kimg of a snapshot, config family, the train command), the EQ tolerance formula, the
 * trend statement computed from the numbers and the generated README.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, upsertEntry, validateManifest } from '../../src/data/manifest.js';
import {
  datasetCommand,
  defaultId,
  familyOf,
  latestSnapshot,
  parseTrainingLog,
  snapshotKimg,
  trainCommandFrom,
  wallSecondsTo,
} from '../../src/data/run-folder.js';
import { readmeFromManifest, trendStatement, TREND_MARGIN_DB } from '../../src/data/readme.js';
import { eqTolerance, EQ_FLOAT_DB, EQ_SIGMAS } from '../../src/data/check.js';
import { psnrStandardErrorDb } from '../../src/data/metrics.js';
import { entryJson, manifestJson } from './fixture.js';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('a valid manifest passes and comes back equal', () => {
  const m = manifestJson([entryJson(), entryJson({ family: 'A', id: 'fixture-a' })], 'because');
  assert.deepEqual(validateManifest(clone(m)), m);
});

test('validation names the JSON path of the first problem and why', () => {
  const cases: [(j: Record<string, any>) => void, RegExp][] = [
    [(j) => (j.schema = 'other/1'), /schema must be "aliasfree-trained\/1", got "other\/1"/],
    [(j) => delete j.networks[0].image.seed, /networks\[0\]\.image\.seed must be a finite number, got nothing \(the field is missing\)/],
    [(j) => (j.networks[0].family = 'X'), /networks\[0\]\.family must be 'A' \(StyleGAN2\), 'T' or 'R'/],
    [(j) => (j.networks[0].network = 'stylegan2'), /networks\[0\]\.network must be 'stylegan3' for family T/],
    [(j) => (j.networks[0].sha256 = 'xyz'), /networks\[0\]\.sha256 must match/],
    [(j) => (j.networks[0].file = '../outside.pkl'), /networks\[0\]\.file must be a relative path inside the data folder/],
    [(j) => (j.networks[0].file = '/abs.pkl'), /networks\[0\]\.file must be a relative path/],
    [(j) => (j.networks[0].bytes = 0), /networks\[0\]\.bytes must be ≥ 1, got 0/],
    [(j) => (j.networks[0].metrics.swd.trained.resolutions = [32]), /metrics\.swd\.trained\.resolutions must be an array as long as perLevel \(2\)/],
    [(j) => (j.networks[0].metrics.eq.trained.eqt = 'high'), /metrics\.eq\.trained\.eqt must be a finite number, got "high"/],
    [(j) => (j.networks[0].id = 'Bad Id'), /networks\[0\]\.id must match/],
    [(j) => (j.networks[1].id = j.networks[0].id), /networks\[1\] repeats the id fixture-t of networks\[0\]/],
    [(j) => (j.networks = {}), /networks must be an array, got \{\}/],
  ];
  for (const [edit, re] of cases) {
    const j = clone(manifestJson([entryJson(), entryJson({ id: 'fixture-t2' })])) as unknown as Record<string, any>;
    edit(j);
    assert.throws(
      () => validateManifest(j, 'data/manifest.json'),
      (e: Error) => e instanceof ManifestError && e.message.startsWith('data/manifest.json: ') && re.test(e.message),
      `expected ${re}`,
    );
  }
});

test('upsertEntry replaces the entry of the same id in place and appends new ones', () => {
  const m = manifestJson([entryJson({ id: 'one' }), entryJson({ id: 'two' })]);
  const replaced = upsertEntry(m, entryJson({ id: 'one', bytes: 77 }));
  assert.deepEqual(replaced.networks.map((n) => [n.id, n.bytes]), [['one', 77], ['two', 1000]]);
  assert.deepEqual(upsertEntry(m, entryJson({ id: 'three' })).networks.map((n) => n.id), ['one', 'two', 'three']);
  assert.equal(m.networks[0].bytes, 1000, 'the input is not changed');
});

test('run folder: wall time, kimg, family and commands', () => {
  const log = [
    '{"tick":0,"kimg":0.008,"tick_seconds":4.5,"timestamp":1000}',
    '{"curNimg":8}',
    '{"tick":1,"kimg":0.512,"tick_seconds":100,"timestamp":1100}',
    '{"tick":2,"kimg":1.016,"tick_seconds":90,"timestamp":1190.5}',
    '',
  ].join('\n');
  const ticks = parseTrainingLog(log);
  assert.equal(ticks.length, 3);
  // Start = 1000 − 4.5; the snapshot at 1.016 kimg ends with tick 2.
  assert.equal(wallSecondsTo(ticks, 1.016), 1190.5 - 995.5);
  assert.equal(wallSecondsTo(ticks, 0.6), 1100 - 995.5);
  assert.throws(() => wallSecondsTo(ticks, 0.001), /no tick at or before 0.001 kimg/);
  assert.throws(() => parseTrainingLog('{"kimg":1}\nnot json'), /line 2 is not JSON/);
  assert.equal(snapshotKimg('network-snapshot-000006.pkl', null), 6);
  assert.equal(snapshotKimg('network-snapshot-000001.pkl', { curNimg: 1016 }), 1.016);
  assert.throws(() => snapshotKimg('net.pkl', null), /cannot tell the kimg/);

  const options = {
    cfg: 'stylegan3-t',
    batch: 8,
    kimg: 10,
    tick: 0.5,
    snap: 2,
    seed: 0,
    data: '/work/runs/procedural32.zip',
    G_kwargs: { class_name: 'training.networks_stylegan3.Generator', z_dim: 128, w_dim: 128, channel_base: 512, channel_max: 32 },
  };
  assert.equal(familyOf(options), 'T');
  assert.equal(familyOf({ ...options, cfg: 'stylegan3-r' }), 'R');
  assert.equal(familyOf({ cfg: 'stylegan2', G_kwargs: { class_name: 'training.networks_stylegan2.Generator' } }), 'A');
  assert.throws(() => familyOf({ cfg: 'x', G_kwargs: {} }), /none of stylegan2, stylegan3-t, stylegan3-r/);
  assert.equal(
    trainCommandFrom(options),
    'aliasfree train --cfg stylegan3-t --data procedural32.zip --batch 8 --kimg 10 --tick 0.5 --snap 2 --cbase 512 --cmax 32 --z-dim 128 --w-dim 128 --seed 0',
  );
  assert.equal(defaultId(options), 'stylegan3-t-procedural32');
  assert.equal(defaultId({ cfg: 'stylegan2', data: 'C:\\runs\\My Set.ZIP' }), 'stylegan2-my-set');
  assert.equal(
    latestSnapshot(['fakes000010.png', 'network-snapshot-000009.pkl', 'network-snapshot-000010.pkl', 'network-snapshot-000002.pkl']),
    'network-snapshot-000010.pkl',
  );
  assert.equal(latestSnapshot(['log.jsonl', 'network-snapshot-000001.json']), null);
  assert.equal(
    datasetCommand({ count: 2000, resolution: 32, seed: 0, channels: 3, out: 'procedural32.zip' }),
    'aliasfree dataset --procedural --count 2000 --resolution 32 --seed 0 --out procedural32.zip',
  );
});

test('EQ standard error and tolerance follow the formulas', () => {
  // Equal masks k: R̂ is the mean of e/k, so the SE is the sample std of e/k over √B, relative to R.
  const sums: [number, number][] = [[1, 10], [2, 10], [3, 10], [2, 10]];
  const r = [0.1, 0.2, 0.3, 0.2];
  const mean = 0.2;
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 3);
  assert.ok(Math.abs(psnrStandardErrorDb(sums) - ((10 / Math.LN10) * sd) / 2 / mean) < 1e-12);
  assert.throws(() => psnrStandardErrorDb([[1, 1]]), /at least 2 batches, got 1/);
  assert.equal(eqTolerance(0.5, 64, 64), EQ_FLOAT_DB);
  assert.ok(Math.abs(eqTolerance(0.5, 16, 64) - (EQ_SIGMAS * 0.5 * Math.sqrt(0.75) + EQ_FLOAT_DB)) < 1e-12);
});

test('trend statement: computed from the numbers', () => {
  const t = entryJson({ id: 'net-t', family: 'T' });
  const a = entryJson({ id: 'net-a', family: 'A' });
  // A has no EQ: the trend cannot be tested; the statement says why and still reports T and SWD.
  const withA = trendStatement(manifestJson([t, a]));
  assert.equal(withA.verdict, 'cannot tell');
  assert.match(withA.text, /net-a\) starts from a learned 4×4 constant/);
  assert.match(withA.text, /net-t \(T, 10 kimg\): EQ-T 40\.50 dB trained against 70\.00 dB untrained \(-29\.50 dB\); the paper's trained T on FFHQ-U 256² reaches 63\.01 dB/);
  assert.match(withA.text, /net-a: SWD×10³ 50\.00 trained against 300\.00 untrained \(6\.0× closer/);
  // A StyleGAN2 with an EQ-T number (e.g. Fourier features): the gap decides.
  const sg2 = (eqt: number) => {
    const e = entryJson({ id: 'net-b', family: 'A' });
    e.metrics.eq.trained = { eqt, eqt_frac: eqt, eqr: 10 };
    e.metrics.eq.untrained = { eqt, eqt_frac: eqt, eqr: 10 };
    return e;
  };
  const shows = trendStatement(manifestJson([t, sg2(40.5 - TREND_MARGIN_DB)]));
  assert.equal(shows.verdict, 'shows');
  assert.match(shows.text, /a gap of 10\.00 dB \(≥ 10 dB/);
  const not = trendStatement(manifestJson([t, sg2(35)]));
  assert.equal(not.verdict, 'does not show');
  assert.match(not.text, /a gap of 5\.50 dB \(< 10 dB/);
  assert.equal(trendStatement(manifestJson([a])).verdict, 'cannot tell');
});

test('README from a manifest: commands, kimg, wall time, metrics, verdict and the why text', () => {
  const t = entryJson({ id: 'net-t' });
  const md = readmeFromManifest(manifestJson([t, entryJson({ id: 'net-a', family: 'A' })], 'Short training.'));
  assert.ok(md.includes('```sh\n' + t.dataset.command + '\n' + t.train.command + '\n```'));
  assert.match(md, /\| net-t \| T \| 32² \| 10 \| 1 h 30 min \| 50\.00 \/ 300\.00 \| 40\.50 \/ 70\.00 \|/);
  assert.match(md, /\| net-a \| A \| 32² \| 10 \| 1 h 30 min \| 50\.00 \/ 300\.00 \| – \/ – \|/);
  assert.match(md, /\*\*Verdict: cannot tell\.\*\*/);
  assert.match(md, /### Why\n\nShort training\.\n/);
  assert.match(md, /\| EQ-T \(dB, 64 latents\) \| 40\.50 \| 70\.00 \| -29\.50 \|/);
  assert.match(md, /load average 3\.50 when recorded; shared/);
  assert.match(readmeFromManifest(manifestJson([t])), /No explanation recorded yet/);
});
