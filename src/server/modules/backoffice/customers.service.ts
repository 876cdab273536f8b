import { moscowDate } from '../../../core/dates';
import type { PartialQuestionnaire } from '../../../core/questionnaire';
import { maskPhone, normalizeRussianMobile } from '../../../core/phone';
import { AppError } from '../../errors';
import { maskInn } from '../../pii';
import { readQuestionnaire } from '../applications/applications.service';
import { recordAuditAlone } from '../audit/audit.service';
import { contractNumberOf } from '../contracts/document';
import { deletedCustomerNotice } from '../deletion/retention.service';
import { vehicleDocumentInClear, vehiclesByApplication } from './collateral.service';
import { paymentSummary } from './payment-summary';
import { servicingView } from '../servicing/servicing.service';
import type { RequestMeta, StaffActor } from '../staff/staff.service';
import * as repo from './customers.repo';
import { VEHICLE_REVEAL_FIELDS, type RevealField } from './customers.schemas';
import type { BackofficeDeps } from './deps';
import { applicationsOf, latestName, latestWith, maskAddress, maskedPassportOf, maskEmail, namesOf, type ApplicationRow } from './people';

/**
 * The customer card (docs/backoffice.md): search by phone or by a record's id, the card with every
 * application, loan, payment, request, consent, the latest operations and the cars of car
 * applications (collateral.service.ts) — personal data masked, ПТС and СТС numbers too — and the
 * recorded reveal of one field. Opening a card and each reveal are written to the audit log
 * (SECURITY.md PD-5); a reveal's record names the field and the reason, never the value.
 *
 * A deleted customer (SECURITY.md PD-8) is found and its card opens, but with no personal data and no
 * records — only when it was deleted and until when its data is held; the held records are for
 * compliance only (deletion/retention.routes.ts), and a reveal is refused.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTRACT = /^CC-(\d{4})(\d{2})(\d{2})-([0-9A-F]{8})$/i;

const unrecognised = () =>
  new AppError('validation_failed', undefined, {
    fields: { query: 'Введите телефон (+7 9XX XXX-XX-XX), номер заявки, займа, платежа или договора (CC-…).' },
  });

export async function searchCustomers(deps: BackofficeDeps, text: string) {
  const phone = normalizeRussianMobile(text);
  const compact = text.replace(/\s+/g, '');
  const contract = CONTRACT.exec(compact);
  let ids: string[];
  if (phone) ids = await repo.customerIdsByPhone(deps.db, phone);
  else if (UUID.test(compact)) ids = await repo.customerIdsByRecordId(deps.db, compact.toLowerCase());
  else if (contract) ids = await repo.customerIdsByContract(deps.db, `${contract[1]}-${contract[2]}-${contract[3]}`, contract[4]!);
  else throw unrecognised();
  const customers = await repo.customersByIds(deps.db, ids);
  const names = await namesOf(deps.db, deps.keys, customers.filter((c) => !c.deleted_at).map((c) => c.id));
  return Promise.all(
    customers.map(async (c) =>
      c.deleted_at
        ? { ...deletedSummary(c), deleted: await deletedNotice(deps, c) }
        : { id: c.id, phoneMasked: maskPhone(c.phone), fullName: names.get(c.id) ?? null, createdAt: c.created_at.toISOString() },
    ),
  );
}

type CustomerRow = NonNullable<Awaited<ReturnType<typeof repo.customerById>>>;

/** What any staff screen may show of a deleted customer: the id and when the account was opened. */
const deletedSummary = (customer: CustomerRow) => ({ id: customer.id, phoneMasked: '***', fullName: null, createdAt: customer.created_at.toISOString() });

async function deletedNotice(deps: BackofficeDeps, customer: CustomerRow) {
  return (await deletedCustomerNotice(deps.db, customer.id)) ?? { deletedAt: (customer.deleted_at ?? customer.created_at).toISOString(), heldUntil: null };
}

