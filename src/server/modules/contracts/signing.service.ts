import { moscowDate } from '../../../core/dates';
import { formatPhone } from '../../../core/phone';
import { AppError } from '../../errors';
import { maskPassport, sealField } from '../../pii';
import type { PayoutMethodState } from '../../db/schema';
import type { PayoutProvider, PayoutType, PersonName } from '../../providers/payouts/port';
import { detailsOf, findPayoutMethod, payoutDescription, publicView, sealWallet, type PayoutDetails } from './payout-methods';
import { ProviderError } from '../../providers/errors';
import * as applicationsRepo from '../applications/applications.repo';
import { readQuestionnaire, type ApplicationDeps } from '../applications/applications.service';
import * as auth from '../auth/auth.service';
import { consentDocument } from '../consents/documents';
import { queueSms } from '../notifications/sms-outbox';
import { quoteOrNull } from '../pricing/pricing.service';
import { DISBURSE_QUEUE } from '../loans/loans.service';
import { recordOperation } from '../history/operations';
import { contractPricingNote, countPromoCodeAtSigning, personalPricing, pricingColumns, storedRate } from '../loyalty/loyalty.service';
import { buildContract, coolingOffHours, PEP_AGREEMENT_KIND, type ContractDocument, type PledgeTerms } from './document';
import * as vehiclesRepo from '../vehicles/vehicles.repo';
import { openVehicleDocuments } from '../vehicles/vehicles.service';
import { openPledge } from '../pledges/pledges.service';

/**
 * From an approved offer to a signed contract (SECURITY.md SIG-1…4):
 * payout method → the individual terms (exact text, hashed) → a code bound to that hash and the
 * session → one transaction that checks the code, marks the application signed, creates the loan,
 * stores the immutable evidence and, without a cooling-off period, enqueues the payout.
 */

export type SigningDeps = ApplicationDeps & {
  payouts: PayoutProvider;
  auth: auth.AuthDeps;
  publicUrl: URL;
  /** The lender as the pledge agreement and the registry notice name it (car loans). */
  pledgee: string;
};

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
export function sbpNameOf(fullName: PersonName): string {
  return [fullName.firstName, fullName.middleName, `${fullName.lastName.charAt(0)}.`].filter(Boolean).join(' ');
}
const normalizeName = (name: string) => name.toLowerCase().replaceAll('ё', 'е').replace(/\s+/g, ' ').trim();

export async function sbpBanks(deps: SigningDeps) {
  return deps.payouts.sbpBanks();
}

const provided = <T>(call: () => Promise<T>, message: string): Promise<T> =>
  call().catch((error: unknown) => {
    if (error instanceof ProviderError) throw new AppError('service_unavailable', message);
    throw error;
  });

const personOf = (q: ReturnType<typeof readQuestionnaire>): PersonName => ({ lastName: q.lastName ?? '', firstName: q.firstName ?? '', middleName: q.middleName });

export type PayoutMethodInput = {
  type: PayoutType;
  bankId?: string | undefined;
  walletNumber?: string | undefined;
};

export type PayoutMethodReply = {
  type: PayoutType;
  next: 'sign' | 'choose_bank' | 'card_page';
  banks?: { id: string; name: string }[];
  bank?: string;
  recipientName?: string;
  hostedPageUrl?: string;
  walletMasked?: string;
};

/** Saves the method; any earlier choice is replaced and signing codes sent for it die. */
async function saveMethod(deps: SigningDeps, actor: auth.Actor, applicationId: string, type: PayoutType, details: PayoutDetails, state: PayoutMethodState) {
  const now = deps.clock.now();
  const values = { type, details: JSON.stringify(details), holder_matched: state === 'ready', state, updated_at: now };
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('payout_methods')
      .values({ application_id: applicationId, ...values, created_at: now })
      .onConflict((oc) => oc.column('application_id').doUpdateSet(values))
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
}

