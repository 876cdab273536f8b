import type { Kysely } from 'kysely';
import { moscowDate } from '../../../core/dates';
import { formatPhone } from '../../../core/phone';
import type { DB } from '../../db/schema';
import { AppError } from '../../errors';
import { maskPassport, sealField } from '../../pii';
import type { PayoutProvider } from '../../providers/payouts/port';
import { ProviderError } from '../../providers/errors';
import * as applicationsRepo from '../applications/applications.repo';
import { readQuestionnaire, type ApplicationDeps } from '../applications/applications.service';
import * as auth from '../auth/auth.service';
import { consentDocument } from '../consents/documents';
import { queueSms } from '../notifications/sms-outbox';
import { quoteOrNull } from '../pricing/pricing.service';
import { DISBURSE_QUEUE } from '../loans/loans.service';
import { buildContract, coolingOffHours, PEP_AGREEMENT_KIND, type ContractDocument } from './document';

/**
 * From an approved offer to a signed contract (SECURITY.md SIG-1…4):
 * payout method → the individual terms (exact text, hashed) → a code bound to that hash and the
 * session → one transaction that checks the code, marks the application signed, creates the loan,
 * stores the immutable evidence and, without a cooling-off period, enqueues the payout.
 */

export type SigningDeps = ApplicationDeps & { payouts: PayoutProvider; auth: auth.AuthDeps };

type ApprovedApplication = applicationsRepo.ApplicationRow & { offer_amount_rubles: number; offer_term: number };

async function approvedOrFail(deps: SigningDeps, actor: auth.Actor, id: string): Promise<ApprovedApplication> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await applicationsRepo.findOwnApplication(deps.db, actor.customerId, id) : undefined;
  if (!row) throw new AppError('not_found', 'Заявка не найдена.');
  if (row.status === 'signed') throw new AppError('conflict', 'Договор уже подписан.');
  if (row.status !== 'approved' || row.offer_amount_rubles === null || row.offer_term === null) {
    throw new AppError('conflict', 'Договор можно подписать только по одобренной заявке.');
  }
  return row as ApprovedApplication;
}

/** «Имя Отчество Ф.» — how СБП reports a recipient; compared without case or «ё». */
export function sbpNameOf(fullName: { lastName: string; firstName: string; middleName?: string }): string {
  return [fullName.firstName, fullName.middleName, `${fullName.lastName.charAt(0)}.`].filter(Boolean).join(' ');
}
const normalizeName = (name: string) => name.toLowerCase().replaceAll('ё', 'е').replace(/\s+/g, ' ').trim();

export async function sbpBanks(deps: SigningDeps) {
  return deps.payouts.sbpBanks();
}

