/** A provider did not give a usable answer (timeout, 5xx, malformed). Never means "yes". */
export class ProviderError extends Error {
  /** false: a definitive refusal (asking again with the same data gets the same answer). */
  readonly retryable: boolean;

  constructor(
    readonly provider: string,
    message: string,
    options: { retryable?: boolean } = {},
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
    this.retryable = options.retryable ?? true;
  }
}

/** Rejects after `ms` with a ProviderError, whatever the call is doing. */
export async function withTimeout<T>(provider: string, ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProviderError(provider, `no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
