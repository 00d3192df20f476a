/**
 * `npm run studio:build [-- --out DIR]`: write aliasfree studio as static files (default
 * `out/studio/`). Serve the folder with `npx aliasfree studio --app out/studio` (or any static server
 * that sends the cross-origin isolation headers; without them wasm runs single-threaded anyway).
 */
import { resolve } from 'node:path';
import { buildStudio } from '../src/studio/build.js';

const args = process.argv.slice(2);
const i = args.indexOf('--out');
const { out, bytes } = await buildStudio({ out: i >= 0 ? resolve(args[i + 1]) : undefined });
console.log(`studio: ${out} (${(bytes / 2 ** 20).toFixed(1)} MiB)`);
