/**
 * Switches shared by the sandbox providers: answer latency, and failures on demand (tests, demos).
 */
export type SandboxFailure = 'none' | 'timeout' | 'error' | 'malformed';

export type SandboxControl = {
  latencyMs: number;
  /** Failure for every call until changed. */
  failure: SandboxFailure;
  /** Requests made to the sandbox bureaus so far (tests check that none was made without consent). */
  bureauCalls: number;
};

export function createSandboxControl(latencyMs: number): SandboxControl {
  return { latencyMs, failure: 'none', bureauCalls: 0 };
}

export async function sandboxDelay(control: SandboxControl, signal?: AbortSignal): Promise<void> {
  const ms = control.failure === 'timeout' ? 60_000 : control.latencyMs;
  if (ms <= 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
