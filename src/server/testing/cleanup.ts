import { onTestFinished } from 'vitest';

/**
 * Undo steps of one test (processes, clusters, databases, directories), run in reverse order once:
 * when `run()` is called at the end of the body, or when the test ends otherwise (a timeout). A
 * failing step does not stop the others.
 */
export function useCleanup() {
  const steps: (() => Promise<unknown> | unknown)[] = [];
  const run = async () => {
    const problems: unknown[] = [];
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        problems.push(error);
      }
    }
    // Seen, but not a second failure of the test.
    if (problems.length) process.stderr.write(`cleanup problems:\n${problems.map((p) => (p instanceof Error ? p.stack : String(p))).join('\n')}\n`);
  };
  onTestFinished(run);
  return {
    /** Registers an undo step. */
    add: (undo: () => Promise<unknown> | unknown) => void steps.push(undo),
    /** Registers an undo step for a value; returns the value, for one-line use. */
    defer: <T>(value: T, undo: (value: T) => Promise<unknown> | unknown): T => {
      steps.push(() => undo(value));
      return value;
    },
    run,
  };
}
