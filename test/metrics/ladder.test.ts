// The configuration ladder (src/metrics/ladder.ts) at a tiny size: rows, finite JSON, the markdown
// table with the paper columns, option errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { setBackend } from '../../src/generator/index.js';
import { runLadder, ladderMarkdown, type LadderRow } from '../../src/metrics/ladder.js';
import { PAPER_LADDER } from '../../src/metrics/paper.js';

before(async () => {
  await setBackend('wasm');
});

let rows: LadderRow[] = [];
/** D and T at 16², a handful of samples: seconds per run. */
const TINY = {
  configs: ['D', 'T'],
  resolution: 16,
  samples: 4,
  layerSamples: 2,
  capacity: { channelBase: 256, channelMax: 16 },
  timingRuns: 1,
};
const progress: string[] = [];

test('runLadder: one finite row per config, in order', async () => {
  rows = await runLadder({
    ...TINY,
    onProgress: (m) => progress.push(m),
  });
  assert.deepEqual(
    rows.map((r) => r.config),
    ['D', 'T'],
  );
  for (const r of rows) {
    assert.equal(r.resolution, 16);
    assert.equal(r.samples, 4);
    assert.deepEqual(r.capacity, { channelBase: 256, channelMax: 16 });
    assert.ok(Number.isInteger(r.parameters) && r.parameters > 0);
    assert.ok(r.msPerImage > 0);
    assert.ok(r.imageRms > 0 && Number.isFinite(r.imageRms));
    for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) assert.ok(Number.isFinite(r[k]), `${r.config} ${k}`);
    assert.ok(Number.isFinite(r.alias.meanAliasDb) && Number.isFinite(r.alias.maxAliasDb));
    assert.ok(r.alias.maxAliasDb! >= r.alias.meanAliasDb!);
    assert.ok(r.layers.some((l) => l.name === r.alias.worstLayer));
  }
  // JSON round trip keeps every number finite (no NaN/Infinity turned into null by accident).
  const json = JSON.parse(JSON.stringify(rows)) as LadderRow[];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') assert.ok(Number.isFinite(v), path);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(json, 'rows');
  assert.equal(json[1].alias.meanAliasDb, rows[1].alias.meanAliasDb);
  // Progress lines name the config and carry an ETA.
  assert.ok(progress.some((m) => m.startsWith('[D]') && /ETA/.test(m)));
  assert.ok(progress.some((m) => m.startsWith('[T]') && /done/.test(m)));
  // The unfiltered D aliases more than T (per-layer probe).
  assert.ok(rows[0].alias.meanAliasDb! > rows[1].alias.meanAliasDb!);
});

test('runLadder with 2 workers: the same EQ and alias numbers, rows in config order', async () => {
  const lines: string[] = [];
  const seen: string[][] = [];
  const par = await runLadder({
    ...TINY,
    workers: 2,
    onProgress: (m) => lines.push(m),
    onRow: (_row, all) => seen.push(all.map((r) => r.config)),
  });
  assert.deepEqual(
    par.map((r) => r.config),
    ['D', 'T'],
  );
  par.forEach((r, i) => {
    for (const k of ['eqt', 'eqt_frac', 'eqr', 'imageRms', 'parameters'] as const)
      assert.equal(r[k], rows[i][k], `${r.config} ${k}`);
    assert.deepEqual(r.alias, rows[i].alias);
    assert.deepEqual(r.layers, rows[i].layers);
  });
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[1], ['D', 'T']);
  assert.ok(lines.some((m) => m.startsWith('[T]') && /ETA/.test(m)));
});

test('ladderMarkdown: one row per config, our columns and the labelled paper columns', () => {
  const md = ladderMarkdown(rows);
  const lines = md.split('\n').filter((l) => l.startsWith('|'));
  assert.equal(lines.length, 2 + rows.length); // header, separator, rows
  const head = lines[0].split('|').map((c) => c.trim());
  for (const col of [
    'EQ-T',
    'EQ-T_frac',
    'EQ-R',
    'EQ-T (paper, trained)',
    'EQ-R (paper, trained)',
    'FID (paper, trained)',
  ])
    assert.ok(head.includes(col), col);
  for (const [i, r] of rows.entries()) {
    const cells = lines[2 + i].split('|').map((c) => c.trim());
    assert.equal(cells[1], r.config);
    assert.equal(cells.length, head.length);
    assert.equal(Number(cells[head.indexOf('EQ-T')]), Number(r.eqt!.toFixed(2)));
    const paper = PAPER_LADDER.find((p) => p.config === r.config)!;
    assert.equal(Number(cells[head.indexOf('EQ-T (paper, trained)')]), paper.eqt);
    assert.equal(Number(cells[head.indexOf('EQ-R (paper, trained)')]), paper.eqr);
    assert.equal(Number(cells[head.indexOf('FID (paper, trained)')]), paper.fid);
  }
  assert.match(md, /untrained/);
  assert.match(md, /trained networks/);
});

test('runLadder on the StyleGAN2 rungs A and C: A has no EQ ("—" with the reason, as the paper), C has all three', async () => {
  const ac = await runLadder({ ...TINY, configs: ['A', 'C'] });
  assert.deepEqual(
    ac.map((r) => r.config),
    ['A', 'C'],
  );
  const [a, c] = ac;
  assert.deepEqual([a.eqt, a.eqt_frac, a.eqr, a.samples], [null, null, null, 0]);
  assert.match(a.eqNote!, /no transformable input/);
  assert.equal(c.eqNote, null);
  for (const k of ['eqt', 'eqt_frac', 'eqr'] as const) assert.ok(Number.isFinite(c[k]), `C ${k}`);
  for (const r of ac) {
    assert.deepEqual(r.capacity, { channelBase: 256, channelMax: 16 });
    assert.ok(Number.isInteger(r.parameters) && r.parameters > 0 && r.msPerImage > 0);
    assert.equal(r.layers[0].name, 'b4.conv1');
    assert.ok(Number.isFinite(r.alias.meanAliasDb) && !r.alias.worstLayer!.endsWith('torgb'));
  }
  const md = ladderMarkdown(ac);
  const lineA = md.split('\n').find((l) => l.startsWith('| A |'))!;
  const cells = lineA.split('|').map((x) => x.trim());
  assert.deepEqual(cells.slice(6, 9), ['—', '—', '—']);
  assert.equal(cells[2], 'StyleGAN2');
  assert.match(md, /EQ "—" for A: no transformable input/);
  // The caption counts the EQ samples of the rows that have EQ (A's 0 is not one of them).
  assert.match(md, /16², 4 EQ samples/);
});

test('runLadder rejects bad options with errors naming the argument', async () => {
  await assert.rejects(runLadder({ configs: ['X'] }), /configs: unknown config "X"/);
  await assert.rejects(runLadder({ configs: [] }), /configs must be a non-empty array/);
  await assert.rejects(runLadder({ resolution: 48 }), /resolution must be a power of two/);
  await assert.rejects(runLadder({ samples: 0 }), /samples/);
  await assert.rejects(runLadder({ capacityDivisor: 0 }), /capacityDivisor/);
  assert.throws(() => ladderMarkdown(null as unknown as LadderRow[]), TypeError);
});
