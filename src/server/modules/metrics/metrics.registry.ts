/**
 * A small Prometheus registry, hand-written (text exposition format 0.0.4): counters and histograms
 * updated as things happen, gauges filled at scrape time by collectors. No dependency: the format
 * is a few lines of text, and a client library would bring its own global default registry.
 *
 * Label values must come from small fixed sets (route patterns, queue names, statuses): never a
 * raw URL, an id or a phone, which would both leak personal data and explode the series count.
 */

export type Labels = Record<string, string>;

type Sample = { labels: Labels; value: number };

type Family = {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: () => Sample[];
};

/** One scrape's worth of values from a collector (e.g. a GROUP BY over a table); gauges by default. */
export type GaugeReading = { name: string; help: string; type?: 'gauge' | 'counter'; samples: Sample[] };

/** Runs at scrape time; a failure is reported as `carcapital_collector_up{collector} 0`. */
export type Collector = { name: string; collect: () => Promise<GaugeReading[]> };

/**
 * A collector whose reading is reused for `ttlMs`: a count over a whole table is not redone on every
 * scrape of every process. Scrapes meanwhile share the one in flight; a failed reading is not kept.
 */
export function cachedCollector(collector: Collector, ttlMs: number, now: () => number = () => performance.now()): Collector {
  let last: { at: number; reading: Promise<GaugeReading[]> } | null = null;
  return {
    name: collector.name,
    collect: () => {
      const at = now();
      if (!last || at - last.at >= ttlMs) {
        const reading = collector.collect();
        const entry = { at, reading };
        last = entry;
        reading.catch(() => {
          if (last === entry) last = null;
        });
      }
      return last.reading;
    },
  };
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const keyOf = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');

export class Counter {
  readonly #values = new Map<string, Sample>();

  constructor(readonly name: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const sample = this.#values.get(key);
    if (sample) sample.value += by;
    else this.#values.set(key, { labels: { ...labels }, value: by });
  }

  get(labels: Labels = {}): number {
    return this.#values.get(keyOf(labels))?.value ?? 0;
  }

  samples(): Sample[] {
    return [...this.#values.values()];
  }
}

type HistogramSeries = { labels: Labels; buckets: number[]; sum: number; count: number };

export class Histogram {
  readonly #series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly bounds: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: { ...labels }, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    // Cumulative buckets, as the format wants: a value counts in every bucket at or above it.
    this.bounds.forEach((bound, i) => {
      if (value <= bound) series.buckets[i]! += 1;
    });
    series.sum += value;
    series.count += 1;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const series of this.#series.values()) {
      this.bounds.forEach((bound, i) => out.push({ labels: { ...series.labels, le: formatNumber(bound) }, value: series.buckets[i]! }));
      out.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count });
    }
    return out;
  }

  /** `_sum` and `_count` series, rendered after the buckets. */
  totals(): { sum: Sample[]; count: Sample[] } {
    const series = [...this.#series.values()];
    return {
      sum: series.map((s) => ({ labels: s.labels, value: s.sum })),
      count: series.map((s) => ({ labels: s.labels, value: s.count })),
    };
  }
}

export class Registry {
  readonly #families: Family[] = [];
  readonly #histograms = new Map<string, Histogram>();
  readonly #collectors: Collector[] = [];

  counter(name: string, help: string): Counter {
    this.#check(name);
    const counter = new Counter(name);
    this.#families.push({ name, help, type: 'counter', samples: () => counter.samples() });
    return counter;
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    this.#check(name);
    const histogram = new Histogram(name, bounds);
    this.#histograms.set(name, histogram);
    this.#families.push({ name, help, type: 'histogram', samples: () => histogram.samples() });
    return histogram;
  }

  collector(collector: Collector): void {
    this.#collectors.push(collector);
  }

  /** The whole exposition: live counters and histograms, then every collector's gauges. */
  async render(): Promise<string> {
    const lines: string[] = [];
    for (const family of this.#families) {
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
      if (family.type === 'histogram') {
        const histogram = this.#histograms.get(family.name)!;
        for (const s of family.samples()) lines.push(sampleLine(`${family.name}_bucket`, s));
        const totals = histogram.totals();
        for (const s of totals.sum) lines.push(sampleLine(`${family.name}_sum`, s));
        for (const s of totals.count) lines.push(sampleLine(`${family.name}_count`, s));
      } else {
        for (const s of family.samples()) lines.push(sampleLine(family.name, s));
      }
    }
    const up: Sample[] = [];
    // Collectors run one after another: each is a cheap query, and this keeps one scrape from
    // holding several pool connections at once.
    for (const collector of this.#collectors) {
      try {
        const readings = await collector.collect();
        for (const reading of readings) {
          lines.push(`# HELP ${reading.name} ${escapeHelp(reading.help)}`, `# TYPE ${reading.name} ${reading.type ?? 'gauge'}`);
          for (const s of reading.samples) lines.push(sampleLine(reading.name, s));
        }
        up.push({ labels: { collector: collector.name }, value: 1 });
      } catch {
        up.push({ labels: { collector: collector.name }, value: 0 });
      }
    }
    if (up.length) {
      lines.push('# HELP carcapital_collector_up Whether the collector answered at this scrape (0: its query failed).', '# TYPE carcapital_collector_up gauge');
      for (const s of up) lines.push(sampleLine('carcapital_collector_up', s));
    }
    return `${lines.join('\n')}\n`;
  }

  #check(name: string) {
    if (!NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
    if (this.#families.some((f) => f.name === name)) throw new Error(`metric defined twice: ${name}`);
  }
}

function sampleLine(name: string, sample: Sample): string {
  const entries = Object.entries(sample.labels);
  const labels = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
  return `${name}${labels} ${formatNumber(sample.value)}`;
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
