import type { System } from '../system';

/** One sample's value from the Prometheus exposition text, or undefined when the series is absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** How many customer reads the system's read cache served from memory (hit), loaded (miss) or passed through (bypass). */
export async function readCacheReads(system: Pick<System, 'metrics'>, result: 'hit' | 'miss' | 'bypass'): Promise<number> {
  return sample(await system.metrics.render(), `carcapital_read_cache_reads_total{result="${result}"}`) ?? 0;
}
