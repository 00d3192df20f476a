/**
 * `aliasfree generate --compare`: side-by-side videos of tiny networks (16², C_max 16) — the GIF's
 * size and frame count read back from its own bytes, the MP4 through ffprobe, generate.json, A's
 * blank column, weight files (the golden 32² T and R), the refusals (exit status 2 for bad
 * options), a PATH without ffmpeg, and `--animate interpolate` for one network.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGenerate, type GenerateOptions } from '../../src/cli/generate.js';
import { compareList } from '../../src/cli/generate-options.js';
import { main } from '../../src/cli/main.js';
import { setBackend } from '../../src/generator/backend.js';
import { findOnPath } from '../../src/io/mp4.js';
import { motionGridLayout } from '../../src/viz/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-compare-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await setBackend('wasm');
});

const T32 = 'test/golden/generators/t32';
const R32 = 'test/golden/generators/r32';

function options(over: Partial<GenerateOptions>): GenerateOptions {
  return {
    config: 'T',
    resolution: 16,
    channelBase: 512,
    channelMax: 16,
    seeds: [0, 1],
    weightSeed: 0,
    psi: 1,
    animate: 'translate',
    frames: 3,
    out: join(dir, 'x'),
    backend: 'wasm',
    workers: 1,
    quiet: true,
    ...over,
  };
}

/**
 * Minimal GIF reader: the logical screen size and the number of image descriptors, found by
 * walking the block structure (extensions and image data are sub-block chains).
 */
function gifInfo(bytes: Uint8Array): { width: number; height: number; frames: number } {
  const sig = String.fromCharCode(...bytes.subarray(0, 6));
  assert.ok(sig === 'GIF89a' || sig === 'GIF87a', `not a GIF: ${sig}`);
  const u16 = (i: number) => bytes[i] | (bytes[i + 1] << 8);
  const width = u16(6);
  const height = u16(8);
  let p = 13;
  if (bytes[10] & 0x80) p += 3 << ((bytes[10] & 7) + 1);
  const skipSubBlocks = () => {
    while (bytes[p] !== 0) p += bytes[p] + 1;
    p++;
  };
  let frames = 0;
  for (;;) {
    const b = bytes[p++];
    if (b === 0x3b) break;
    if (b === 0x21) {
      p++; // label
      skipSubBlocks();
    } else if (b === 0x2c) {
      frames++;
      assert.equal(u16(p + 4), width, `frame ${frames} width`);
      assert.equal(u16(p + 6), height, `frame ${frames} height`);
      const flags = bytes[p + 8];
      p += 9;
      if (flags & 0x80) p += 3 << ((flags & 7) + 1);
      p++; // LZW minimum code size
      skipSubBlocks();
    } else assert.fail(`unexpected GIF block 0x${b?.toString(16)} at byte ${p - 1}`);
    assert.ok(p <= bytes.length, 'GIF ends inside a block');
  }
  return { width, height, frames };
}

const names = (files: string[]) => files.map((f) => f.split('/').pop());

test('generate --compare A,C,T: GIF and MP4 of the right size and length, A blank, C drifts far more than T', async () => {
  const out = join(dir, 'act');
  const r = await runGenerate(options({ compare: compareList('A,C,T'), format: ['gif', 'mp4'], out }));
  assert.deepEqual(names(r.files), ['compare-translate.gif', 'compare-translate.mp4']);
  const gif = gifInfo(readFileSync(r.files[0]));
  assert.equal(gif.frames, 3);
  const layout = motionGridLayout({
    columnLabels: ['A', 'C', 'T'],
    rowLabels: ['output', 'untransformed', '|Δ| ×8'],
    resolution: 16,
    scale: 8,
  });
  assert.equal(gif.width, layout.width);
  assert.ok(
    gif.height > layout.header + 3 * layout.tile,
    `height ${gif.height} holds the three rows and a caption`,
  );
  const ffprobe = findOnPath('ffprobe');
  assert.ok(ffprobe, 'this test needs ffprobe (Debian: apt-get install ffmpeg)');
  const probe = JSON.parse(
    execFileSync(ffprobe, [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames,width,height',
      '-of',
      'json',
      r.files[1],
    ]).toString(),
  ).streams[0];
  assert.equal(Number(probe.nb_read_frames), 3);
  assert.equal(probe.width, gif.width + (gif.width % 2));
  assert.equal(probe.height, gif.height + (gif.height % 2));
  const meta = JSON.parse(readFileSync(join(out, 'generate.json'), 'utf8'));
  assert.equal(meta.mode, 'compare');
  assert.deepEqual(names(meta.files), names(r.files));
  assert.deepEqual(
    meta.networks.map((n: { label: string; active: boolean }) => [n.label, n.active]),
    [
      ['A', false],
      ['C', true],
      ['T', true],
    ],
  );
  assert.match(meta.notes[0], /A: no input transform/);
  const [, c, t] = meta.networks.map((n: { drift: number | null }) => n.drift);
  assert.ok(t * 10 < c, `drift T ${t} vs C ${c}`);
});

