import { describe, expect, it } from 'vitest';
import { lastCodeFor, nextPhone, useTwoSystems } from '../../testing/test-system';

/**
 * Two app instances, each with its own connection pool, on one PostgreSQL database: what two server
 * processes behind a load balancer are. PostgreSQL only: PGlite has one connection and would
 * serialise the races away.
 */

const { a, b } = useTwoSystems();

const instances = () => [a, b];

describe('limits hold across two instances on one PostgreSQL', () => {
  it('20 parallel sends to one phone through both instances: exactly one SMS', async () => {
    const phone = nextPhone();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => instances()[i % 2]!.post('/api/auth/otp', { phone })),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(19);
    await a.jobs.drain();
    expect(await a.sandboxSms!.list({ phone })).toHaveLength(1);
  });

  it('40 parallel sends from one IP to different phones through both instances: exactly 20 accepted', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => instances()[i % 2]!.post('/api/auth/otp', { phone: nextPhone() })),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(20);
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(20);
  });

  it('20 parallel wrong guesses through both instances: at most 5 evaluated, then the code is dead', async () => {
    const phone = nextPhone();
    await a.post('/api/auth/otp', { phone });
    const code = await lastCodeFor(a, phone);
    const guesses = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const responses = await Promise.all(guesses.map((guess, i) => instances()[i % 2]!.post('/api/auth/verify', { phone, code: guess })));
    expect(responses.every((r) => r.statusCode === 401)).toBe(true);
    const row = await a.database.db.selectFrom('otp_challenges').select(['attempts', 'status']).where('phone', '=', phone).executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 5, status: 'dead' });
    expect((await b.post('/api/auth/verify', { phone, code })).statusCode).toBe(401);
  });

  it('the right code submitted 10 times at once through both instances opens exactly one session', async () => {
    const phone = nextPhone();
    await a.post('/api/auth/otp', { phone });
    const code = await lastCodeFor(a, phone);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => instances()[i % 2]!.post('/api/auth/verify', { phone, code })),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 401)).toHaveLength(9);
    const sessions = await a.database.db.selectFrom('sessions').select('id').execute();
    expect(sessions).toHaveLength(1);
    const customers = await a.database.db.selectFrom('customers').select('id').where('phone', '=', phone).execute();
    expect(customers).toHaveLength(1);
  });

  it('a session opened on one instance works on the other, and logout on one ends it on both', async () => {
    const phone = nextPhone();
    await a.post('/api/auth/otp', { phone });
    const verified = await a.post('/api/auth/verify', { phone, code: await lastCodeFor(a, phone) });
    const cookie = `sid=${verified.cookies[0]!.value}`;
    expect((await b.get('/api/me', { cookie })).statusCode).toBe(200);
    await b.post('/api/auth/logout', {}, { cookie });
    expect((await a.get('/api/me', { cookie })).statusCode).toBe(401);
  });
});
