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

/**
 * The test switches of the message sandboxes (SMS, email): the next `count` sends fail, retryable or
 * not, and every send waits `latencyMs` first. `beforeSend` applies them; `fail` makes the error.
 */
export function createSendFaults(fail: (retryable: boolean) => Error) {
  let failures = 0;
  let failuresRetryable = true;
  let latencyMs = 0;
  return {
    failNext(count: number, retryable = true) {
      failures = count;
      failuresRetryable = retryable;
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    async beforeSend() {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      if (failures > 0) {
        failures -= 1;
        throw fail(failuresRetryable);
      }
    },
  };
}