function deletedCard(customer: CustomerRow, deleted: { deletedAt: string; heldUntil: string | null }) {
  return {
    ...deletedSummary(customer),
    deleted,
    passportMasked: null,
    innMasked: null,
    addressMasked: null,
    emailMasked: null,
    applications: [],
    loans: [],
    payments: [],
    tickets: [],
    consents: [],
    history: [],
    vehicles: [],
  };
}

async function customerOrNotFound(deps: BackofficeDeps, id: string) {
  const customer = await repo.customerById(deps.db, id);
  if (!customer) throw new AppError('not_found', 'Клиент не найден.');
  return customer;
}

/** The masked identity fields, each from the newest application that has it. */
function maskedIdentity(deps: BackofficeDeps, applications: ApplicationRow[]) {
  const read = (row: ApplicationRow | undefined): PartialQuestionnaire => (row ? readQuestionnaire(deps.keys, row) : {});
  const passport = maskedPassportOf(read(latestWith(applications, 'passport_ct')));
  const inn = read(latestWith(applications, 'inn_ct')).inn;
  const address = read(latestWith(applications, 'registration_address_ct')).registrationAddress;
  const email = read(latestWith(applications, 'email_ct')).email;
  return {
    passportMasked: passport,
    innMasked: inn ? maskInn(inn) : null,
    addressMasked: address ? maskAddress(address) : null,
    emailMasked: email ? maskEmail(email) : null,
  };
}

export async function customerCard(deps: BackofficeDeps, staff: StaffActor, id: string, meta: RequestMeta) {
  const customer = await customerOrNotFound(deps, id);
  if (customer.deleted_at) {
    const card = deletedCard(customer, await deletedNotice(deps, customer));
    await recordAuditAlone(deps.db, { random: deps.random, now: deps.clock.now() }, {
      actor: { type: 'staff', id: staff.staffId },
      action: 'customer.viewed',
      entity: { type: 'customer', id: customer.id },
      from: meta,
      details: { deleted: true },
    });
    return card;
  }
  const today = moscowDate(deps.clock.now());
  const applications = await applicationsOf(deps.db, customer.id);
  const [loans, payments, tickets, consents, operations, vehicles] = await Promise.all([
    repo.loansOf(deps.db, customer.id),
    repo.paymentsOf(deps.db, customer.id),
    repo.ticketsOf(deps.db, customer.id),
    repo.consentsOf(deps.db, customer.id),
    repo.operationsOf(deps.db, customer.id),
    vehiclesByApplication(deps, applications.map((a) => a.id)),
  ]);
  const card = {
    id: customer.id,
    phoneMasked: maskPhone(customer.phone),
    fullName: latestName(deps.keys, applications),
    createdAt: customer.created_at.toISOString(),
    ...maskedIdentity(deps, applications),
    applications: applications.map((a) => ({
      id: a.id,
      status: a.status,
      productCode: a.product_code,
      amountRubles: a.amount_rubles,
      term: a.term,
      createdAt: a.created_at.toISOString(),
      submittedAt: a.submitted_at?.toISOString() ?? null,
      decidedAt: a.decided_at?.toISOString() ?? null,
      offerAmountRubles: a.offer_amount_rubles,
      reapplyAfter: a.reapply_after,
      decidedByStaff: a.decided_by !== null,
    })),
    loans: await Promise.all(
      loans.map(async (loan) => {
        const servicing = await servicingView(deps.db, loan, today);
        return {
          id: loan.id,
          number: contractNumberOf(loan.contract_date, loan.application_id),
          status: loan.status,
          productCode: loan.product_code,
          principalKopecks: loan.amount_kopecks,
          debtKopecks: servicing.debt.totalKopecks,
          contractDate: loan.contract_date,
          dueDate: loan.due_date,
          overdue: servicing.overdue || servicing.schedule.some((s) => s.status === 'overdue'),
          payoutType: loan.payout_type,
        };
      }),
    ),
    payments: payments.map(paymentSummary),
    tickets: tickets.map((t) => ({
      id: t.id,
      category: t.category,
      subject: t.subject,
      status: t.status,
      assignedTo: t.assigned_to ? { id: t.assigned_to, fullName: t.assigned_name ?? '' } : null,
      createdAt: t.created_at.toISOString(),
      updatedAt: t.updated_at.toISOString(),
    })),
    consents: consents.map((c) => ({
      kind: c.kind,
      documentVersion: c.document_version,
      applicationId: c.application_id,
      grantedAt: c.granted_at.toISOString(),
      withdrawnAt: c.withdrawn_at?.toISOString() ?? null,
    })),
    history: operations.map((o) => ({
      id: o.id,
      at: o.at.toISOString(),
      type: o.type,
      title: o.title,
      amountKopecks: o.amount_kopecks,
      status: o.status,
      loanId: o.loan_id,
    })),
    vehicles: applications.flatMap((a) => vehicles.get(a.id) ?? []),
  };
  // Recorded once the card is ready, before it leaves: no card is shown without its record.
  await recordAuditAlone(deps.db, { random: deps.random, now: deps.clock.now() }, {
    actor: { type: 'staff', id: staff.staffId },
    action: 'customer.viewed',
    entity: { type: 'customer', id: customer.id },
    from: meta,
  });
  return card;
}