export async function choosePayoutMethod(deps: SigningDeps, actor: auth.Actor, id: string, input: PayoutMethodInput): Promise<PayoutMethodReply> {
  const row = await approvedOrFail(deps, actor, id);
  if (!deps.payouts.types.includes(input.type)) {
    throw new AppError('validation_failed', undefined, { fields: { type: 'Этот способ получения сейчас недоступен. Выберите другой.' } });
  }
  const q = readQuestionnaire(deps.keys, row);
  switch (input.type) {
    case 'cash':
      await saveMethod(deps, actor, row.id, 'cash', {}, 'ready');
      return { type: 'cash', next: 'sign' };

    case 'sbp': {
      const banks = await provided(() => deps.payouts.sbpBanks(), 'Не удалось получить список банков СБП. Попробуйте ещё раз.');
      if (!input.bankId) return { type: 'sbp', next: 'choose_bank', banks };
      const bank = banks.find((b) => b.id === input.bankId);
      if (!bank) throw new AppError('validation_failed', undefined, { fields: { bankId: 'Выберите банк из списка.' } });
      if (deps.payouts.sbpRecipientCheck === 'at_payout') {
        // The provider checks the holder against the borrower's name with the payout itself and
        // refuses a payout to someone else's account (the loan then shows payout_failed).
        await saveMethod(deps, actor, row.id, 'sbp', { bankId: bank.id, bankName: bank.name }, 'ready');
        return { type: 'sbp', next: 'sign', bank: bank.name };
      }
      const recipient = await provided(
        () => deps.payouts.sbpRecipientName(actor.phone, bank.id),
        'Не удалось проверить счёт в СБП. Попробуйте ещё раз или выберите другой банк.',
      );
      // R13: money goes only to an account in the borrower's own name.
      if (normalizeName(recipient) !== normalizeName(sbpNameOf(personOf(q)))) {
        throw new AppError('validation_failed', undefined, {
          fields: { bankId: 'Счёт в этом банке оформлен не на ваше имя. Выберите банк, где счёт открыт на вас.' },
        });
      }
      await saveMethod(deps, actor, row.id, 'sbp', { bankId: bank.id, bankName: bank.name, recipientName: recipient }, 'ready');
      return { type: 'sbp', next: 'sign', bank: bank.name, recipientName: recipient };
    }

    case 'card': {
      const cards = deps.payouts.cards!;
      // A fresh binding each time: the borrower may come back to use another card.
      const binding = await provided(
        () => cards.startBinding({ reference: deps.random.uuid(), returnUrl: new URL(`/application/${row.id}/sign?card=returned`, deps.publicUrl).toString() }),
        'Платёжная страница сейчас недоступна. Попробуйте ещё раз или выберите другой способ.',
      );
      await saveMethod(deps, actor, row.id, 'card', { bindingId: binding.bindingId }, 'awaiting_card');
      return { type: 'card', next: 'card_page', hostedPageUrl: binding.hostedPageUrl };
    }

    case 'wallet': {
      const walletNumber = input.walletNumber ?? '';
      if (!WALLET_NUMBER.test(walletNumber)) {
        throw new AppError('validation_failed', undefined, { fields: { walletNumber: 'Номер кошелька ЮMoney — от 11 до 20 цифр, начинается с 4100.' } });
      }
      const check = await provided(
        () => deps.payouts.wallets!.check(walletNumber, { name: personOf(q), phone: actor.phone }),
        'Не удалось проверить кошелёк. Попробуйте ещё раз.',
      );
      if (check.status !== 'confirmed') throw new AppError('validation_failed', undefined, { fields: { walletNumber: WALLET_REFUSALS[check.status] } });
      const sealed = sealWallet(deps.keys, row.id, walletNumber);
      await saveMethod(deps, actor, row.id, 'wallet', sealed, 'ready');
      return { type: 'wallet', next: 'sign', walletMasked: sealed.walletMasked };
    }
  }
}

export const WALLET_NUMBER = /^4100\d{7,16}$/;
const WALLET_REFUSALS = {
  not_found: 'Такого кошелька нет. Проверьте номер.',
  not_identified: 'Кошелёк не идентифицирован: деньги можно отправить только на кошелёк, подтверждённый паспортом владельца.',
  other_owner: 'Кошелёк оформлен не на ваше имя. Укажите свой кошелёк.',
} as const;

async function cardMethodOrFail(deps: SigningDeps, applicationId: string) {
  const method = await findPayoutMethod(deps.db, applicationId);
  if (!method || method.type !== 'card') throw new AppError('conflict', 'Сначала выберите получение на карту.');
  return method;
}

