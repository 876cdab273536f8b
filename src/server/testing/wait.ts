/** Bounded waiting for tests that watch real processes: every wait names what it waits for. */

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls a synchronous condition (every 20 ms) until it holds; `aborted` ends the wait early. */
export async function until(what: string, condition: () => boolean, timeoutMs: number, aborted: () => boolean = () => false): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (aborted()) throw new Error(`aborted while waiting for ${what}`);
    if (performance.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await pause(20);
  }
}

/** Polls an asynchronous probe until it gives a value (anything truthy), and returns that value. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 45_000, intervalMs = 250): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await pause(intervalMs);
  }
}
