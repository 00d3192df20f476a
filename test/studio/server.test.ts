/**
 * The studio server refuses what it should and listens on localhost: paths outside the app folder
 * and the named files (`..`, encoded `%2e%2e` / `%2f`, absolute paths, symlinks out, folders) get
 * 404, only GET/HEAD are answered, every answer carries the cross-origin isolation headers, and
 * `aliasfree studio --port 0 --no-open` prints `studio: http://127.0.0.1:PORT/` once it listens.
 * Requests are sent raw (node:http with the path as written) so that nothing normalises them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import {
  safeSegments,
  startStudioServer,
  STUDIO_HEADERS,
  type StudioServer,
} from '../../src/studio/server.js';
import { trainedDisplayName, trainedNetworks } from '../../src/data/listing.js';

let dir = '';
let server: StudioServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasfree-studio-srv-'));
  const app = join(dir, 'app');
  mkdirSync(join(app, 'sub'), { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(app, 'app.js'), 'export {};');
  writeFileSync(join(app, 'sub', 'inner.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'outside the app');
  writeFileSync(join(dir, 'net.pkl'), 'pickle bytes');
  writeFileSync(join(dir, 'other.pkl'), 'not named');
  symlinkSync(join(dir, 'secret.txt'), join(app, 'link-out.txt'));
  symlinkSync(dir, join(app, 'dir-out'));
  symlinkSync(join(app, 'app.js'), join(app, 'link-in.js'));
  server = await startStudioServer({ app, weights: [join(dir, 'net.pkl')], trained: false });
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request: the path goes on the wire exactly as given. */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('serves the app and the named files, with the cross-origin isolation headers', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.match(index.body, /<title>app<\/title>/);
  for (const [k, v] of Object.entries(STUDIO_HEADERS)) assert.equal(index.headers[k.toLowerCase()], v);
  assert.equal(index.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(index.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal((await get('/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal((await get('/sub/inner.css')).status, 200);
  assert.equal((await get('/link-in.js')).status, 200); // a symlink that stays inside is fine
  const list = JSON.parse((await get('/weights.json')).body) as { name: string; url: string }[];
  assert.deepEqual(list, [{ name: 'net.pkl', url: 'weights/0/net.pkl' }]);
  const w = await get(`/${list[0].url}`);
  assert.equal(w.status, 200);
  assert.equal(w.body, 'pickle bytes');
  assert.equal((await get('/app.js', 'HEAD')).status, 200);
});

test('refuses paths outside the app and the named files with 404', async () => {
  const refused = [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2fetc%2fpasswd',
    '//etc/passwd',
    '/etc/passwd',
    `/${encodeURIComponent(join(dir, 'secret.txt'))}`,
    '/..\\secret.txt',
    '/%5c..%5csecret.txt',
    '/link-out.txt',
    '/dir-out/secret.txt',
    '/sub',
    '/sub/',
    '/./app.js',
    '/app.js%00.html',
    '/weights/0/other.pkl',
    '/weights/1/net.pkl',
    '/weights/0/../../secret.txt',
    '/weights/0/%2e%2e%2fother.pkl',
    '/missing.js',
  ];
  for (const p of refused) {
    const r = await get(p);
    assert.equal(r.status, 404, `${p} → ${r.status}`);
    assert.ok(!r.body.includes('outside the app') && !r.body.includes('not named'), p);
  }
  assert.equal((await get('/%E0%A4%A')).status, 400);
  assert.equal((await get('/app.js', 'POST')).status, 405);
});

test('safeSegments keeps plain relative paths and refuses the rest', () => {
  assert.deepEqual(safeSegments('/'), []);
  assert.deepEqual(safeSegments('/a/b.js'), ['a', 'b.js']);
  assert.deepEqual(safeSegments('/a%20b.js'), ['a b.js']);
  for (const p of ['/..', '/a/../b', '/%2e%2e', '/a%2fb', '//a', '/a//b', '/.', 'a', '/a\\b', '/a%00'])
    assert.equal(safeSegments(p), null, p);
  assert.throws(() => safeSegments('/%E0%A4%A'), URIError);
});

test('listens on 127.0.0.1 by default: other interfaces of this machine are not served', async () => {
  assert.equal(server.host, '127.0.0.1');
  assert.equal(server.url, `http://127.0.0.1:${server.port}/`);
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  for (const address of external) {
    const refused = await new Promise<boolean>((ok) => {
      const s = createConnection({ host: address, port: server.port });
      s.once('connect', () => {
        s.destroy();
        ok(false);
      });
      s.once('error', () => ok(true));
    });
    assert.ok(refused, `the server answered on ${address}`);
  }
  // --host says otherwise: then it answers there.
  if (external.length) {
    const other = await startStudioServer({ app: join(dir, 'app'), host: external[0] });
    try {
      assert.equal(other.host, external[0]);
      assert.equal((await fetch(other.url)).status, 200);
    } finally {
      await other.close();
    }
  }
});

test('checks its options', async () => {
  await assert.rejects(startStudioServer({ app: dir, port: 70000 }), RangeError);
  await assert.rejects(startStudioServer({ app: join(dir, 'nope') }), /ENOENT/);
  await assert.rejects(
    startStudioServer({ app: join(dir, 'app'), weights: [join(dir, 'app')] }),
    /not a file/,
  );
});

test('aliasfree studio --port 0 --no-open prints its URL once it listens, and serves', async () => {
  const child = spawn(
    process.execPath,
    [
      'bin/aliasfree.mjs',
      'studio',
      '--port',
      '0',
      '--no-open',
      '--app',
      join(dir, 'app'),
      '--weights',
      join(dir, 'net.pkl'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = /^studio: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m.exec(out);
        if (m) ok(m[1]);
      });
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => fail(new Error(`studio exited with ${code}: ${err}`)));
    });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    // The named file, then the trained networks of the package's data/ that are present.
    assert.deepEqual(await (await fetch(`${url}weights.json`)).json(), [
      { name: 'net.pkl', url: 'weights/0/net.pkl' },
      ...trainedNetworks().map((l, i) => ({
        name: trainedDisplayName(l.entry),
        url: `weights/${i + 1}/${l.entry.file}`,
      })),
    ]);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise<number | null>((ok) =>
    child.exitCode !== null ? ok(child.exitCode) : child.on('exit', ok),
  );
  assert.equal(code, 0);
});

test('aliasfree studio rejects a bad port with status 2', async () => {
  const child = spawn(process.execPath, ['bin/aliasfree.mjs', 'studio', '--port', '99999', '--no-open'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const code = await new Promise<number | null>((ok) => child.on('exit', ok));
  assert.equal(code, 2);
  assert.match(err, /--port.*99999/s);
});
