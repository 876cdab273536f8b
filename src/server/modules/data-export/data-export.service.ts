import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock';
import { moscowDate } from '../../../core/dates';
import type { Keys } from '../../crypto';
import type { DB } from '../../db/schema';
import type { JobQueue } from '../../jobs/queue';
import type { Random } from '../../random';
import { readQuestionnaire } from '../applications/applications.service';
import { recordAuditAlone } from '../audit/audit.service';
import type { Actor } from '../auth/auth.service';
import { publicView } from '../contracts/payout-methods';
import { listConsents } from '../consents/consents.service';
import { findCustomerEmail } from '../email/email.repo';
import { openEmail } from '../email/email.service';
import { servicingView } from '../servicing/servicing.service';
import { getTicket, listTickets } from '../support/support.service';
import { vehiclesForExport } from '../vehicles/vehicles.service';

/**
 * «Скачать мои данные» (SECURITY.md PD-7; 152-ФЗ ст. 14): everything we keep about the customer that
 * they may see, as one JSON document — the questionnaires in clear, consents, loans with their
 * schedules and payments, the operations history, support requests, sessions and browsers, the
 * email address. Every query names the customer of the session, so nothing of anyone else can get
 * in; secrets stay out (token and code hashes, card tokens, cash pickup codes, payment links):
 * the file may end up in a downloads folder or a mailbox. Each export is recorded in the audit log.
 */

export type DataExportDeps = { db: Kysely<DB>; clock: Clock; random: Random; keys: Keys; jobs: JobQueue };
export type RequestMeta = { ip: string; userAgent: string };

export const EXPORT_FORMAT = 'carcapital-data-export/1';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

async function applicationsOf(deps: DataExportDeps, customerId: string) {
  const rows = await deps.db.selectFrom('applications').selectAll().where('customer_id', '=', customerId).orderBy('created_at').execute();
  const methods = rows.length
    ? await deps.db.selectFrom('payout_methods').selectAll().where('application_id', 'in', rows.map((r) => r.id)).execute()
    : [];
  const vehicles = await vehiclesForExport(deps.db, deps.keys, rows.map((r) => r.id));
  return rows.map((row) => {
    const method = methods.find((m) => m.application_id === row.id);
    return {
      id: row.id,
      status: row.status,
      product: row.product_code,
      amountRubles: row.amount_rubles,
      term: row.term,
      createdAt: iso(row.created_at),
      submittedAt: iso(row.submitted_at),
      decidedAt: iso(row.decided_at),
      questionnaire: readQuestionnaire(deps.keys, row),
      offer: row.offer_amount_rubles !== null ? { amountRubles: row.offer_amount_rubles, term: row.offer_term } : null,
      reapplyAfter: row.status === 'declined' ? row.reapply_after : null,
      payoutMethod: method ? publicView(method) : null,
      vehicle: vehicles.get(row.id) ?? null,
    };
  });
}

async function loansOf(deps: DataExportDeps, customerId: string) {
  const today = moscowDate(deps.clock.now());
  const loans = await deps.db.selectFrom('loans').selectAll().where('customer_id', '=', customerId).orderBy('created_at').execute();
  const payments = await deps.db
    .selectFrom('payments')
    .select(['id', 'loan_id', 'amount_kopecks', 'method', 'status', 'created_at', 'paid_at'])
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .execute();
  const ids = loans.map((loan) => loan.id);
  const addenda = ids.length
    ? await deps.db
        .selectFrom('addenda')
        .select(['loan_id', 'sequence', 'days', 'new_due_date', 'interest_kopecks', 'status', 'signed_at', 'applied_at'])
        .where('loan_id', 'in', ids)
        .orderBy('sequence')
        .execute()
    : [];
  return Promise.all(
    loans.map(async (loan) => {
      const servicing = await servicingView(deps.db, loan, today);
      return {
        id: loan.id,
        applicationId: loan.application_id,
        status: loan.status,
        product: loan.product_code,
        amountKopecks: loan.amount_kopecks,
        totalKopecks: loan.total_kopecks,
        pskPercent: Number(loan.psk_percent),
        contractDate: loan.contract_date,
        returnDate: loan.return_date,
        dueDate: loan.due_date,
        payoutType: loan.payout_type,
        signedAt: iso(loan.signed_at),
        activatedAt: iso(loan.activated_at),
        refusedAt: iso(loan.refused_at),
        closedAt: iso(loan.closed_at),
        contractUrl: `/api/loans/${loan.id}/contract.pdf`,
        debtToday: servicing.debt,
        schedule: servicing.schedule,
        prolongations: addenda
          .filter((a) => a.loan_id === loan.id)
          .map((a) => ({
            sequence: a.sequence,
            days: a.days,
            newDueDate: a.new_due_date,
            interestKopecks: a.interest_kopecks,
            status: a.status,
            signedAt: iso(a.signed_at),
            appliedAt: iso(a.applied_at),
          })),
        payments: payments
          .filter((p) => p.loan_id === loan.id)
          .map((p) => ({ id: p.id, amountKopecks: p.amount_kopecks, method: p.method, status: p.status, createdAt: iso(p.created_at), paidAt: iso(p.paid_at) })),
      };
    }),
  );
}