const isVehicleField = (field: RevealField): field is (typeof VEHICLE_REVEAL_FIELDS)[number] => (VEHICLE_REVEAL_FIELDS as readonly RevealField[]).includes(field);

/** The clear value of one field, from the customer's newest application that has it. */
function revealedValue(deps: BackofficeDeps, applications: ApplicationRow[], field: 'passport' | 'inn' | 'address' | 'email') {
  const column = ({ passport: 'passport_ct', inn: 'inn_ct', address: 'registration_address_ct', email: 'email_ct' } as const)[field];
  const row = latestWith(applications, column);
  if (!row) return { value: null, applicationId: null };
  const q = readQuestionnaire(deps.keys, row);
  let value: string | null = null;
  if (field === 'passport' && q.passport) {
    const p = q.passport;
    value = [
      `${p.series ?? ''} ${p.number ?? ''}`.trim(),
      p.issuedAt ? `выдан ${p.issuedAt}` : null,
      p.issuer ?? null,
      p.divisionCode ? `код подразделения ${p.divisionCode}` : null,
    ]
      .filter(Boolean)
      .join(', ');
  } else if (field === 'inn') {
    value = q.inn ?? null;
  } else if (field === 'email') {
    value = q.email ?? null;
  } else if (field === 'address' && q.registrationAddress) {
    value =
      q.actualAddress && q.actualAddress !== q.registrationAddress
        ? `Регистрация: ${q.registrationAddress}; проживание: ${q.actualAddress}`
        : q.registrationAddress;
  }
  return { value, applicationId: row.id };
}

export async function revealField(
  deps: BackofficeDeps,
  staff: StaffActor,
  id: string,
  input: { field: RevealField; reason: string; applicationId?: string | undefined },
  meta: RequestMeta,
): Promise<{ field: RevealField; value: string | null }> {
  const customer = await customerOrNotFound(deps, id);
  if (customer.deleted_at) throw new AppError('forbidden', 'Клиент удалён: его данные на хранении, доступ к ним — только у комплаенса.');
  const { field } = input;
  if (input.applicationId !== undefined && !isVehicleField(field)) {
    throw new AppError('validation_failed', undefined, { fields: { applicationId: 'Заявку указывают только для номеров ПТС и СТС.' } });
  }
  const found =
    field === 'phone'
      ? { value: customer.phone, applicationId: null }
      : isVehicleField(field)
        ? await vehicleDocumentInClear(deps, customer.id, field, input.applicationId ?? null)
        : revealedValue(deps, await applicationsOf(deps.db, customer.id), field);
  await recordAuditAlone(deps.db, { random: deps.random, now: deps.clock.now() }, {
    actor: { type: 'staff', id: staff.staffId },
    action: 'customer.revealed',
    entity: { type: 'customer', id: customer.id },
    reason: input.reason,
    from: meta,
    // What was shown and where it came from; never the value itself.
    details: { field, applicationId: found.applicationId, found: found.value !== null },
  });
  return { field, value: found.value };
}