/** The chosen method and its state; a card waiting for its page is refreshed from the acquirer. */
export async function getPayoutMethod(deps: SigningDeps, actor: auth.Actor, id: string) {
  const row = await approvedOrFail(deps, actor, id);
  let method = await findPayoutMethod(deps.db, row.id);
  if (method?.type === 'card' && method.state === 'awaiting_card') {
    const binding = await provided(() => deps.payouts.cards!.binding(String(detailsOf(method!).bindingId)), 'Не удалось узнать, что с картой. Обновите страницу.');
    if (binding.status === 'held') {
      const details = { ...detailsOf(method), maskedPan: binding.maskedPan };
      await deps.db
        .updateTable('payout_methods')
        .set({ state: 'awaiting_hold', details: JSON.stringify(details), updated_at: deps.clock.now() })
        .where('application_id', '=', row.id)
        .where('state', '=', 'awaiting_card')
        .execute();
      method = await findPayoutMethod(deps.db, row.id);
    } else if (binding.status === 'declined' || binding.status === 'locked') {
      return { available: deps.payouts.types, method: { ...publicView(method), problem: 'Банк отклонил карту. Попробуйте другую карту или другой способ.' } };
    }
  }
  return { available: deps.payouts.types, method: method ? publicView(method) : null };
}

/**
 * The borrower says how much was held on the card. The acquirer checks it (3 tries, then the binding
 * is locked) and releases the hold; then the issuer says whether the card is in the borrower's name.
 */
export async function confirmCardHold(deps: SigningDeps, actor: auth.Actor, id: string, amountKopecks: number) {
  const row = await approvedOrFail(deps, actor, id);
  await getPayoutMethod(deps, actor, id); // the borrower may confirm before we saw the acquirer's redirect
  const method = await cardMethodOrFail(deps, row.id);
  if (method.state === 'ready') return { ...publicView(method), next: 'sign' as const };
  if (method.state !== 'awaiting_hold') throw new AppError('conflict', 'Сначала введите данные карты на странице банка.');
  const cards = deps.payouts.cards!;
  const details = detailsOf(method);
  const answer = await provided(() => cards.confirmHold(String(details.bindingId), amountKopecks), 'Не удалось проверить сумму. Попробуйте ещё раз.');
  if (answer.status === 'wrong_amount') {
    throw new AppError('validation_failed', undefined, {
      fields: { amount: `Сумма не совпала. Посмотрите SMS или выписку банка; осталось попыток: ${answer.attemptsLeft}.` },
    });
  }
  if (answer.status !== 'confirmed') {
    await deps.db.deleteFrom('payout_methods').where('application_id', '=', row.id).where('type', '=', 'card').execute();
    throw new AppError('validation_failed', undefined, { fields: { amount: 'Попытки закончились. Добавьте карту заново или выберите другой способ.' } });
  }
  const q = readQuestionnaire(deps.keys, row);
  const matches = await provided(() => cards.holderMatches(answer.cardToken, personOf(q)), 'Банк не ответил, на чьё имя карта. Попробуйте ещё раз.');
  if (!matches) {
    // R13: a card in someone else's name is refused, however it was confirmed.
    await deps.db.deleteFrom('payout_methods').where('application_id', '=', row.id).where('type', '=', 'card').execute();
    throw new AppError('validation_failed', undefined, { fields: { amount: 'Карта оформлена не на ваше имя. Добавьте свою карту или выберите другой способ.' } });
  }
  await saveMethod(deps, actor, row.id, 'card', { bindingId: details.bindingId, cardToken: answer.cardToken, maskedPan: answer.maskedPan }, 'ready');
  return { type: 'card' as const, state: 'ready' as const, maskedPan: answer.maskedPan, next: 'sign' as const };
}

/** The contract exactly as it would be signed today. */
export async function currentContract(deps: SigningDeps, actor: auth.Actor, row: ApprovedApplication): Promise<ContractDocument> {
  const product = deps.pricing.product(row.product_code);
  const quote = quoteOrNull(deps.pricing, { product: row.product_code, amountRubles: row.offer_amount_rubles, term: row.offer_term, rate: storedRate(row) });
  if (!product || !quote) throw new AppError('conflict', 'Условия предложения больше недоступны. Подайте новую заявку.');
  const method = await findPayoutMethod(deps.db, row.id);
  if (!method) throw new AppError('conflict', 'Сначала выберите способ получения денег.');
  if (method.state !== 'ready') throw new AppError('conflict', 'Сначала подтвердите карту: введите сумму, заблокированную на ней.');
  const q = readQuestionnaire(deps.keys, row);
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
    payout: { type: method.type, description: payoutDescription(method) },
    date: moscowDate(deps.clock.now()),
    pdnPercent: row.pdn_percent === null ? null : Number(row.pdn_percent),
    pricingNote: contractPricingNote(deps.pricing, row),
    pledge: product.collateral === 'car' ? await pledgeTerms(deps, row.id) : null,
  });
}

