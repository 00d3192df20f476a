/**
 * The notebook builder and the error scan of scripts/notebook-tools.ts (fast; no Jupyter needed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildNotebook,
  joinText,
  notebookErrors,
  parseSource,
  type Notebook,
} from '../../scripts/notebook-tools.js';

const source = [
  '# Title',
  '',
  'Text with $f_s$.',
  '```bash',
  'npm run build',
  '```',
  '<!-- cell -->',
  'Second markdown cell.',
  '```ts',
  "import { sinc } from '../dist/signal/index.js';",
  '```',
  '```ts exercise 00-setup-1',
  'const a = undefined;',
  '```',
  '```ts solution 00-setup-1',
  'const a = sinc(0.5);',
  '```',
].join('\n');

test('parseSource: markdown, code, exercise and solution blocks; other fences stay in markdown', () => {
  const blocks = parseSource(source);
  assert.deepEqual(
    blocks.map((b) => b.kind),
    ['markdown', 'markdown', 'code', 'exercise', 'solution'],
  );
  assert.match(blocks[0].text, /```bash\nnpm run build\n```/);
  assert.equal(blocks[3].id, '00-setup-1');
  assert.throws(() => parseSource('```ts\nconst x = 1;\n'), /ends inside/);
});

test('buildNotebook: student gets the exercise, solutions get the solution with deeper paths', () => {
  const blocks = parseSource(source);
  const student = buildNotebook(blocks, '00-index', false);
  const solutions = buildNotebook(blocks, '00-index', true);
  const code = (nb: Notebook) =>
    nb.cells.filter((c) => c.cell_type === 'code').map((c) => joinText(c.source));
  assert.deepEqual(code(student), [
    "import { sinc } from '../dist/signal/index.js';",
    'const a = undefined;',
  ]);
  assert.deepEqual(code(solutions), [
    "import { sinc } from '../../dist/signal/index.js';",
    'const a = sinc(0.5);',
  ]);
  assert.equal((student.metadata.kernelspec as { name: string }).name, 'tslab');
  assert.equal(new Set(student.cells.map((c) => c.id)).size, student.cells.length, 'cell ids are unique');
  for (const c of student.cells) if (c.cell_type === 'code') assert.deepEqual(c.outputs, []);
});

test('notebookErrors: diagnostics, exceptions, error outputs and cells that never ran', () => {
  const ran = { execution: { 'iopub.status.busy': 't0', 'iopub.status.idle': 't1' } };
  const cell = (outputs: Notebook['cells'][number]['outputs'], metadata: Record<string, unknown> = ran) => ({
    cell_type: 'code' as const,
    id: 'x',
    metadata,
    source: ['let x = 1;'],
    outputs,
  });
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      cell([{ output_type: 'stream', name: 'stdout', text: ['fine\n'] }]),
      cell([
        {
          output_type: 'stream',
          name: 'stderr',
          text: ["2:7 - Type 'string' is not assignable to type 'number'.\n"],
        },
      ]),
      cell([
        {
          output_type: 'stream',
          name: 'stderr',
          text: ['evalmachine.<anonymous>:3\n', 'RangeError: boom\n'],
        },
      ]),
      cell([{ output_type: 'error', ename: 'TypeError', evalue: 'bad', traceback: [] }]),
      cell([], {}),
      cell([{ output_type: 'stream', name: 'stderr', text: ['a harmless warning\n'] }]),
    ],
  };
  const errors = notebookErrors(nb);
  assert.equal(errors.length, 4, errors.join('\n'));
  assert.match(errors[0], /^cell 1 .*not assignable/);
  assert.match(errors[1], /^cell 2 [^]*RangeError: boom/);
  assert.match(errors[2], /^cell 3 .*TypeError: bad/);
  assert.match(errors[3], /^cell 4 .*not executed/);
});