export async function choosePayoutMethod(
  deps: SigningDeps,
  actor: auth.Actor,
  id: string,
  input: { type: 'card' | 'sbp' | 'wallet' | 'cash'; bankId?: string | undefined },
): Promise<{ type: string; next: 'sign' | 'choose_bank'; banks?: { id: string; name: string }[]; bank?: string; recipientName?: string }> {
  const row = await approvedOrFail(deps, actor, id);
  if (input.type === 'card' || input.type === 'wallet') {
    throw new AppError('validation_failed', undefined, {
      fields: { type: 'Этот способ получения пока недоступен. Выберите СБП или наличные.' },
    });
  }
  let details: Record<string, unknown> = {};
  let holderMatched = true;
  let reply: Awaited<ReturnType<typeof choosePayoutMethod>> = { type: input.type, next: 'sign' };
  if (input.type === 'sbp') {
    const banks = await deps.payouts.sbpBanks();
    if (!input.bankId) return { type: 'sbp', next: 'choose_bank', banks };
    const bank = banks.find((b) => b.id === input.bankId);
    if (!bank) throw new AppError('validation_failed', undefined, { fields: { bankId: 'Выберите банк из списка.' } });
    const q = readQuestionnaire(deps.keys, row);
    let recipient: string;
    try {
      recipient = await deps.payouts.sbpRecipientName(actor.phone, bank.id);
    } catch (error) {
      if (error instanceof ProviderError) {
        throw new AppError('service_unavailable', 'Не удалось проверить счёт в СБП. Попробуйте ещё раз или выберите другой банк.');
      }
      throw error;
    }
    const expected = sbpNameOf({ lastName: q.lastName ?? '', firstName: q.firstName ?? '', middleName: q.middleName });
    holderMatched = normalizeName(recipient) === normalizeName(expected);
    if (!holderMatched) {
      // R13: money goes only to an account in the borrower's own name.
      throw new AppError('validation_failed', undefined, {
        fields: { bankId: 'Счёт в этом банке оформлен не на ваше имя. Выберите банк, где счёт открыт на вас.' },
      });
    }
    details = { bankId: bank.id, bankName: bank.name };
    reply = { type: 'sbp', next: 'sign', bank: bank.name, recipientName: recipient };
  }
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('payout_methods')
      .values({ application_id: row.id, type: input.type, details: JSON.stringify(details), holder_matched: holderMatched, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('application_id').doUpdateSet({ type: input.type, details: JSON.stringify(details), holder_matched: holderMatched, updated_at: now }))
      .execute();
    // The document changes with the payout method: codes sent for the old one die now.
    await trx
      .updateTable('otp_challenges')
      .set({ status: 'replaced' })
      .where('phone', '=', actor.phone)
      .where('purpose', '=', 'sign_contract')
      .where('status', '=', 'active')
      .execute();
  });
  return reply;
}

async function payoutMethodOf(db: Kysely<DB>, applicationId: string) {
  return db.selectFrom('payout_methods').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
}

/** The contract exactly as it would be signed today. */
export async function currentContract(deps: SigningDeps, actor: auth.Actor, row: ApprovedApplication): Promise<ContractDocument> {
  const product = deps.pricing.product(row.product_code);
  const quote = quoteOrNull(deps.pricing, { product: row.product_code, amountRubles: row.offer_amount_rubles, term: row.offer_term });
  if (!product || !quote) throw new AppError('conflict', 'Условия предложения больше недоступны. Подайте новую заявку.');
  const method = await payoutMethodOf(deps.db, row.id);
  if (!method) throw new AppError('conflict', 'Сначала выберите способ получения денег.');
  const q = readQuestionnaire(deps.keys, row);
  const details = method.details as { bankName?: string };
  return buildContract({
    applicationId: row.id,
    product,
    quote,
    borrower: {
      fullName: [q.lastName, q.firstName, q.middleName].filter(Boolean).join(' '),
      birthDate: q.birthDate ?? '',
      passportMasked: maskPassport(q.passport?.series ?? '', q.passport?.number ?? ''),
      registrationAddress: q.registrationAddress ?? '',
      phone: formatPhone(actor.phone),
    },
    payout: {
      type: method.type as 'sbp' | 'cash',
      description: method.type === 'sbp' ? `перевод через СБП на счёт заёмщика в банке «${details.bankName}» по номеру телефона` : 'наличными в пунктах «Золотая Корона» по коду перевода и паспорту',
    },
    date: moscowDate(deps.clock.now()),
    pdnPercent: row.pdn_percent === null ? null : Number(row.pdn_percent),
  });
}

export async function getContract(deps: SigningDeps, actor: auth.Actor, id: string) {
  const row = await approvedOrFail(deps, actor, id);
  const contract = await currentContract(deps, actor, row);
  return {
    number: contract.number,
    sha256: contract.sha256,
    text: contract.text,
    keyFacts: contract.keyFacts,
    coolingOffHours: coolingOffHours(contract.keyFacts.amountKopecks),
    pdnWarningRequired: row.pdn_percent !== null && Number(row.pdn_percent) > 50,
  };
}

const subjectOf = (applicationId: string, sha256: string) => `${applicationId}:${sha256}`;

