/**
 * The studio lists the trained networks of a data folder among its served networks: named by id and
 * kimg ("… — trained on the procedural set, N kimg"), after the files named with `--weights`, served
 * byte for byte; an absent pickle is not listed, `trained: false` lists none, and a broken manifest
 * is reported without stopping the server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStudioServer } from '../../src/studio/server.js';
import { fixtureDataDir } from '../data/fixture.js';

let dir = '';
let data = '';
let app = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasfree-studio-trained-'));
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dir, 'net.pkl'), 'pickle bytes');
  data = join(dir, 'data');
  await fixtureDataDir(data);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function list(opts: { trained: string | false }): Promise<{ name: string; url: string }[]> {
  const s = await startStudioServer({ app, weights: [join(dir, 'net.pkl')], ...opts });
  try {
    return (await (await fetch(`${s.url}weights.json`)).json()) as { name: string; url: string }[];
  } finally {
    await s.close();
  }
}

test('trained networks of the data folder follow the named files, served byte for byte', async () => {
  const s = await startStudioServer({ app, weights: [join(dir, 'net.pkl')], trained: data });
  try {
    const l = (await (await fetch(`${s.url}weights.json`)).json()) as { name: string; url: string }[];
    assert.deepEqual(l, [
      { name: 'net.pkl', url: 'weights/0/net.pkl' },
      { name: 'fixture-t — trained on the procedural set, 10 kimg', url: 'weights/1/fixture-t.pkl' },
    ]);
    const bytes = Buffer.from(await (await fetch(`${s.url}${l[1].url}`)).arrayBuffer());
    assert.deepEqual(bytes, readFileSync(join(data, 'fixture-t.pkl')));
  } finally {
    await s.close();
  }
});

test('trained: false lists none; a data folder without its pickle lists none', async () => {
  assert.deepEqual(await list({ trained: false }), [{ name: 'net.pkl', url: 'weights/0/net.pkl' }]);
  const bare = join(dir, 'bare');
  mkdirSync(bare);
  writeFileSync(join(bare, 'manifest.json'), readFileSync(join(data, 'manifest.json')));
  assert.deepEqual(await list({ trained: bare }), [{ name: 'net.pkl', url: 'weights/0/net.pkl' }]);
});

test('a broken manifest is reported on stderr and lists none; the studio still starts', async () => {
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'manifest.json'), '{"schema": "aliasfree-trained/1", "why": ""}');
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof write;
  let l: { name: string; url: string }[];
  try {
    l = await list({ trained: broken });
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(l, [{ name: 'net.pkl', url: 'weights/0/net.pkl' }]);
  assert.match(
    err.join(''),
    /studio: trained networks not listed: .*manifest\.json: networks must be an array/,
  );
});