test('generate --compare with weight files: the golden T and R at 32², interpolate', async () => {
  const out = join(dir, 'files');
  const r = await runGenerate(
    options({ compare: compareList(`${T32},${R32}/network.pkl`), animate: 'interpolate', frames: 2, out }),
  );
  assert.deepEqual(names(r.files), ['compare-interpolate.gif']);
  assert.equal(gifInfo(readFileSync(r.files[0])).frames, 2);
  const meta = JSON.parse(readFileSync(join(out, 'generate.json'), 'utf8'));
  assert.deepEqual(
    meta.networks.map((n: { label: string }) => n.label),
    ['t32', 'network'],
  );
  assert.deepEqual(meta.seeds, [0, 1]);
  assert.equal(meta.networks[0].generator.imgResolution, 32);
});

test('aliasfree generate --compare on the command line: defaults reach the run (GIF only, 12.5 fps)', async () => {
  const out = join(dir, 'cli');
  const code = await main([
    'generate',
    '--compare',
    'c',
    '--compare',
    'T',
    '--resolution',
    '16',
    '--channel-base',
    '512',
    '--channel-max',
    '16',
    '--frames',
    '2',
    '--backend',
    'wasm',
    '--out',
    out,
    '-q',
  ]);
  assert.equal(code, 0);
  const meta = JSON.parse(readFileSync(join(out, 'generate.json'), 'utf8'));
  assert.deepEqual(names(meta.files), ['compare-translate.gif']);
  assert.deepEqual(
    meta.networks.map((n: { label: string }) => n.label),
    ['C', 'T'],
  );
  assert.equal(meta.fps, 12.5);
  const bytes = readFileSync(join(out, 'compare-translate.gif'));
  assert.equal(gifInfo(bytes).frames, 2);
  const gce = bytes.indexOf(Buffer.from([0x21, 0xf9, 0x04]));
  assert.equal(bytes[gce + 4] | (bytes[gce + 5] << 8), 8, '12.5 fps = 8 cs per frame');
});

test('generate --compare refusals: resolution, latent size, too few networks, frames, motion, unknown names', async () => {
  await assert.rejects(
    runGenerate(options({ compare: compareList(`T,${T32}`), out: join(dir, 'r') })),
    /--compare: the networks must share one resolution \(T 16², t32 32²\)/,
  );
  await assert.rejects(
    runGenerate(options({ compare: compareList(`T,${T32}`), resolution: 32, out: join(dir, 'z') })),
    /share one latent size .*T zDim 512, t32 zDim 32/,
  );
  assert.deepEqual(
    compareList('T,t').map((c) => c.label),
    ['T', 'T#2'],
  );
  assert.throws(() => compareList('C,Q'), /unknown config "Q"/);
  assert.throws(() => compareList('nowhere/x.pkl'), /neither a config .* nor an existing weights file/);
  for (const args of [
    ['--compare', 'T'],
    ['--compare', 'C,Q'],
    ['--compare', 'C,T', '--frames', '1'],
    ['--compare', 'C,T', '--animate', 'walk'],
    ['--compare', 'C,T', '--workers', '2'],
    ['--compare', 'C,T', '--weights', T32],
    ['--compare', 'C,nowhere.pkl'],
    ['--format', 'avi'],
    ['--fps', '0'],
    ['--animate', 'interpolate', '--frames', '1'],
  ])
    assert.equal(await main(['generate', ...args, '-q', '--out', join(dir, 'never')]), 2, args.join(' '));
});

test('generate --format mp4 with a PATH that hides ffmpeg: a note, the GIF, no crash', async () => {
  const out = join(dir, 'noff');
  const saved = process.env.PATH;
  process.env.PATH = mkdtempSync(join(dir, 'empty-path-'));
  let r;
  try {
    r = await runGenerate(options({ compare: compareList('C,T'), format: ['gif', 'mp4'], frames: 2, out }));
  } finally {
    process.env.PATH = saved;
  }
  assert.deepEqual(names(r.files), ['compare-translate.gif']);
  const meta = JSON.parse(readFileSync(join(out, 'generate.json'), 'utf8'));
  assert.deepEqual(meta.notes, ['ffmpeg is not on PATH: no MP4 written (install ffmpeg for videos)']);
});

test('generate --animate interpolate (one network): seed 0 → seed 1 in W, fps in the GIF', async () => {
  const out = join(dir, 'interp');
  const r = await runGenerate(
    options({ animate: 'interpolate', seeds: [0, 1], frames: 3, fps: 5, format: ['gif', 'mp4'], out }),
  );
  assert.deepEqual(names(r.files), [
    'seed0000.png',
    'seed0001.png',
    'grid.png',
    'interpolate.gif',
    'interpolate.mp4',
  ]);
  const bytes = readFileSync(r.files[3]);
  const info = gifInfo(bytes);
  assert.deepEqual(info, { width: 16, height: 16, frames: 3 });
  // Graphic control extension: delay in hundredths of a second at bytes 4–5 of its block.
  const gce = bytes.indexOf(Buffer.from([0x21, 0xf9, 0x04]));
  assert.equal(bytes[gce + 4] | (bytes[gce + 5] << 8), 20, '5 fps = 20 cs per frame');
});
