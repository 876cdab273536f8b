import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../core/clock';
import { createReadCache, customerKey } from './read-cache';

const ALICE = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';

function setup(options: { ttlMs?: number; maxBytes?: number } = {}) {
  const clock = createFakeClock();
  const counts = { hit: 0, miss: 0, bypass: 0 };
  const cache = createReadCache({
    clock,
    ttlMs: options.ttlMs ?? 60_000,
    maxBytes: options.maxBytes ?? 1_000_000,
    counters: { hit: () => (counts.hit += 1), miss: () => (counts.miss += 1), bypass: () => (counts.bypass += 1) },
  });
  cache.setLive(true);
  let loads = 0;
  /** Loads `value` (counting loads) for the customer's key. */
  const read = (customerId: string, value: string, what = 'loans') =>
    cache.read(customerKey(customerId, what), async () => ((loads += 1), value), () => customerId);
  return { clock, cache, counts, read, loads: () => loads };
}

/** A load that finishes when told to: what a slow database read is. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the read cache', () => {
  it('holds a loaded value and serves it until its customer is notified', async () => {
    const { cache, read, loads, counts } = setup();
    expect(await read(ALICE, 'v1')).toBe('v1');
    expect(await read(ALICE, 'v2')).toBe('v1');
    expect(await read(BOB, 'b1')).toBe('b1');
    expect(loads()).toBe(2);
    cache.onNotification(BOB);
    expect(await read(ALICE, 'v3')).toBe('v1');
    expect(await read(BOB, 'b2')).toBe('b2');
    cache.forgetCustomer(ALICE);
    expect(await read(ALICE, 'v4')).toBe('v4');
    expect(counts).toEqual({ hit: 2, miss: 4, bypass: 0 });
  });

  it('does not keep a load that a notification for its customer overtook', async () => {
    const { cache, read } = setup();
    const slow = deferred<string>();
    const pending = cache.read(customerKey(ALICE, 'loans'), () => slow.promise, () => ALICE);
    cache.onNotification(ALICE); // a change committed while the load was reading
    slow.resolve('before the change');
    expect(await pending).toBe('before the change'); // returned: it was true when read
    expect(await read(ALICE, 'after the change')).toBe('after the change'); // but not kept
  });

  it('keeps a load that only another customer’s notification crossed', async () => {
    const { cache, read } = setup();
    const slow = deferred<string>();
    const pending = cache.read(customerKey(ALICE, 'loans'), () => slow.promise, () => ALICE);
    cache.onNotification(BOB);
    slow.resolve('v1');
    await pending;
    expect(await read(ALICE, 'v2')).toBe('v1');
  });

  it('a session (owner known only once loaded) is not kept if any notification crossed its load', async () => {
    const { cache } = setup();
    const slow = deferred<{ customerId: string }>();
    const pending = cache.read('session:abc', () => slow.promise, (s) => s.customerId);
    cache.onNotification(BOB);
    slow.resolve({ customerId: ALICE });
    await pending;
    const again = await cache.read('session:abc', async () => ({ customerId: ALICE, fresh: true }), (s) => s.customerId);
    expect(again).toEqual({ customerId: ALICE, fresh: true });
    // Kept now, and forgotten with its customer.
    expect(await cache.read('session:abc', async () => ({ customerId: ALICE, third: true }), (s) => s.customerId)).toEqual({ customerId: ALICE, fresh: true });
    cache.onNotification(ALICE);
    expect(cache.size).toBe(0);
  });

  it('a load with no owner (no session found) is not kept', async () => {
    const { cache } = setup();
    let loads = 0;
    const find = async () => ((loads += 1), null);
    await cache.read('session:none', find, () => null);
    await cache.read('session:none', find, () => null);
    expect(loads).toBe(2);
  });

  it('serves nothing from memory while the listener is down, and starts empty when it is back', async () => {
    const { cache, read, counts } = setup();
    await read(ALICE, 'v1');
    cache.setLive(false);
    expect(await read(ALICE, 'v2')).toBe('v2');
    expect(await read(ALICE, 'v3')).toBe('v3');
    expect(cache.size).toBe(0);
    cache.setLive(true);
    expect(await read(ALICE, 'v4')).toBe('v4');
    expect(await read(ALICE, 'v5')).toBe('v4');
    expect(counts.bypass).toBe(2);
  });

  it('a load that the listener’s loss overtook is not kept', async () => {
    const { cache, read } = setup();
    const slow = deferred<string>();
    const pending = cache.read(customerKey(ALICE, 'loans'), () => slow.promise, () => ALICE);
    cache.setLive(false);
    cache.setLive(true);
    slow.resolve('v1');
    await pending;
    expect(await read(ALICE, 'v2')).toBe('v2');
  });

  it('expires entries after the TTL whatever the notifications say', async () => {
    const { clock, read } = setup({ ttlMs: 1_000 });
    await read(ALICE, 'v1');
    clock.advance(999);
    expect(await read(ALICE, 'v2')).toBe('v1');
    clock.advance(1);
    expect(await read(ALICE, 'v3')).toBe('v3');
  });

  it('holds at most maxBytes, dropping the oldest; a value larger than all of it is not held', async () => {
    const { cache, read } = setup({ maxBytes: 60 }); // a 10-character string counts 20 bytes
    for (const what of ['a', 'b', 'c', 'd']) await read(ALICE, what.repeat(10), what);
    expect(cache.size).toBe(3);
    expect(await read(ALICE, 'new', 'a')).toBe('new');
    expect(await read(ALICE, 'new', 'd')).toBe('d'.repeat(10));
    await read(BOB, 'x'.repeat(31), 'big');
    expect(await read(BOB, 'again', 'big')).toBe('again');
    cache.forgetCustomer(ALICE);
    cache.forgetCustomer(BOB);
    expect(cache.size).toBe(0);
  });

  it('forgets one entry', async () => {
    const { cache, read } = setup();
    await read(ALICE, 'v1', 'x');
    await read(ALICE, 'w1', 'y');
    cache.forget(customerKey(ALICE, 'x'));
    expect(await read(ALICE, 'v2', 'x')).toBe('v2');
    expect(await read(ALICE, 'w2', 'y')).toBe('w1');
  });
});