/** SIG-1: the SMS says what is being signed. */
function signingText(contract: ContractDocument) {
  const amount = contract.keyFacts.amountKopecks / 100;
  return (code: string) =>
    `CarCapital: код ${code} — подпись договора займа ${amount.toLocaleString('ru-RU')} ₽ до ${contract.keyFacts.returnDate}, ПСК ${contract.keyFacts.pskPercent.toLocaleString('ru-RU', { minimumFractionDigits: 3 })} %. Никому не сообщайте код.`;
}

export async function requestSigningCode(deps: SigningDeps, actor: auth.Actor, id: string, meta: auth.RequestMeta) {
  const row = await approvedOrFail(deps, actor, id);
  const contract = await currentContract(deps, actor, row);
  return auth.requestCode(
    deps.auth,
    { phone: actor.phone, purpose: 'sign_contract', sessionId: actor.sessionId, subject: subjectOf(row.id, contract.sha256), text: signingText(contract) },
    meta,
  );
}

export async function signContract(deps: SigningDeps, actor: auth.Actor, id: string, code: string, meta: auth.RequestMeta) {
  const row = await approvedOrFail(deps, actor, id);
  const contract = await currentContract(deps, actor, row);
  const method = (await payoutMethodOf(deps.db, row.id))!;
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const checked = await auth.checkCode(deps.auth, trx, {
      phone: actor.phone,
      purpose: 'sign_contract',
      sessionId: actor.sessionId,
      subject: subjectOf(row.id, contract.sha256),
      code,
      now,
    });
    if (checked.kind !== 'ok') return { kind: 'invalid' as const };
    const signed = await trx
      .updateTable('applications')
      .set({ status: 'signed', updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    if (signed.numUpdatedRows !== 1n) return { kind: 'already' as const };
    const quote = (await quoteOrNull(deps.pricing, { product: row.product_code, amountRubles: row.offer_amount_rubles, term: row.offer_term }))!;
    const hours = coolingOffHours(quote.amountKopecks);
    const payoutAt = new Date(now.getTime() + hours * 3_600_000);
    const loanId = deps.random.uuid();
    await trx
      .insertInto('loans')
      .values({
        id: loanId,
        customer_id: actor.customerId,
        application_id: row.id,
        status: hours > 0 ? 'cooling_off' : 'disbursing',
        product_code: row.product_code,
        amount_kopecks: quote.amountKopecks,
        term: row.offer_term,
        contract_date: quote.startDate,
        return_date: quote.returnDate,
        total_kopecks: quote.totalKopecks,
        psk_percent: quote.pskPercent,
        quote: JSON.stringify(quote),
        payout_type: method.type,
        payout_at: payoutAt,
        signed_at: now,
        created_at: now,
      })
      .execute();
    const signatureId = deps.random.uuid();
    await trx
      .insertInto('signatures')
      .values({
        id: signatureId,
        application_id: row.id,
        loan_id: loanId,
        document_sha256: contract.sha256,
        document: sealField(deps.keys, { table: 'signatures', column: 'document', rowId: signatureId }, contract.text),
        agreement_version: consentDocument(PEP_AGREEMENT_KIND).version,
        phone: actor.phone,
        challenge_id: checked.challengeId,
        code_hash: checked.codeHash,
        session_id: actor.sessionId,
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 500),
        code_sent_at: checked.sentAt,
        signed_at: now,
      })
      .execute();
    if (hours === 0) await deps.jobs.enqueue(trx, DISBURSE_QUEUE, { loanId });
    // R7 ч. 9.4: tell the borrower at once when the money leaves and that they may refuse.
    const when = hours === 0 ? 'Деньги отправляем сейчас.' : `Деньги отправим через ${hours} ч; до этого можно бесплатно отказаться в личном кабинете.`;
    await queueSms(deps, trx, { to: actor.phone, text: `CarCapital: договор ${contract.number} подписан. ${when}`, kind: 'notice' });
    return { kind: 'ok' as const, loanId, payoutAt };
  });
  if (outcome.kind === 'invalid') throw new AppError('otp_invalid');
  if (outcome.kind === 'already') throw new AppError('conflict', 'Договор уже подписан.');
  return { loanId: outcome.loanId, payoutAt: outcome.payoutAt.toISOString() };
}
