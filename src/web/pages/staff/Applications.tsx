/**
 * Manual review: `/staff/applications`, the queue of applications the robot passed to a person,
 * oldest first; `/staff/applications/:id`, one of them with every check's result (for a car loan,
 * the car with its valuation and photos, and the car checks in words), and the decision —
 * approve (an amount up to the product's maximum, the requested one to start with) or decline, each
 * with a comment. The customer then gets the same SMS, history entry and page as after a robot's.
 */
import type { TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { ApiError, type Application, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { formatInputNumber } from '../../lib/loan-format';
import { Link } from '../../lib/router';
import {
  OUTCOME_LABELS,
  OUTCOME_TONES,
  checkDetailLines,
  checkLabel,
  formatDateTime,
  formatDay,
  formatProductTerm,
  formatRublesWhole,
  parseWholeRubles,
  productName,
  reasonText,
} from './format';
import { type ReviewDetail, type ReviewItem, staffApi } from './staff-api';
import { BackLink, Badge, LoadState, TableWrap, useLoad } from './ui';
import { VehicleCard } from './Vehicle';

export const ApplicationQueue = () => {
  useDocumentTitle('Ручная проверка');
  const { state, reload } = useLoad(() => staffApi.reviewQueue(), 'queue');
  return (
    <>
      <h1 class="page-title">Ручная проверка заявок</h1>
      <p class="lead-small">Заявки, которые робот передал специалисту. Сначала — самые давние.</p>
      <div class="staff-toolbar">
        <button type="button" class="btn btn-secondary btn-small" onClick={reload}>
          Обновить
        </button>
      </div>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем очередь…" />
      {state.kind === 'ready' &&
        (state.data.length === 0 ? (
          <p class="card empty">Очередь пуста: все заявки решены.</p>
        ) : (
          <QueueTable items={state.data} />
        ))}
    </>
  );
};

const QueueTable = ({ items }: { items: ReviewItem[] }) => (
  <TableWrap label="Очередь заявок">
    <table class="staff-table" data-testid="review-queue">
      <caption class="sr-only">Заявки на ручной проверке: {items.length}</caption>
      <thead>
        <tr>
          <th scope="col">Подана</th>
          <th scope="col">Продукт</th>
          <th scope="col" class="num">
            Сумма
          </th>
          <th scope="col">Срок</th>
          <th scope="col">Почему у специалиста</th>
          <th scope="col">
            <span class="sr-only">Открыть</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id} data-id={item.id}>
            <td class="nowrap">{formatDateTime(item.submittedAt ?? item.createdAt)}</td>
            <td>{productName(item.productCode)}</td>
            <td class="num nowrap">{formatRublesWhole(item.amountRubles)}</td>
            <td class="nowrap">{formatProductTerm(item.productCode, item.term)}</td>
            <td>{item.reasons.length ? item.reasons.map(reasonText).join('; ') : '—'}</td>
            <td>
              <Link href={`/staff/applications/${item.id}`}>
                Открыть<span class="sr-only"> заявку от {formatDateTime(item.submittedAt ?? item.createdAt)}</span>
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableWrap>
);

export const ApplicationDetail = ({ id }: { id: string }) => {
  useDocumentTitle('Заявка на проверке');
  const { state, reload } = useLoad(() => staffApi.reviewDetail(id), id);
  const [decided, setDecided] = useState<Application | null>(null);
  return (
    <>
      <BackLink href="/staff/applications">К очереди</BackLink>
      <h1 class="page-title">Заявка на ручной проверке</h1>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем заявку…" />
      {state.kind === 'ready' && (
        <div class="staff-columns">
          <div class="staff-stack">
            <Summary detail={state.data} />
            {state.data.vehicle && <VehicleCard vehicle={state.data.vehicle} titleId="vehicle-title" level={2} />}
            <Checks detail={state.data} />
          </div>
          <div class="staff-stack">
            {decided ? (
              <Outcome application={decided} />
            ) : state.data.status && state.data.status !== 'manual_review' ? (
              <Decided detail={state.data} />
            ) : (
              <DecisionForm detail={state.data} onDecided={setDecided} onStale={reload} />
            )}
          </div>
        </div>
      )}
    </>
  );
};

const Summary = ({ detail }: { detail: ReviewDetail }) => (
  <section class="card" aria-labelledby="summary-title">
    <h2 id="summary-title">Заявитель и займ</h2>
    <dl class="staff-facts">
      <div>
        <dt>ФИО</dt>
        <dd>{detail.applicant.fullName ?? '—'}</dd>
      </div>
      <div>
        <dt>Дата рождения</dt>
        <dd>{formatDay(detail.applicant.birthDate)}</dd>
      </div>
      <div>
        <dt>Паспорт</dt>
        <dd class="nowrap">{detail.applicant.passport ?? '—'}</dd>
      </div>
      <div>
        <dt>Телефон</dt>
        <dd class="nowrap">{detail.applicant.phone}</dd>
      </div>
      <div>
        <dt>Продукт</dt>
        <dd>{productName(detail.productCode)}</dd>
      </div>
      <div>
        <dt>Запрошено</dt>
        <dd data-figure="requested" data-value={detail.amountRubles}>
          {formatRublesWhole(detail.amountRubles)} на {formatProductTerm(detail.productCode, detail.term)}
        </dd>
      </div>
      <div>
        <dt>Доход в месяц</dt>
        <dd>{formatRublesWhole(detail.monthlyIncomeRubles)}</dd>
      </div>
      <div>
        <dt>ПДН</dt>
        <dd>{detail.pdnPercent === null || detail.pdnPercent === undefined ? '—' : `${String(detail.pdnPercent).replace('.', ',')}\u00a0%`}</dd>
      </div>
      <div>
        <dt>Подана</dt>
        <dd>{formatDateTime(detail.submittedAt ?? detail.createdAt)}</dd>
      </div>
      <div>
        <dt>Клиент</dt>
        <dd>
          <Link href={`/staff/customers/${detail.customerId}`}>Карточка клиента</Link>
        </dd>
      </div>
    </dl>
    {detail.reasons.length > 0 && (
      <div class="note">
        <p>
          <strong>Почему у специалиста:</strong> {detail.reasons.map(reasonText).join('; ')}
        </p>
      </div>
    )}
  </section>
);

const Checks = ({ detail }: { detail: ReviewDetail }) => (
  <section class="card" aria-labelledby="checks-title">
    <h2 id="checks-title">Проверки</h2>
    {detail.checks.length === 0 ? (
      <p class="muted">Проверок нет.</p>
    ) : (
      <TableWrap label="Результаты проверок">
        <table class="staff-table" data-testid="checks">
          <thead>
            <tr>
              <th scope="col">Проверка</th>
              <th scope="col">Итог</th>
              <th scope="col">Подробности</th>
            </tr>
          </thead>
          <tbody>
            {detail.checks.map((check, index) => (
              <tr key={`${check.name}-${index}`} data-check={check.name}>
                <td>
                  {checkLabel(check.name)}
                  {check.attempt !== undefined && check.attempt > 1 && <span class="muted small"> (попытка {check.attempt})</span>}
                </td>
                <td>
                  <Badge tone={OUTCOME_TONES[check.outcome] ?? 'neutral'} status={check.outcome}>
                    {OUTCOME_LABELS[check.outcome] ?? check.outcome}
                  </Badge>
                </td>
                <td class="staff-details">
                  {checkDetailLines(check.name, check.details).map((line) => (
                    <span key={line} class="staff-detail-line">
                      {line}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    )}
  </section>
);

/** An application no longer waiting: who decided it and what (a robot's or a colleague's). */
const Decided = ({ detail }: { detail: ReviewDetail }) => (
  <section class="card" aria-labelledby="decision-title" data-testid="decided">
    <h2 id="decision-title">Решение уже принято</h2>
    <p>
      {detail.status === 'approved' || detail.status === 'signed'
        ? `Одобрено${detail.offerAmountRubles ? `: ${formatRublesWhole(detail.offerAmountRubles)}` : ''}.`
        : detail.status === 'declined'
          ? `Отказ${detail.reapplyAfter ? `; новая заявка — с ${formatDay(detail.reapplyAfter)}` : ''}.`
          : `Статус заявки: ${detail.status ?? '—'}.`}
    </p>
    <p class="muted">
      {detail.decidedBy ? `Решил(а): ${detail.decidedBy.fullName}` : 'Решение принял робот'}
      {detail.decidedAt ? `, ${formatDateTime(detail.decidedAt)}` : ''}.
    </p>
  </section>
);

const COMMENT_MIN = 3;

type Errors = { amount?: string; comment?: string; declineComment?: string; valuation?: string };

/** The most an underwriter may approve: the requested amount, within the product's maximum. */
const approvalMax = (detail: ReviewDetail): number =>
  detail.maxAmountRubles ? Math.min(detail.amountRubles, detail.maxAmountRubles) : detail.amountRubles;

const amountHint = (detail: ReviewDetail): string =>
  [
    `Максимум — ${formatRublesWhole(approvalMax(detail))} (запрошено клиентом)`,
    detail.minAmountRubles ? `по продукту — от ${formatRublesWhole(detail.minAmountRubles)} до ${formatRublesWhole(detail.maxAmountRubles)}` : null,
    detail.amountStepRubles && detail.amountStepRubles > 1 ? `шаг ${formatRublesWhole(detail.amountStepRubles)}` : null,
  ]
    .filter(Boolean)
    .join('; ');

/** A car the valuation service could not value: the underwriter gives the valuation (the contract states it). */
const needsValuation = (detail: ReviewDetail): boolean => detail.vehicle !== null && detail.vehicle !== undefined && detail.vehicle.valuation === null;

const DecisionForm = ({ detail, onDecided, onStale }: { detail: ReviewDetail; onDecided: (application: Application) => void; onStale: () => void }) => {
  const [amount, setAmount] = useState(formatInputNumber(approvalMax(detail)));
  const [valuation, setValuation] = useState('');
  const [comment, setComment] = useState('');
  const [declineComment, setDeclineComment] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'approve' | 'decline' | null>(null);

  const focus = (id: string) => window.requestAnimationFrame(() => document.getElementById(id)?.focus());

  const send = async (kind: 'approve' | 'decline', amountRubles: number | null) => {
    setBusy(kind);
    setFormError(null);
    try {
      const body =
        kind === 'approve'
          ? {
              decision: 'approve' as const,
              amountRubles: amountRubles ?? 0,
              comment: comment.trim(),
              ...(needsValuation(detail) ? { valuationRubles: parseWholeRubles(valuation) ?? 0 } : {}),
            }
          : { decision: 'decline' as const, comment: declineComment.trim() };
      onDecided(await staffApi.decide(detail.id, body));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Decided by a colleague, or the loan cannot be priced today: the server says which.
        setFormError(error.message);
        if (/уже принято/.test(error.message)) onStale();
      } else if (error instanceof ApiError && error.fields) {
        const fields = error.fields;
        setErrors(
          kind === 'approve'
            ? { amount: fields.amountRubles, comment: fields.comment, valuation: fields.valuationRubles }
            : { declineComment: fields.comment },
        );
        setFormError(fields.amountRubles || fields.comment || fields.valuationRubles ? null : errorMessage(error));
      } else {
        setFormError(errorMessage(error));
      }
      setBusy(null);
    }
  };

  const approve = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const rubles = parseWholeRubles(amount);
    const found: Errors = {};
    if (amount.trim() === '') found.amount = 'Введите сумму одобрения.';
    else if (rubles === null) found.amount = 'Сумма — целое число рублей, например 50 000.';
    else if (rubles <= 0) found.amount = 'Сумма должна быть больше нуля.';
    else if (rubles > approvalMax(detail)) found.amount = `Не больше ${formatRublesWhole(approvalMax(detail))}: больше запрошенного одобрить нельзя.`;
    else if (detail.minAmountRubles && rubles < detail.minAmountRubles) found.amount = `Не меньше ${formatRublesWhole(detail.minAmountRubles)}: это минимум продукта.`;
    else if (
      rubles !== detail.amountRubles &&
      detail.amountStepRubles &&
      detail.amountStepRubles > 1 &&
      (rubles - (detail.minAmountRubles ?? 0)) % detail.amountStepRubles !== 0
    )
      found.amount = `Сумма — с шагом ${formatRublesWhole(detail.amountStepRubles)} (или ровно запрошенная).`;
    if (needsValuation(detail) && !((parseWholeRubles(valuation) ?? 0) > 0)) found.valuation = 'Укажите оценку автомобиля в рублях: сервис оценки её не дал.';
    if (comment.trim().length < COMMENT_MIN) found.comment = 'Напишите комментарий к решению (хотя бы несколько слов).';
    setErrors(found);
    if (found.amount || found.valuation || found.comment) {
      focus(found.amount ? 'decision-amount' : found.valuation ? 'decision-valuation' : 'decision-comment');
      return;
    }
    void send('approve', rubles);
  };

  const decline = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    if (declineComment.trim().length < COMMENT_MIN) {
      setErrors({ declineComment: 'Напишите, почему отказ: комментарий увидят коллеги и аудит, не клиент.' });
      focus('decision-decline-comment');
      return;
    }
    setErrors({});
    void send('decline', null);
  };

  return (
    <section class="card" aria-labelledby="decision-title">
      <h2 id="decision-title">Решение</h2>
      <form class="form staff-form" onSubmit={approve} noValidate aria-labelledby="approve-title">
        <h3 id="approve-title">Одобрить</h3>
        <Field id="decision-amount" label="Сумма, ₽" error={errors.amount} hint={amountHint(detail)}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input input-amount"
              type="text"
              inputmode="numeric"
              autocomplete="off"
              value={amount}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => setAmount(event.currentTarget.value)}
            />
          )}
        </Field>
        {needsValuation(detail) && (
          <Field id="decision-valuation" label="Оценка автомобиля, ₽" error={errors.valuation} hint="Сервис оценки не дал цену: сумма займа — не больше установленной доли этой оценки">
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input input-amount"
                type="text"
                inputmode="numeric"
                autocomplete="off"
                value={valuation}
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => setValuation(event.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <Field id="decision-comment" label="Комментарий к одобрению" error={errors.comment} hint="Для коллег и аудита; клиент его не увидит">
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={2}
              maxLength={2000}
              value={comment}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => setComment(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="btn btn-primary" disabled={busy !== null}>
          {busy === 'approve' ? 'Одобряем…' : 'Одобрить'}
        </button>
      </form>
      <form class="form staff-form staff-form-separated" onSubmit={decline} noValidate aria-labelledby="decline-title">
        <h3 id="decline-title">Отказать</h3>
        <Field id="decision-decline-comment" label="Причина отказа" error={errors.declineComment} hint="Клиент увидит только отказ и дату, с которой можно подать новую заявку">
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={2}
              maxLength={2000}
              value={declineComment}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => setDeclineComment(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="btn btn-secondary btn-danger" disabled={busy !== null}>
          {busy === 'decline' ? 'Отказываем…' : 'Отказать'}
        </button>
      </form>
      <Alert message={formError} />
    </section>
  );
};

/** What the customer now sees: the offer or the decline with the reapply date. */
const Outcome = ({ application }: { application: Application }) => {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
  <section class="card" aria-labelledby="decision-title" data-testid="decision-outcome" data-status={application.status}>
    <h2 id="decision-title" tabindex={-1} ref={heading}>
      {application.status === 'approved' ? 'Заявка одобрена' : application.status === 'declined' ? 'В заявке отказано' : 'Решение записано'}
    </h2>
    {application.status === 'approved' && application.offer && (
      <p>
        Предложение клиенту: {formatRublesWhole(application.offer.amount)} на {formatProductTerm(application.offer.product, application.offer.term)}.
      </p>
    )}
    {application.status === 'declined' && application.reapplyAfter && <p>Новую заявку клиент сможет подать с {formatDay(application.reapplyAfter)}.</p>}
    <p class="muted">Клиенту отправлено SMS, решение появилось в его личном кабинете.</p>
    <Link href="/staff/applications">К очереди</Link>
  </section>
  );
};
