import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import type { Random } from '../../random';
import { recordAudit } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import * as repo from './consents.repo';
import { CONSENT_DOCUMENTS, consentDocument, consentDocumentByVersion, type ConsentKind } from './documents';

/**
 * The consents centre (SECURITY.md PD-7; DOMAIN R16–R18): every consent the customer gave, with the
 * exact text of the version agreed to. Only the optional one (marketing) is withdrawn and given
 * again here; a withdrawal is written on the grant rows it ends (time, IP, browser) and in the
 * audit log, and no grant row is ever deleted. The required ones keep a loan and its documents
 * lawful: they end with the account (deletion) or through a support request.
 *
 * Anything that sends advertising must ask `marketingAllowed` first, at the moment of sending.
 */

export type ConsentsDeps = { db: Kysely<DB>; clock: Clock; random: Random };
export type RequestMeta = { ip: string; userAgent: string };

export const REQUIRED_NOT_WITHDRAWABLE =
  'Обязательное согласие нельзя отозвать в личном кабинете: без него мы не можем вести заём и хранить документы по нему, как требует закон. Отозвать его можно, удалив аккаунт (раздел «Поддержка»), или написав в поддержку.';
export const REQUIRED_GIVEN_IN_APPLICATION = 'Обязательные согласия даются в заявке на заём.';

const KINDS = new Set<string>(CONSENT_DOCUMENTS.map((d) => d.kind));

export const documentUrl = (version: string) => `/api/consents/documents/${version}`;

/** A kind from the path; anything else is not found. */
export function parseKind(value: string | undefined): ConsentKind {
  if (!value || !KINDS.has(value)) throw new AppError('not_found', 'Такого согласия нет.');
  return value as ConsentKind;
}

export async function listConsents(deps: Pick<ConsentsDeps, 'db'>, actor: Actor) {
  const rows = await repo.consentsOf(deps.db, actor.customerId);
  const items = rows.map((row) => {
    const known = consentDocumentByVersion(row.document_version);
    const doc = known ?? consentDocument(row.kind);
    return {
      id: row.id,
      kind: row.kind,
      title: doc.title,
      required: doc.required,
      version: row.document_version,
      currentVersion: consentDocument(row.kind).version === row.document_version,
      documentUrl: documentUrl(row.document_version),
      grantedAt: row.granted_at.toISOString(),
      withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
      applicationId: row.application_id,
    };
  });
  return { items, marketing: { given: rows.some((row) => row.kind === 'marketing' && row.withdrawn_at === null) } };
}

/** The exact text of one version, current or archived. Public: these are the lender's standard documents. */
export function documentVersion(version: string) {
  const doc = /^[0-9a-f]{16}$/.test(version) ? consentDocumentByVersion(version) : undefined;
  if (!doc) throw new AppError('not_found', 'Такой редакции документа нет.');
  return { kind: doc.kind, title: doc.title, required: doc.required, version: doc.version, current: doc.current, text: doc.text };
}

/** Withdraws the optional consent; a second call changes nothing and answers the same. */
export async function withdraw(deps: ConsentsDeps, actor: Actor, kind: ConsentKind, meta: RequestMeta) {
  if (consentDocument(kind).required) throw new AppError('conflict', REQUIRED_NOT_WITHDRAWABLE);
  await deps.db.transaction().execute(async (trx) => {
    await repo.lockCustomerConsents(trx, actor.customerId);
    const now = deps.clock.now();
    const ended = await repo.withdrawLiveGrants(trx, { customerId: actor.customerId, kind, now, ip: meta.ip, userAgent: meta.userAgent.slice(0, 500) });
    if (ended.length === 0) return;
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'customer', id: actor.customerId },
      action: 'consent.withdrawn',
      entity: { type: 'customer', id: actor.customerId },
      from: meta,
      details: { kind, consentIds: ended.map((g) => g.id), versions: [...new Set(ended.map((g) => g.document_version))] },
    });
  });
  return listConsents(deps, actor);
}

/** Gives the optional consent for today's text; while one for today's text is live, nothing changes. */
export async function give(deps: ConsentsDeps, actor: Actor, kind: ConsentKind, meta: RequestMeta) {
  const doc = consentDocument(kind);
  if (doc.required) throw new AppError('conflict', REQUIRED_GIVEN_IN_APPLICATION);
  await deps.db.transaction().execute(async (trx) => {
    await repo.lockCustomerConsents(trx, actor.customerId);
    const live = await repo.liveGrants(trx, actor.customerId, kind);
    if (live.some((grant) => grant.document_version === doc.version)) return;
    const now = deps.clock.now();
    const id = deps.random.uuid();
    await repo.insertGrant(trx, {
      id,
      customer_id: actor.customerId,
      kind,
      document_version: doc.version,
      granted_at: now,
      ip: meta.ip,
      user_agent: meta.userAgent.slice(0, 500),
    });
    await recordAudit(trx, { random: deps.random, now }, {
      actor: { type: 'customer', id: actor.customerId },
      action: 'consent.given',
      entity: { type: 'customer', id: actor.customerId },
      from: meta,
      details: { kind, consentId: id, version: doc.version },
    });
  });
  return listConsents(deps, actor);
}

/**
 * Whether advertising may be sent to the customer now: a live marketing grant exists. Whoever sends
 * promotions (SMS, email) asks this inside the transaction that queues the message.
 */
export async function marketingAllowed(db: Parameters<typeof repo.liveGrants>[0], customerId: string): Promise<boolean> {
  return (await repo.liveGrants(db, customerId, 'marketing')).length > 0;
}
