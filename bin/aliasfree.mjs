#!/usr/bin/env node
// Command-line entry: runs the compiled CLI from dist/ in an installed package, or the TypeScript
// sources through tsx in a checkout (so `npx aliasfree …` works without a build step).
import { existsSync } from 'node:fs';

const src = new URL('../src/cli/main.ts', import.meta.url);
const dist = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(src)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(src.href);
} else {
  await import(dist.href);
}
