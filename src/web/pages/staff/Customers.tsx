/**
 * Customers: `/staff/customers?query=…`, search by phone or by an application's or loan's id;
 * `/staff/customers/:id`, the card — applications, loans, the cars of car loans (with valuation,
 * pledge and photos), payments, requests, consents and the last operations. Personal data comes
 * masked, the ПТС and СТС numbers too; «Показать» asks for the reason (written to the audit log with
 * who and when) and only then shows the value. Opening the card is audited too, and so is each photo.
 */
import type { TargetedEvent } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { statusText } from '../../lib/history';
import { Link, navigate, useRoute } from '../../lib/router';
import { STAFF_STATUS_LABELS, STAFF_STATUS_TONES, categoryLabel, isTicketStatus } from '../../lib/tickets';
import {
  APPLICATION_STATUS_LABELS,
  CONSENT_LABELS,
  LOAN_STATUS_LABELS,
  PAYMENT_STATUS_LABELS,
  REVEAL_LABELS,
  REVEAL_REASON_MIN,
  canOpen,
  formatDateTime,
  formatDay,
  formatKopecks,
  formatProductTerm,
  formatRublesWhole,
  labelOf,
  pick,
  productName,
} from './format';
import {
  type CustomerCard,
  type CustomerSummary,
  type DeletedNotice,
  type PersonField,
  REVEAL_FIELDS,
  type RevealField,
  type StaffMe,
  type VehicleField,
  staffApi,
} from './staff-api';
import { Badge, BackLink, LoadState, TableWrap, useLoad } from './ui';
import { VehicleCard } from './Vehicle';

