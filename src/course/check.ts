/**
 * Exercise checks for the course notebooks.
 *
 * In a notebook:
 *
 *     import * as check from '../dist/course/check.js';
 *     check.exercise('02-kaiser-1', myAnswer);
 *
 * prints one line: `✔ 02-kaiser-1: correct …`, `✘ 02-kaiser-1: not yet — hint: …` or
 * `○ 02-kaiser-1: not answered yet — …` (when the answer is `undefined`). The expected answers are not
 * stored anywhere: each checker in `./exercises.ts` recomputes them with the library, so a student
 * reading this code learns the method, not a number. The marks (✔ ✘ ○) are what the course test reads.
 */
import { exercises, type Verdict } from './exercises.js';

export { exercises };

/** The outcome of one check. `status` is `'correct'`, `'wrong'` or `'unanswered'`. */
export interface CheckResult {
  id: string;
  status: 'correct' | 'wrong' | 'unanswered';
  /** The one-line message `exercise()` prints (starts with ✔, ✘ or ○ and the id). */
  message: string;
}

/** Marks printed in front of each verdict (the course test parses them). */
export const MARKS = { correct: '✔', wrong: '✘', unanswered: '○' } as const;

/** Check `answer` for exercise `id` without printing. Throws a RangeError for an unknown id. */
export function evaluate(id: string, answer: unknown): CheckResult {
  const ex = exercises[id];
  if (!ex) {
    throw new RangeError(
      `id must name a course exercise (${Object.keys(exercises).join(', ')}), got '${id}'`,
    );
  }
  if (answer === undefined) {
    return { id, status: 'unanswered', message: `${MARKS.unanswered} ${id}: not answered yet — ${ex.task}` };
  }
  let verdict: Verdict;
  try {
    verdict = ex.check(answer);
  } catch (err) {
    // A student's function that throws is a wrong answer, not a crash of the notebook.
    verdict = { ok: false, hint: `your answer threw ${String(err)}` };
  }
  if (verdict.ok) {
    return {
      id,
      status: 'correct',
      message: `${MARKS.correct} ${id}: correct${verdict.note ? ` — ${verdict.note}` : ''}`,
    };
  }
  const hint = [verdict.hint, ex.hint].filter(Boolean).join(' Hint: ');
  return { id, status: 'wrong', message: `${MARKS.wrong} ${id}: not yet — ${hint}` };
}

/**
 * Check a notebook exercise and print the verdict (✔ correct, ✘ not yet with a hint, ○ unanswered).
 * Returns nothing, so the notebook shows only the verdict (use {@link evaluate} to branch on it).
 */
export function exercise(id: string, answer: unknown): void {
  console.log(evaluate(id, answer).message);
}

/** Ids of the exercises of one notebook (prefix `'02'`), or of all notebooks. */
export function listExercises(prefix = ''): string[] {
  return Object.keys(exercises)
    .filter((id) => id.startsWith(prefix))
    .sort();
}
