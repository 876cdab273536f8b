import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema';
import * as repo from '../applications/applications.repo';
import { recordOperation } from '../history/operations';
import { queueSms, type SmsOutboxDeps } from '../notifications/sms-outbox';
import type { Decision } from './decision';

/**
 * How a credit decision reaches the customer, whoever made it: the scoring robot or an underwriter
 * in the back office. One conditional update (only from the status the decider found), the check
 * records, the SMS and the history entry, all in the caller's transaction — so a manual decision
 * lands exactly as the robot's would, and of two deciders at once only the first changes anything.
 */

export const DECISION_SMS: Record<Decision['status'], string> = {
  approved: 'CarCapital: заявка одобрена. Проверьте условия и подпишите договор в личном кабинете.',
  declined: 'CarCapital: по вашей заявке принято решение. Подробности — в личном кабинете.',
  manual_review: 'CarCapital: заявка передана специалисту. Решение придёт по SMS и появится в личном кабинете.',
};

export const DECISION_TITLE: Record<Decision['status'], string> = {
  approved: 'Заявка одобрена',
  declined: 'В займе отказано',
  manual_review: 'Заявка передана специалисту',
};

export type DecisionToRecord = {
  applicationId: string;
  customerId: string;
  /** The status the application must still be in: `scoring` for the robot, `manual_review` for a person. */
  from: 'scoring' | 'manual_review';
  decision: Decision;
  /** The scoring attempt the check records belong to. */
  attempt: number;
  /** What staff read as the reasons; by default the checks that did not pass. */
  reasons?: string[];
  /** The underwriter who decided; null for the robot. */
  decidedBy?: string | null;
  at: Date;
};

/** Records the decision; false when the application had already left `from` (nothing written). */
export async function recordApplicationDecision(trx: Transaction<DB>, deps: SmsOutboxDeps, record: DecisionToRecord): Promise<boolean> {
  const { decision, applicationId, at } = record;
  if (record.from === 'manual_review' && decision.status === 'manual_review') {
    throw new Error('a manual review ends in approval or decline');
  }
  const reasons = record.reasons ?? decision.checks.filter((c) => c.outcome !== 'pass').map((c) => c.name);
  const result = await trx
    .updateTable('applications')
    .set({
      status: decision.status,
      offer_amount_rubles: decision.status === 'approved' ? decision.amountRubles : null,
      offer_term: decision.status === 'approved' ? decision.term : null,
      reapply_after: decision.status === 'declined' ? decision.reapplyAfter : null,
      pdn_percent: decision.pdnPercent,
      decision_reasons: JSON.stringify(reasons),
      decided_at: at,
      decided_by: record.decidedBy ?? null,
      updated_at: at,
    })
    .where('id', '=', applicationId)
    .where('status', '=', record.from)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return false;
  await repo.insertScoringChecks(
    trx,
    decision.checks.map((c) => ({ applicationId, attempt: record.attempt, ...c, at })),
  );
  await queueSms(deps, trx, { to: await repo.customerPhone(trx, record.customerId), text: DECISION_SMS[decision.status], kind: 'notice' });
  // Keyed by (decision, application): a referral's entry becomes the final decision, as a payment's
  // entry goes from pending to succeeded.
  await recordOperation(trx, deps.random, {
    customerId: record.customerId,
    at,
    type: 'decision',
    title: DECISION_TITLE[decision.status],
    amountKopecks: decision.status === 'approved' ? decision.amountRubles * 100 : null,
    status: decision.status,
    ref: applicationId,
  });
  return true;
}
