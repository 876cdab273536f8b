/**
 * The two servers the journeys run against (playwright.config.ts starts both):
 * - the main one, on the real clock, for every journey;
 * - the "time machine", a second process with its own database whose clock the servicing journey
 *   moves forward (`POST /api/dev/clock`) to see tomorrow's interest and a prolongation. The clock
 *   only goes forward and belongs to its process, so moving it on the main server would shift the
 *   time every later journey sees (countdowns, business dates); here it shifts only its own.
 */
export const E2E_PORT = 4310;
export const TIME_MACHINE_PORT = 4311;
export const E2E_URL = `http://127.0.0.1:${E2E_PORT}`;
export const TIME_MACHINE_URL = `http://127.0.0.1:${TIME_MACHINE_PORT}`;
