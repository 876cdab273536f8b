import { describe, expect, it } from 'vitest';
import { cachedCollector, Registry, type Collector } from './metrics.registry';

describe('the Prometheus registry (text format 0.0.4)', () => {
  it('renders counters with sorted-independent label sets, HELP and TYPE lines', async () => {
    const registry = new Registry();
    const counter = registry.counter('demo_requests_total', 'Requests.\nSecond line with a \\ backslash.');
    counter.inc({ route: '/a', status: '200' });
    counter.inc({ status: '200', route: '/a' });
    counter.inc({ route: '/b', status: '500' }, 3);
    expect(await registry.render()).toBe(
      [
        '# HELP demo_requests_total Requests.\\nSecond line with a \\\\ backslash.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total{route="/a",status="200"} 2',
        'demo_requests_total{route="/b",status="500"} 3',
        '',
      ].join('\n'),
    );
  });

  it('renders cumulative histogram buckets, +Inf, _sum and _count', async () => {
    const registry = new Registry();
    const histogram = registry.histogram('demo_seconds', 'Durations.', [0.1, 1]);
    histogram.observe({ q: 'x' }, 0.05);
    histogram.observe({ q: 'x' }, 0.5);
    histogram.observe({ q: 'x' }, 7);
    const lines = (await registry.render()).trim().split('\n');
    expect(lines).toEqual([
      '# HELP demo_seconds Durations.',
      '# TYPE demo_seconds histogram',
      'demo_seconds_bucket{q="x",le="0.1"} 1',
      'demo_seconds_bucket{q="x",le="1"} 2',
      'demo_seconds_bucket{q="x",le="+Inf"} 3',
      'demo_seconds_sum{q="x"} 7.55',
      'demo_seconds_count{q="x"} 3',
    ]);
  });

  it('escapes label values and reports a failing collector as down instead of failing the scrape', async () => {
    const registry = new Registry();
    registry.collector({ name: 'good', collect: async () => [{ name: 'demo_rows', help: 'Rows.', samples: [{ labels: { status: 'a"b\\c\nd' }, value: 4 }] }] });
    registry.collector({
      name: 'broken',
      collect: async () => {
        throw new Error('database down');
      },
    });
    const text = await registry.render();
    expect(text).toContain('demo_rows{status="a\\"b\\\\c\\nd"} 4');
    expect(text).toContain('carcapital_collector_up{collector="good"} 1');
    expect(text).toContain('carcapital_collector_up{collector="broken"} 0');
    expect(text).not.toContain('database down');
  });

  it('refuses invalid and duplicate metric names', () => {
    const registry = new Registry();
    registry.counter('ok_total', 'x');
    expect(() => registry.counter('ok_total', 'x')).toThrow(/twice/);
    expect(() => registry.counter('bad-name', 'x')).toThrow(/invalid/);
  });

  it('a cached collector reads again only after its time to live, shares a reading in flight and keeps no failure', async () => {
    let reads = 0;
    let fail = false;
    const counting: Collector = {
      name: 'counting',
      collect: async () => {
        reads += 1;
        if (fail) throw new Error('database down');
        return [{ name: 'demo_rows', help: 'Rows.', samples: [{ labels: {}, value: reads }] }];
      },
    };
    let now = 0;
    const cached = cachedCollector(counting, 30_000, () => now);
    const value = async () => (await cached.collect())[0]!.samples[0]!.value;
    expect(await Promise.all([value(), value()])).toEqual([1, 1]);
    now = 29_999;
    expect(await value()).toBe(1);
    now = 30_000;
    expect(await value()).toBe(2);
    fail = true;
    now = 60_000;
    await expect(cached.collect()).rejects.toThrow('database down');
    fail = false;
    expect(await value()).toBe(4); // the failure was not kept: read again at once
    expect(reads).toBe(4);
  });
});
