/** The only source of "now" for domain code: injected, so tests can move time. */
export type Clock = {
  now: () => Date;
};

export const systemClock: Clock = {
  now: () => new Date(),
};

export type FakeClock = Clock & {
  set: (at: Date | string) => void;
  advance: (ms: number) => void;
};

export function createFakeClock(start: Date | string = '2026-11-25T09:00:00Z'): FakeClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/**
 * Real time plus an offset that only moves forward: the development "time machine" that lets a
 * demo or a browser journey see tomorrow's interest, a due date, an overdue loan. Never in production.
 */
export type OffsetClock = Clock & { advance: (ms: number) => void; offsetMs: () => number };

export function createOffsetClock(base: Clock = systemClock): OffsetClock {
  let offset = 0;
  return {
    now: () => new Date(base.now().getTime() + offset),
    advance: (ms) => {
      if (ms > 0) offset += ms;
    },
    offsetMs: () => offset,
  };
}

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
