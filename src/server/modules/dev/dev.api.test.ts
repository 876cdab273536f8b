import { describe, expect, it } from 'vitest';
import { createOffsetClock } from '../../../core/clock';
import { startSystem } from '../../system';
import { createLogger } from '../../logging';
import { sharedTestDatabase } from '../../testing/test-database';
import { TEST_ORIGIN, testConfig } from '../../testing/test-system';

/** The development time machine: only outside production with the dev tools, only forward. */

async function system(env: Record<string, string> = {}) {
  return startSystem(testConfig(env), { database: await sharedTestDatabase(), ownsDatabase: false, logger: createLogger({ level: 'silent' }) });
}

const move = (app: Awaited<ReturnType<typeof system>>['app'], body: unknown) =>
  app.inject({ method: 'POST', url: '/api/dev/clock', headers: { origin: TEST_ORIGIN, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('dev clock', () => {
  it('moves this process’s time forward by days and hours, never back', async () => {
    const dev = await system();
    try {
      const before = Date.now();
      const moved = await move(dev.app, { days: 2, hours: 3 });
      expect(moved.statusCode).toBe(200);
      expect(moved.json().offsetHours).toBe(51);
      expect(new Date(moved.json().now).getTime()).toBeGreaterThanOrEqual(before + 51 * 3_600_000);
      expect(dev.clock.now().getTime()).toBeGreaterThanOrEqual(before + 51 * 3_600_000);
      expect((await move(dev.app, { days: -1 })).statusCode).toBe(400);
      expect((await dev.app.inject({ method: 'GET', url: '/api/dev/clock' })).json().offsetHours).toBe(51);
    } finally {
      await dev.close();
    }
  });

  it('does not exist without the dev tools (a real SMS gateway, or production)', async () => {
    const real = await system({ SMS_PROVIDER: 'smsru', SMSRU_API_ID: 'key' });
    try {
      expect((await move(real.app, { days: 1 })).statusCode).toBe(404);
      expect(Math.abs(real.clock.now().getTime() - Date.now())).toBeLessThan(5_000);
    } finally {
      await real.close();
    }
  });

  it('an offset clock only goes forward', () => {
    const clock = createOffsetClock({ now: () => new Date('2026-11-26T00:00:00Z') });
    clock.advance(-5);
    clock.advance(3_600_000);
    expect(clock.now().toISOString()).toBe('2026-11-26T01:00:00.000Z');
  });
});
