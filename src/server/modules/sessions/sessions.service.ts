import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { Config } from '../../config';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { Random } from '../../random';
import { recordAudit } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import * as repo from './sessions.repo';
import { describeDevice, maskIp } from './user-agent';

/**
 * The customer's own sessions (SECURITY.md SES-6, SES-7): the live ones with when, where from and
 * which browser, and ending any of them at once — the next request with its cookie gets 401, on
 * every instance, since each request looks the session up. Ending one is audited as the customer's
 * own action. Tokens never leave the server: a session is named by its id.
 */

export type SessionsDeps = { db: Kysely<DB>; clock: Clock; random: Random; config: Pick<Config, 'session'> };
export type RequestMeta = { ip: string; userAgent: string };

function liveBounds(deps: SessionsDeps): repo.LiveBounds {
  const now = deps.clock.now().getTime();
  return { idleSince: new Date(now - deps.config.session.idleMs), createdSince: new Date(now - deps.config.session.absoluteMs) };
}

export async function listSessions(deps: SessionsDeps, actor: Actor) {
  const rows = await repo.liveSessionsOf(deps.db, actor.customerId, liveBounds(deps));
  return {
    items: rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
      ip: maskIp(row.ip),
      device: describeDevice(row.user_agent),
      current: row.id === actor.sessionId,
    })),
  };
}

const NOT_FOUND = 'Сеанс не найден или уже завершён.';

export async function endSession(deps: SessionsDeps, actor: Actor, sessionId: string, meta: RequestMeta) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sessionId)) throw new AppError('not_found', NOT_FOUND);
  await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    if (!(await repo.revokeOwnSession(trx, actor.customerId, sessionId, liveBounds(deps), now))) throw new AppError('not_found', NOT_FOUND);
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'customer', id: actor.customerId },
      action: 'session.ended',
      entity: { type: 'customer', id: actor.customerId },
      from: meta,
      details: { sessionIds: [sessionId], current: sessionId === actor.sessionId },
    });
  });
  return { ended: 1, loggedOut: sessionId === actor.sessionId };
}

export async function endOtherSessions(deps: SessionsDeps, actor: Actor, meta: RequestMeta) {
  const ended = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const ids = await repo.revokeOtherSessions(trx, actor.customerId, actor.sessionId, now);
    if (ids.length > 0) {
      await recordAudit(trx, { random: deps.random, now }, {
        actor: { type: 'customer', id: actor.customerId },
        action: 'session.ended',
        entity: { type: 'customer', id: actor.customerId },
        from: meta,
        details: { sessionIds: ids, current: false },
      });
    }
    return ids.length;
  });
  return { ended, loggedOut: false };
}