async function ticketsOf(deps: DataExportDeps, actor: Actor) {
  const { items } = await listTickets(deps, actor);
  return Promise.all(
    items.map(async (ticket) => {
      const { messages } = await getTicket(deps, actor, ticket.id);
      return { ...ticket, messages: messages.map(({ author, authorName, body, createdAt }) => ({ author, authorName, body, createdAt })) };
    }),
  );
}

async function emailOf(deps: DataExportDeps, customerId: string) {
  const row = await findCustomerEmail(deps.db, customerId);
  if (!row) return null;
  return { address: openEmail(deps.keys, customerId, row.email_ct), confirmedAt: iso(row.confirmed_at), updatedAt: iso(row.updated_at) };
}

export async function exportData(deps: DataExportDeps, actor: Actor, meta: RequestMeta) {
  const { db } = deps;
  const id = actor.customerId;
  const now = deps.clock.now();
  const [customer, email, applications, consents, loans, operations, tickets, sessions, devices, loanChoice, bonus] = await Promise.all([
    db.selectFrom('customers').select(['id', 'phone', 'created_at']).where('id', '=', id).executeTakeFirstOrThrow(),
    emailOf(deps, id),
    applicationsOf(deps, id),
    listConsents(deps, actor),
    loansOf(deps, id),
    db
      .selectFrom('operations')
      .select(['id', 'at', 'type', 'title', 'amount_kopecks', 'status', 'loan_id'])
      .where('customer_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    ticketsOf(deps, actor),
    db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'last_seen_at', 'revoked_at', 'ip', 'user_agent'])
      .where('customer_id', '=', id)
      .orderBy('created_at')
      .execute(),
    db.selectFrom('customer_devices').select(['first_seen_at', 'last_seen_at', 'user_agent']).where('customer_id', '=', id).orderBy('first_seen_at').execute(),
    db.selectFrom('loan_choices').select(['product_code', 'amount_rubles', 'term', 'saved_at']).where('customer_id', '=', id).executeTakeFirst(),
    db
      .selectFrom('bonus_point_entries')
      .select(['kind', 'points', 'reason', 'created_at', 'expires_at'])
      .where('customer_id', '=', id)
      .orderBy('created_at')
      .execute(),
  ]);
  const document = {
    format: EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    customer: { id: customer.id, phone: customer.phone, registeredAt: iso(customer.created_at), email },
    applications,
    consents: consents.items,
    loans,
    operations: operations.map((o) => ({
      id: o.id,
      at: iso(o.at),
      type: o.type,
      title: o.title,
      amountKopecks: o.amount_kopecks,
      status: o.status,
      loanId: o.loan_id,
    })),
    supportTickets: tickets,
    sessions: sessions.map((s) => ({
      id: s.id,
      createdAt: iso(s.created_at),
      lastSeenAt: iso(s.last_seen_at),
      endedAt: iso(s.revoked_at),
      ip: s.ip,
      userAgent: s.user_agent,
    })),
    devices: devices.map((d) => ({ firstSeenAt: iso(d.first_seen_at), lastSeenAt: iso(d.last_seen_at), userAgent: d.user_agent })),
    loanChoice: loanChoice
      ? { product: loanChoice.product_code, amountRubles: loanChoice.amount_rubles, term: loanChoice.term, savedAt: iso(loanChoice.saved_at) }
      : null,
    bonusPoints: bonus.map((b) => ({ kind: b.kind, points: b.points, reason: b.reason, at: iso(b.created_at), expiresAt: iso(b.expires_at) })),
  };
  await recordAuditAlone(db, { random: deps.random, now }, {
    actor: { type: 'customer', id },
    action: 'account.data_exported',
    entity: { type: 'customer', id },
    from: meta,
    details: {
      applications: applications.length,
      loans: loans.length,
      tickets: tickets.length,
      operations: operations.length,
    },
  });
  return { document, fileName: `carcapital-my-data-${moscowDate(now)}.json` };
}
