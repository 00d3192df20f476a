/**
 * The studio's local HTTP server (Node's `http`): serves the bundled app folder and the network
 * files the user names, nothing else.
 *
 * - Binds 127.0.0.1 unless told otherwise; port 0 picks a free port.
 * - Lists the named files and the trained networks of `data/` that are present (`weights.json`).
 * - GET and HEAD only. `/` is `index.html`; `/weights.json` lists the named files; a named file is
 *   `/weights/<i>/<its base name>`.
 * - Refused with 404: any path whose decoded segments contain `..`, `.`, an empty segment (`//`),
 *   a backslash or a NUL (this covers `%2e%2e`, `%2f`, absolute paths); anything whose real path
 *   (symlinks resolved) leaves the app folder; anything that is not a regular file. Malformed
 *   percent-encoding → 400.
 * - Every answer carries the cross-origin isolation headers (COOP same-origin, COEP require-corp,
 *   CORP same-origin), so the page may use SharedArrayBuffer and threaded wasm, plus a Content
 *   Security Policy that allows requests to this origin only, and `Cache-Control: no-store`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { trainedDisplayName, trainedNetworks } from '../data/listing.js';

/** Options of `startStudioServer`. */
export interface StudioServerOptions {
  /** The built app folder (`buildStudio`'s output). */
  app: string;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Network files (`.pkl`) the page may load. */
  weights?: string[];
  /**
   * The data folder whose trained networks (those present, see `trainedNetworks`) the page lists
   * after `weights`, named by id and kimg; default the package's `data/`, `false` for none.
   */
  trained?: string | false;
}

/** A running server. */
export interface StudioServer {
  server: Server;
  host: string;
  port: number;
  /** `http://HOST:PORT/`. */
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.pkl': 'application/octet-stream',
};

/** Headers on every answer (see the module comment). */
export const STUDIO_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self' blob: data:; script-src 'self' blob: 'wasm-unsafe-eval' 'unsafe-eval'; " +
    "style-src 'self' 'unsafe-inline'; connect-src 'self' blob: data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
});

/**
 * The safe relative segments of a request path, or null when the path must be refused
 * (`..`/`.`/empty segments, backslashes, NUL, after percent-decoding). Throws URIError on
 * malformed percent-encoding.
 */
export function safeSegments(pathname: string): string[] | null {
  if (!pathname.startsWith('/')) return null;
  const raw = pathname.slice(1);
  if (raw === '') return [];
  const segments = raw.split('/').map((s) => decodeURIComponent(s));
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0'))
      return null;
  }
  return segments;
}

/**
 * The trained networks to offer, as (path, label). A broken manifest must not keep the studio from
 * starting: it is reported on stderr and nothing is listed (`npm run data:check` says more).
 */
function listTrained(dir: string | undefined): { path: string; label: string }[] {
  try {
    return trainedNetworks({ dir }).map((l) => ({ path: l.path, label: trainedDisplayName(l.entry) }));
  } catch (e) {
    process.stderr.write(`studio: trained networks not listed: ${(e as Error).message}\n`);
    return [];
  }
}

/** Start the server; resolves once it listens. */
export async function startStudioServer(opts: StudioServerOptions): Promise<StudioServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
  if (typeof opts.app !== 'string' || !opts.app)
    throw new TypeError(`app must be a folder path, got ${opts.app}`);
  const appRoot = realpathSync(resolve(opts.app));
  if (!statSync(appRoot).isDirectory()) throw new RangeError(`app ${opts.app} is not a folder`);
  const named = (opts.weights ?? []).map((w) => {
    const path = realpathSync(resolve(w));
    if (!statSync(path).isFile()) throw new RangeError(`weights ${JSON.stringify(w)} is not a file`);
    return { path, label: basename(path) };
  });
  const trained = opts.trained === false ? [] : listTrained(opts.trained);
  const weights = [...named, ...trained].map(({ path, label }, i) => ({
    path,
    label,
    name: basename(path),
    url: `weights/${i}/${encodeURIComponent(basename(path))}`,
  }));
  const listing = JSON.stringify(weights.map(({ label, url }) => ({ name: label, url })));

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const fail = (code: number, text: string) => {
      res.writeHead(code, { ...STUDIO_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${code} ${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
    let segments: string[] | null;
    try {
      const pathname = (req.url ?? '/').split('?')[0].split('#')[0];
      segments = safeSegments(pathname);
    } catch {
      return fail(400, 'bad request');
    }
    if (segments === null) return fail(404, 'not found');
    let file: string | null = null;
    if (segments.length === 0) file = join(appRoot, 'index.html');
    else if (segments.length === 1 && segments[0] === 'weights.json') {
      res.writeHead(200, { ...STUDIO_HEADERS, 'Content-Type': TYPES['.json'] });
      return res.end(req.method === 'HEAD' ? undefined : listing);
    } else if (segments[0] === 'weights') {
      const w = segments.length === 3 && /^\d+$/.test(segments[1]) ? weights[Number(segments[1])] : undefined;
      if (!w || w.name !== segments[2]) return fail(404, 'not found');
      file = w.path;
    } else {
      // Inside the app folder after resolving symlinks, or nothing.
      try {
        const real = realpathSync(join(appRoot, ...segments));
        if (real.startsWith(appRoot + sep)) file = real;
      } catch {
        file = null;
      }
    }
    if (!file) return fail(404, 'not found');
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return fail(404, 'not found');
      size = st.size;
    } catch {
      return fail(404, 'not found');
    }
    res.writeHead(200, {
      ...STUDIO_HEADERS,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(size),
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const server = createServer(handler);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    host: addr.address,
    port: addr.port,
    url: `http://${shown}:${addr.port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