export const CustomerSearch = () => {
  useDocumentTitle('Клиенты');
  const route = useRoute();
  const current = route.query.get('query')?.trim() ?? '';
  const [text, setText] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const { state, reload } = useLoad<CustomerSummary[] | null>(() => (current ? staffApi.searchCustomers(current) : Promise.resolve(null)), current);

  const submit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (text.trim() === '') {
      setError('Введите телефон клиента, номер договора, заявки или займа.');
      document.getElementById('customer-query')?.focus();
      return;
    }
    setError(null);
    navigate(`/staff/customers?query=${encodeURIComponent(text.trim())}`, { replace: true });
  };

  return (
    <>
      <h1 class="page-title">Клиенты</h1>
      <form class="card staff-search" role="search" aria-label="Поиск клиента" onSubmit={submit} noValidate>
        <Field
          id="customer-query"
          label="Телефон, номер договора, заявки или займа"
          error={error ?? undefined}
          hint="Телефон — +7… или только цифры; договор — его номер; заявка и заём — их идентификатор"
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="search"
              autocomplete="off"
              spellcheck={false}
              value={text}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => setText(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="btn btn-primary">
          Найти
        </button>
      </form>
      {current && <LoadState state={state} onRetry={reload} loadingText="Ищем…" />}
      {state.kind === 'ready' && state.data && (
        <section class="staff-section" aria-labelledby="results-title">
          <p id="results-title" class="staff-count" role="status">
            {state.data.length === 0 ? 'Никого не нашли' : `Найдено: ${state.data.length}`}
          </p>
          {state.data.length > 0 && (
            <TableWrap label="Найденные клиенты">
              <table class="staff-table" data-testid="customer-results">
                <thead>
                  <tr>
                    <th scope="col">ФИО</th>
                    <th scope="col">Телефон</th>
                    <th scope="col">Клиент с</th>
                    <th scope="col">
                      <span class="sr-only">Открыть</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.map((customer) => (
                    <tr key={customer.id} data-id={customer.id}>
                      <td>{customer.deleted ? <DeletedText notice={customer.deleted} /> : customer.fullName || 'Анкета не заполнена'}</td>
                      <td class="nowrap">{customer.phoneMasked}</td>
                      <td class="nowrap">{formatDay(customer.createdAt)}</td>
                      <td>
                        <Link href={`/staff/customers/${customer.id}`}>
                          Открыть карточку<span class="sr-only"> клиента {customer.fullName ?? customer.phoneMasked}</span>
                        </Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </section>
      )}
    </>
  );
};

/** A masked field as the card sends it: `passportMasked`, `passport`, or `masked.passport`. */
const maskedOf = (card: CustomerCard, field: PersonField): string | undefined => {
  const direct = pick<unknown>(card, `${field}Masked`, field);
  if (typeof direct === 'string') return direct;
  const masked = card.masked;
  if (masked && typeof masked === 'object') {
    const value = (masked as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
};

const SECTIONS = [
  ['card-applications', 'Заявки'],
  ['card-loans', 'Займы'],
  ['card-vehicles', 'Автомобили'],
  ['card-payments', 'Платежи'],
  ['card-tickets', 'Обращения'],
  ['card-consents', 'Согласия'],
  ['card-history', 'История'],
] as const;

/** What «Показать» opens: a personal field, or a car's ПТС or СТС number. */
type RevealTarget = { field: RevealField; applicationId?: string };
const targetKey = (target: RevealTarget) => (target.applicationId ? `${target.applicationId}:${target.field}` : target.field);

export const CustomerCardPage = ({ id, me }: { id: string; me: StaffMe }) => {
  useDocumentTitle('Карточка клиента');
  const { state, reload } = useLoad(() => staffApi.customer(id), id);
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [revealing, setRevealing] = useState<RevealTarget | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const openReveal = (target: RevealTarget) => {
    setRevealing(target);
    dialog.current?.showModal();
  };
  const vehicles = state.kind === 'ready' ? (state.data.vehicles ?? []) : [];

  return (
    <>
      <BackLink href="/staff/customers">К поиску клиентов</BackLink>
      <h1 class="page-title">{state.kind === 'ready' && state.data.fullName ? state.data.fullName : 'Карточка клиента'}</h1>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем карточку…" />
      {state.kind === 'ready' && state.data.deleted && (
        <section class="card" aria-labelledby="card-deleted" data-testid="customer-deleted">
          <h2 id="card-deleted">Клиент удалён</h2>
          <p>
            <DeletedText notice={state.data.deleted} />
          </p>
          <p class="muted small">Персональные данные и записи удалённого клиента видит только комплаенс.</p>
        </section>
      )}
      {state.kind === 'ready' && !state.data.deleted && (
        <>
          <nav class="staff-jump" aria-label="Разделы карточки">
            <ul>
              {SECTIONS.filter(([anchor]) => anchor !== 'card-vehicles' || vehicles.length > 0).map(([anchor, label]) => (
                <li key={anchor}>
                  <a href={`#${anchor}`}>{label}</a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="staff-stack">
            <section class="card" aria-labelledby="card-person">
              <h2 id="card-person">Личные данные</h2>
              <p class="muted small">Данные скрыты. «Показать» спросит причину: просмотр записывается в журнал аудита.</p>
              <dl class="staff-facts">
                <div>
                  <dt>Клиент с</dt>
                  <dd>{formatDay(state.data.createdAt)}</dd>
                </div>
                {REVEAL_FIELDS.map((field) => {
                  const value = revealed[targetKey({ field })];
                  const masked = field === 'phone' ? (maskedOf(state.data, field) ?? state.data.phoneMasked) : maskedOf(state.data, field);
                  return (
                    <div key={field} data-field={field}>
                      <dt>{REVEAL_LABELS[field]}</dt>
                      <dd class="staff-masked">
                        <span class={value ? 'staff-revealed' : undefined} data-testid={`value-${field}`}>
                          {value ?? masked ?? 'нет данных'}
                        </span>
                        {value === undefined && masked !== undefined && (
                          <button type="button" class="btn btn-secondary btn-small" onClick={() => openReveal({ field })}>
                            Показать<span class="sr-only"> {REVEAL_LABELS[field].toLowerCase()}</span>
                          </button>
                        )}
                      </dd>
                    </div>
                  );
                })}
              </dl>
            </section>
            <CardSections
              card={state.data}
              me={me}
              onReveal={(field, applicationId) => openReveal({ field, applicationId })}
              revealed={(applicationId) => ({
                pts: revealed[targetKey({ field: 'pts', applicationId })],
                sts: revealed[targetKey({ field: 'sts', applicationId })],
              })}
            />
          </div>
          <RevealDialog
            dialog={dialog}
            customerId={id}
            target={revealing}
            onRevealed={(target, value) => setRevealed((previous) => ({ ...previous, [targetKey(target)]: value }))}
          />
        </>
      )}
    </>
  );
};

/** «Клиент удалён, данные на хранении до 25 ноября 2031 г.» — no personal data (SECURITY.md PD-8). */
const DeletedText = ({ notice }: { notice: DeletedNotice }) => (
  <>
    Клиент удалён {formatDay(notice.deletedAt)}
    {notice.heldUntil ? `, данные на хранении до ${formatDay(notice.heldUntil)}` : ', срок хранения данных истёк'}
  </>
);

type RevealProps = {
  dialog: { current: HTMLDialogElement | null };
  customerId: string;
  target: RevealTarget | null;
  onRevealed: (target: RevealTarget, value: string) => void;
};

/** «Паспорт» → «паспорт», «Номер ПТС» → «номер ПТС»: the label inside a sentence, acronyms kept. */
const inSentence = (label: string) => (/^[А-ЯЁA-Z]{2}/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1));

/** Asks why (≥ 10 characters, audited), then shows the value in the dialog. */
const RevealDialog = ({ dialog, customerId, target, onRevealed }: RevealProps) => {
  const field = target?.field ?? null;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [value, setValue] = useState<string | null>(null);
  const label: string = field ? REVEAL_LABELS[field] : '';

  const reset = () => {
    setReason('');
    setError(null);
    setFormError(null);
    setValue(null);
    setBusy(false);
  };

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!target || !field || busy) return;
    if (reason.trim().length < REVEAL_REASON_MIN) {
      setError(`Причина — не короче ${REVEAL_REASON_MIN} символов: её прочтут при проверке журнала аудита.`);
      document.getElementById('reveal-reason')?.focus();
      return;
    }
    setError(null);
    setFormError(null);
    setBusy(true);
    try {
      const reply = await staffApi.reveal(customerId, field, reason.trim(), target.applicationId);
      const shown = reply.value ?? 'нет данных';
      setValue(shown);
      onRevealed(target, shown);
      window.requestAnimationFrame(() => document.getElementById('reveal-value')?.focus());
    } catch (failure) {
      if (failure instanceof ApiError && failure.fields?.reason) {
        setError(failure.fields.reason);
        document.getElementById('reveal-reason')?.focus();
      } else {
        setFormError(failure instanceof ApiError && failure.status === 403 ? 'Нет доступа к этим данным.' : errorMessage(failure));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="confirm-dialog staff-dialog" aria-labelledby="reveal-title" onClose={reset}>
      <h2 id="reveal-title">Показать: {inSentence(label)}</h2>
      {value === null ? (
        <form class="form" onSubmit={(event) => void submit(event)} noValidate>
          <Field id="reveal-reason" label="Причина просмотра" error={error ?? undefined} hint={`Не короче ${REVEAL_REASON_MIN} символов, например: «Клиент звонит, сверяем паспорт».`}>
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                class="input textarea"
                rows={3}
                maxLength={500}
                value={reason}
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => setReason(event.currentTarget.value)}
              />
            )}
          </Field>
          <Alert message={formError} />
          <div class="dialog-actions dialog-actions-row">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? 'Запрашиваем…' : 'Показать'}
            </button>
            <button type="button" class="btn btn-secondary" onClick={() => dialog.current?.close()}>
              Отмена
            </button>
          </div>
        </form>
      ) : (
        <>
          <p class="staff-reveal-value" id="reveal-value" tabindex={-1} data-testid="revealed-value">
            {value}
          </p>
          <p class="muted small">Просмотр записан в журнал аудита с указанной причиной.</p>
          <div class="dialog-actions">
            <button type="button" class="btn btn-secondary" onClick={() => dialog.current?.close()}>
              Закрыть
            </button>
          </div>
        </>
      )}
    </dialog>
  );
};

const str = (record: Record<string, unknown>, ...keys: string[]) => pick<string>(record, ...keys);
const num = (record: Record<string, unknown>, ...keys: string[]) => {
  const value = pick<unknown>(record, ...keys);
  return typeof value === 'number' ? value : undefined;
};

const Empty = ({ children }: { children: string }) => <p class="muted">{children}</p>;

type SectionsProps = {
  card: CustomerCard;
  me: StaffMe;
  onReveal: (field: VehicleField, applicationId: string) => void;
  revealed: (applicationId: string) => Partial<Record<VehicleField, string>>;
};

const CardSections = ({ card, me, onReveal, revealed }: SectionsProps) => {
  const canTickets = canOpen(me.roles, '/staff/tickets');
  const canReview = canOpen(me.roles, '/staff/applications');
  const vehicles = card.vehicles ?? [];
  return (
    <>
      <section class="card" aria-labelledby="card-applications">
        <h2 id="card-applications" tabindex={-1}>
          Заявки
        </h2>
        {card.applications.length === 0 ? (
          <Empty>Заявок нет.</Empty>
        ) : (
          <TableWrap label="Заявки клиента">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Создана</th>
                  <th scope="col">Продукт</th>
                  <th scope="col" class="num">
                    Сумма
                  </th>
                  <th scope="col">Срок</th>
                  <th scope="col">Статус</th>
                </tr>
              </thead>
              <tbody>
                {card.applications.map((application) => {
                  const product = str(application, 'productCode', 'product');
                  const status = str(application, 'status');
                  const amountKopecks = num(application, 'amountKopecks');
                  return (
                    <tr key={application.id} data-id={application.id}>
                      <td class="nowrap">{formatDateTime(str(application, 'submittedAt', 'createdAt'))}</td>
                      <td>{productName(product)}</td>
                      <td class="num nowrap">{amountKopecks !== undefined ? formatKopecks(amountKopecks) : formatRublesWhole(num(application, 'amountRubles', 'amount'))}</td>
                      <td class="nowrap">{formatProductTerm(product, num(application, 'term'))}</td>
                      <td>
                        {status === 'manual_review' && canReview ? (
                          <Link href={`/staff/applications/${application.id}`}>{labelOf(APPLICATION_STATUS_LABELS, status)}</Link>
                        ) : (
                          labelOf(APPLICATION_STATUS_LABELS, status)
                        )}
                        {num(application, 'offerAmountRubles') !== undefined && num(application, 'offerAmountRubles') !== num(application, 'amountRubles') && (
                          <span class="staff-cell-note"> — {formatRublesWhole(num(application, 'offerAmountRubles'))}</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      <section class="card" aria-labelledby="card-loans">
        <h2 id="card-loans" tabindex={-1}>
          Займы
        </h2>
        {card.loans.length === 0 ? (
          <Empty>Займов нет.</Empty>
        ) : (
          <TableWrap label="Займы клиента">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Договор</th>
                  <th scope="col">Статус</th>
                  <th scope="col" class="num">
                    Выдано
                  </th>
                  <th scope="col" class="num">
                    Долг сегодня
                  </th>
                  <th scope="col">Вернуть до</th>
                </tr>
              </thead>
              <tbody>
                {card.loans.map((loan) => (
                  <tr key={loan.id} data-id={loan.id}>
                    <td class="nowrap">№ {loan.number}</td>
                    <td>{labelOf(LOAN_STATUS_LABELS, loan.status)}</td>
                    <td class="num nowrap">{formatKopecks(loan.principalKopecks)}</td>
                    <td class="num nowrap">{formatKopecks(loan.debtKopecks)}</td>
                    <td class="nowrap">{formatDay(loan.dueDate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      {vehicles.length > 0 && (
        <section class="staff-section" aria-labelledby="card-vehicles">
          <h2 id="card-vehicles" tabindex={-1}>
            Автомобили
          </h2>
          <p class="muted small">Машины по заявкам под залог авто. Номера ПТС и СТС скрыты: «Показать» спросит причину.</p>
          <div class="staff-stack">
            {vehicles.map((vehicle) => (
              <VehicleCard
                key={vehicle.applicationId}
                vehicle={vehicle}
                titleId={`vehicle-${vehicle.applicationId}`}
                onReveal={(field) => onReveal(field, vehicle.applicationId)}
                revealed={revealed(vehicle.applicationId)}
              />
            ))}
          </div>
        </section>
      )}

      <section class="card" aria-labelledby="card-payments">
        <h2 id="card-payments" tabindex={-1}>
          Платежи
        </h2>
        {card.payments.length === 0 ? (
          <Empty>Платежей нет.</Empty>
        ) : (
          <TableWrap label="Платежи клиента">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Создан</th>
                  <th scope="col" class="num">
                    Сумма
                  </th>
                  <th scope="col">Статус</th>
                  <th scope="col">Зачислен</th>
                </tr>
              </thead>
              <tbody>
                {card.payments.map((payment) => (
                  <tr key={payment.id} data-id={payment.id}>
                    <td class="nowrap">{formatDateTime(str(payment, 'createdAt', 'at'))}</td>
                    <td class="num nowrap">{formatKopecks(num(payment, 'amountKopecks'))}</td>
                    <td>{labelOf(PAYMENT_STATUS_LABELS, str(payment, 'status'))}</td>
                    <td class="nowrap">{formatDateTime(str(payment, 'paidAt'))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      <section class="card" aria-labelledby="card-tickets">
        <h2 id="card-tickets" tabindex={-1}>
          Обращения
        </h2>
        {card.tickets.length === 0 ? (
          <Empty>Обращений нет.</Empty>
        ) : (
          <TableWrap label="Обращения клиента">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Тема</th>
                  <th scope="col">Категория</th>
                  <th scope="col">Статус</th>
                  <th scope="col">Обновлено</th>
                </tr>
              </thead>
              <tbody>
                {card.tickets.map((ticket) => {
                  const status = str(ticket, 'status') ?? '';
                  const subject = str(ticket, 'subject') ?? 'Без темы';
                  return (
                    <tr key={ticket.id} data-id={ticket.id}>
                      <td>{canTickets ? <Link href={`/staff/tickets/${ticket.id}`}>{subject}</Link> : subject}</td>
                      <td>{categoryLabel(str(ticket, 'category') ?? '—')}</td>
                      <td>
                        {isTicketStatus(status) ? <Badge tone={STAFF_STATUS_TONES[status]}>{STAFF_STATUS_LABELS[status]}</Badge> : status || '—'}
                      </td>
                      <td class="nowrap">{formatDateTime(str(ticket, 'updatedAt', 'createdAt'))}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      <section class="card" aria-labelledby="card-consents">
        <h2 id="card-consents" tabindex={-1}>
          Согласия
        </h2>
        {card.consents.length === 0 ? (
          <Empty>Согласий нет.</Empty>
        ) : (
          <TableWrap label="Согласия клиента">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Согласие</th>
                  <th scope="col">Дано</th>
                  <th scope="col">Отозвано</th>
                </tr>
              </thead>
              <tbody>
                {card.consents.map((consent, index) => (
                  <tr key={`${consent.kind}-${index}`}>
                    <td>{labelOf(CONSENT_LABELS, consent.kind)}</td>
                    <td class="nowrap">{formatDateTime(consent.grantedAt)}</td>
                    <td class="nowrap">{consent.withdrawnAt ? formatDateTime(consent.withdrawnAt) : 'действует'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      <section class="card" aria-labelledby="card-history">
        <h2 id="card-history" tabindex={-1}>
          История
        </h2>
        <p class="muted small">Последние 50 операций.</p>
        {card.history.length === 0 ? (
          <Empty>Операций нет.</Empty>
        ) : (
          <TableWrap label="История операций клиента">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Когда</th>
                  <th scope="col">Операция</th>
                  <th scope="col" class="num">
                    Сумма
                  </th>
                  <th scope="col">Статус</th>
                </tr>
              </thead>
              <tbody>
                {card.history.map((operation) => (
                  <tr key={operation.id} data-id={operation.id}>
                    <td class="nowrap">{formatDateTime(str(operation, 'at', 'createdAt'))}</td>
                    <td>{str(operation, 'title', 'type') ?? '—'}</td>
                    <td class="num nowrap">{formatKopecks(num(operation, 'amountKopecks'))}</td>
                    <td>{str(operation, 'status') ? statusText(str(operation, 'status') as string) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
};
