/**
 * `aliasfree studio [--port N] [--host 127.0.0.1] [--no-open] [--weights a.pkl …] [--app DIR]`:
 * build the studio bundle when it is missing or older than its sources (esbuild, ~1 s), serve it
 * with the named network files on localhost, print `studio: http://127.0.0.1:PORT/` once the server
 * listens, open the browser unless `--no-open`, and run until interrupted (Ctrl-C).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudioServer } from '../studio/server.js';

/** A TCP port: an integer in [0, 65535] (0 = any free port). */
function port(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n > 65535)
    throw new InvalidArgumentError(`expected a port in [0, 65535], got ${JSON.stringify(value)}`);
  return n;
}

/** Options of `runStudio` (the command's options). */
export interface StudioCommandOptions {
  port: number;
  host: string;
  open: boolean;
  weights?: string[];
  app?: string;
  /** Resolve once listening instead of waiting for SIGINT/SIGTERM (tests). */
  detach?: boolean;
}

/**
 * The app folder to serve: `--app`; else, in a checkout, out/studio (built or rebuilt when older
 * than its sources); else (an installed package without the sources) the prebuilt dist/studio-app (tsc's dist/studio holds the modules).
 */
async function appFolder(app: string | undefined): Promise<string> {
  if (app) {
    if (!existsSync(join(app, 'index.html')))
      throw new RangeError(`--app ${app} has no index.html (run npm run studio:build)`);
    return app;
  }
  if (!existsSync(fileURLToPath(new URL('../studio/build.ts', import.meta.url)))) {
    const prebuilt = fileURLToPath(new URL('../../dist/studio-app/', import.meta.url));
    if (existsSync(join(prebuilt, 'index.html'))) return prebuilt;
    throw new RangeError(
      'this install has no studio bundle (dist/studio-app); run npm run studio:build -- --out dist/studio-app',
    );
  }
  const { buildStudio, sourcesMtime, ROOT } = await import('../studio/build.js');
  const out = join(ROOT, 'out', 'studio');
  const stamp = join(out, 'BUILD.json');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < sourcesMtime()) {
    process.stderr.write('studio: bundling the app…\n');
    await buildStudio({ out });
  }
  return out;
}

/** Open `url` in the desktop's browser (xdg-open / open / start); failures are only reported. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`studio: could not start ${cmd}; open ${url} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`studio: open ${url} in a browser\n`);
  }
}

/** Run the studio server (see the module comment). Resolves when it stops (or at once with detach). */
export async function runStudio(opts: StudioCommandOptions): Promise<StudioServer> {
  for (const w of opts.weights ?? []) {
    if (!existsSync(w) || !statSync(w).isFile())
      throw new RangeError(`--weights ${JSON.stringify(w)} is not a file`);
  }
  const app = await appFolder(opts.app);
  const { startStudioServer } = await import('../studio/server.js');
  const server = await startStudioServer({ app, host: opts.host, port: opts.port, weights: opts.weights });
  process.stdout.write(`studio: ${server.url}\n`);
  if (opts.open) openBrowser(server.url);
  if (opts.detach) return server;
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return server;
}

/** Register `studio` on the CLI program. */
export function addStudioCommand(program: Command): void {
  program
    .command('studio')
    .description(
      'the interactive visualiser in the browser: layers, FFT, equivariance, two networks side by side',
    )
    .addOption(new Option('--port <n>', 'port (0 = any free port)').argParser(port).default(0))
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--no-open', 'do not open a browser')
    .option('--weights <files...>', 'network pickles the page may load')
    .option('--app <dir>', 'serve this prebuilt folder (npm run studio:build) instead of building')
    .action(async (opts: StudioCommandOptions) => {
      await runStudio(opts);
    });
}