/** The car of an approved car application, as the pledge agreement states it. */
async function pledgeTerms(deps: SigningDeps, applicationId: string): Promise<PledgeTerms> {
  const vehicle = await vehiclesRepo.findVehicle(deps.db, applicationId);
  // Scoring approves a car loan only with its valuation kept on the vehicle row.
  if (!vehicle || vehicle.valuation_kopecks === null) throw new AppError('conflict', 'Нет оценки автомобиля: обратитесь в поддержку.');
  return {
    vin: vehicle.vin,
    make: vehicle.make,
    model: vehicle.model,
    year: vehicle.year,
    plate: vehicle.plate,
    ...openVehicleDocuments(deps.keys, vehicle),
    valuationKopecks: vehicle.valuation_kopecks,
    pledgee: deps.pledgee,
  };
}

/** Thrown inside the signing transaction to roll it back when the promo code ran out meanwhile. */
class PromoCodeGone extends Error {}

/** The approved offer repriced today without the promo code that can no longer be used. */
async function dropPromotion(deps: SigningDeps, row: ApprovedApplication) {
  const now = deps.clock.now();
  const personal = await personalPricing(deps.db, deps.pricing, {
    customerId: row.customer_id,
    productCode: row.product_code,
    date: moscowDate(now),
    promoCode: row.promo_code,
  });
  await deps.db
    .updateTable('applications')
    .set({ ...pricingColumns(personal), updated_at: now })
    .where('id', '=', row.id)
    .where('status', '=', 'approved')
    .execute();
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
  const method = (await findPayoutMethod(deps.db, row.id))!;
  const outcome = await signInTransaction(deps, actor, row, contract, method, code, meta).catch(async (error: unknown) => {
    if (!(error instanceof PromoCodeGone)) throw error;
    // The code was used up (or switched off) since the offer: the offer goes back to the rate
    // without it, so the contract changes and has to be read and signed again.
    await dropPromotion(deps, row);
    throw new AppError('conflict', 'Промокод больше не действует: ставка пересчитана без него. Проверьте договор и подпишите его заново.');
  });
  if (outcome.kind === 'invalid') throw new AppError('otp_invalid');
  if (outcome.kind === 'already') throw new AppError('conflict', 'Договор уже подписан.');
  return { loanId: outcome.loanId, payoutAt: outcome.payoutAt.toISOString() };
}

async function signInTransaction(
  deps: SigningDeps,
  actor: auth.Actor,
  row: ApprovedApplication,
  contract: ContractDocument,
  method: NonNullable<Awaited<ReturnType<typeof findPayoutMethod>>>,
  code: string,
  meta: auth.RequestMeta,
) {
  return deps.db.transaction().execute(async (trx) => {
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
    // The promo code the rate came through is used now, once (the status change above happens once).
    if (!(await countPromoCodeAtSigning(trx, deps.pricing, row))) throw new PromoCodeGone();
    const quote = (await quoteOrNull(deps.pricing, {
      product: row.product_code,
      amountRubles: row.offer_amount_rubles,
      term: row.offer_term,
      rate: storedRate(row),
    }))!;
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
        due_date: quote.returnDate,
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
    // A car loan: the pledge notice is filed by a job, right after this commits (modules/pledges).
    const vehicle = deps.pricing.product(row.product_code)?.collateral === 'car' ? await vehiclesRepo.findVehicle(trx, row.id) : undefined;
    if (vehicle) await openPledge(trx, deps.jobs, { loanId, customerId: actor.customerId, applicationId: row.id, vin: vehicle.vin, at: now });
    await recordOperation(trx, deps.random, {
      customerId: actor.customerId,
      loanId,
      at: now,
      type: 'signing',
      title: `Договор ${contract.number} подписан кодом из SMS`,
      amountKopecks: quote.amountKopecks,
      status: 'signed',
      ref: loanId,
    });
    // R7 ч. 9.4: tell the borrower at once when the money leaves and that they may refuse.
    const when = hours === 0 ? 'Деньги отправляем сейчас.' : `Деньги отправим через ${hours} ч; до этого можно бесплатно отказаться в личном кабинете.`;
    await queueSms(deps, trx, { to: actor.phone, text: `CarCapital: договор ${contract.number} подписан. ${when}`, kind: 'notice' });
    return { kind: 'ok' as const, loanId, payoutAt };
  });
}
