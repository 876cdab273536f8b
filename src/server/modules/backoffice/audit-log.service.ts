import { AppError } from '../../errors';
import type { BackofficeDeps } from './deps';
import type { AuditQueryInput } from './audit-log.schemas';

/**
 * The audit log, read-only (docs/backoffice.md «Audit log»): 50 records a page, newest first, with
 * the acting staff member's e-mail. Filters: `actor` (a staff id or e-mail), `entity` (`type:id`, an
 * id, or a type), `action` (exact, or a whole family without a dot: `customer`), `before` (a seq).
 */

export const AUDIT_PAGE_SIZE = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const badActor = () =>
  new AppError('validation_failed', undefined, { fields: { actor: 'Укажите сотрудника: его почту или идентификатор.' } });

export async function auditPage(deps: BackofficeDeps, filters: AuditQueryInput) {
  let query = deps.db
    .selectFrom('audit_log')
    .leftJoin('staff', (join) => join.onRef('staff.id', '=', 'audit_log.actor_id').on('audit_log.actor_type', '=', 'staff'))
    .select([
      'audit_log.id',
      'audit_log.seq',
      'audit_log.at',
      'audit_log.actor_type',
      'audit_log.actor_id',
      'audit_log.action',
      'audit_log.entity_type',
      'audit_log.entity_id',
      'audit_log.reason',
      'audit_log.ip',
      'audit_log.details',
      'staff.email as actor_email',
    ]);
  if (filters.actor !== undefined) {
    if (UUID.test(filters.actor)) query = query.where('audit_log.actor_id', '=', filters.actor.toLowerCase());
    else if (filters.actor.includes('@')) query = query.where('staff.email', '=', filters.actor.toLowerCase());
    else throw badActor();
  }
  if (filters.entity !== undefined) {
    const entity = filters.entity;
    const colon = entity.indexOf(':');
    if (colon > 0) {
      query = query.where('audit_log.entity_type', '=', entity.slice(0, colon)).where('audit_log.entity_id', '=', entity.slice(colon + 1));
    } else {
      query = query.where((eb) => eb.or([eb('audit_log.entity_id', '=', entity), eb('audit_log.entity_type', '=', entity)]));
    }
  }
  if (filters.action !== undefined) {
    const action = filters.action;
    query = action.includes('.') ? query.where('audit_log.action', '=', action) : query.where('audit_log.action', 'like', `${action}.%`);
  }
  if (filters.before !== undefined) query = query.where('audit_log.seq', '<', Number(filters.before));
  const rows = await query.orderBy('audit_log.seq', 'desc').limit(AUDIT_PAGE_SIZE + 1).execute();
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  return {
    items: page.map((r) => ({
      id: r.id,
      seq: Number(r.seq),
      at: r.at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorEmail: r.actor_email,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      reason: r.reason,
      ip: r.ip,
      details: r.details && typeof r.details === 'object' ? r.details : {},
    })),
    nextBefore: rows.length > AUDIT_PAGE_SIZE ? Number(page[page.length - 1]!.seq) : null,
  };
}
