/**
 * `/staff/retention` (compliance only; SECURITY.md PD-7, PD-8; docs/backoffice.md «Deletion
 * requests»): deleted accounts and what is kept of them — when the data without a legal basis was or
 * will be destroyed, what is on hold and until when — and the acts of each destruction and purge
 * (`?tab=acts`). `/staff/retention/:customerId` shows the held records of one deleted customer; each
 * look is written to the audit log by the server.
 */
import type { TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Field } from '../../components/fields';
import { useDocumentTitle } from '../../lib/hooks';
import { Link, navigate, useRoute } from '../../lib/router';
import { APPLICATION_STATUS_LABELS, CONSENT_LABELS, LOAN_STATUS_LABELS, PAYMENT_STATUS_LABELS, formatDateTime, formatDay, formatKopecks, labelOf } from './format';
import { type CategoryCount, type DeletionAct, type HoldStatus, type RetentionHold, staffApi } from './staff-api';
import { Badge, BackLink, LoadState, TableWrap, useLoad } from './ui';

/** The categories the server's acts and holds name (retention.service.ts), in words. */
export const CATEGORY_LABELS: Record<string, string> = {
  marketing_consents: 'Согласия на рекламу',
  consents_without_basis: 'Согласия без договора',
  sessions: 'Сеансы входа',
  devices: 'Устройства',
  email_address: 'Адрес почты',
  email_confirmations: 'Ссылки подтверждения почты',
  support_tickets: 'Обращения',
  support_messages: 'Сообщения в обращениях',
  support_attachments: 'Файлы в обращениях',
  support_history: 'История: обращения',
  unsigned_applications: 'Анкеты незаключённых заявок',
  unsigned_scoring_checks: 'Проверки незаключённых заявок',
  unsigned_payout_methods: 'Способы выплаты незаключённых заявок',
  unsigned_history: 'История: незаключённые заявки',
  loan_choice: 'Выбранные условия займа',
  login_codes: 'Коды входа',
  code_send_log: 'Журнал отправки кодов',
  code_failures: 'Счётчики неверных кодов',
  sms_outbox: 'Исходящие SMS',
  sandbox_sms: 'SMS тестового шлюза',
  phone: 'Номер телефона',
  loans: 'Займы',
  signed_applications: 'Анкеты заключённых договоров',
  applications: 'Анкеты',
  signatures: 'Подписи договоров',
  addenda: 'Допсоглашения',
  signing_codes: 'Коды подписания',
  payments: 'Платежи',
  payouts: 'Выплаты',
  cash_codes: 'Коды получения наличных',
  payout_methods: 'Способы выплаты',
  scoring_checks: 'Проверки заявок',
  consents: 'Согласия',
  contact_log: 'Журнал контактов',
  operations: 'История операций',
  bonus_points: 'Бонусные баллы',
  phone_hash: 'Хеш номера телефона',
};

const categoryText = (category: string): string => CATEGORY_LABELS[category] ?? category;

const STATUS: Record<HoldStatus, { label: string; tone: string }> = {
  awaiting_destruction: { label: 'Ждёт уничтожения', tone: 'progress' },
  held: { label: 'На хранении', tone: 'neutral' },
  purged: { label: 'Хранение завершено', tone: 'success' },
};

const TABS = [
  { id: 'holds', label: 'Удалённые клиенты', href: '/staff/retention' },
  { id: 'acts', label: 'Акты уничтожения', href: '/staff/retention?tab=acts' },
] as const;

/** «Займы: 1, Подписи договоров: 1» — the categories with rows. */
const countsText = (counts: CategoryCount[] | null): string => {
  const shown = (counts ?? []).filter((c) => c.rows > 0);
  return shown.length ? shown.map((c) => `${categoryText(c.category)}: ${c.rows}`).join(', ') : '—';
};

export const RetentionPage = () => {
  useDocumentTitle('Хранение данных');
  const route = useRoute();
  const tab = route.query.get('tab') === 'acts' ? 'acts' : 'holds';
  return (
    <>
      <h1 class="page-title">Хранение данных удалённых клиентов</h1>
      <p class="lead-small">
        Данные без законного основания уничтожаются не позднее 30 дней после удаления. Займы, идентификация, подписи и платежи хранятся 5 лет после
        окончания отношений, затем уничтожаются. Каждый шаг записан актом и в журнал аудита; каждый просмотр данных — тоже.
      </p>
      <nav class="staff-tabs" aria-label="Разделы хранения">
        <ul>
          {TABS.map((t) => (
            <li key={t.id}>
              <Link href={t.href} aria-current={t.id === tab ? 'page' : undefined}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'acts' ? <ActList /> : <HoldList />}
    </>
  );
};

const HoldList = () => {
  const route = useRoute();
  const phone = route.query.get('phone')?.trim() ?? '';
  const [text, setText] = useState(phone);
  const { state, reload } = useLoad(() => staffApi.retention(phone || undefined), phone);

  const submit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = text.trim();
    navigate(value ? `/staff/retention?phone=${encodeURIComponent(value)}` : '/staff/retention', { replace: true });
  };

  return (
    <section class="staff-section" aria-labelledby="holds-count">
      <form class="card staff-search" role="search" aria-label="Поиск удалённого клиента по номеру" onSubmit={submit} noValidate>
        <Field id="retention-phone" label="Номер телефона" hint="Найдёт удалённого клиента и после того, как номер освобождён">
          {({ id, describedBy }) => (
            <input
              id={id}
              class="input"
              type="search"
              inputMode="tel"
              autocomplete="off"
              value={text}
              aria-describedby={describedBy}
              onInput={(event) => setText(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="btn btn-primary">
          Найти
        </button>
      </form>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем удалённых клиентов…" />
      {state.kind === 'ready' && (
        <>
          <p id="holds-count" class="staff-count" role="status">
            {state.data.length === 0 ? 'Удалённых клиентов нет' : `Всего: ${state.data.length}`}
          </p>
          {state.data.length > 0 && (
            <TableWrap label="Удалённые клиенты">
              <table class="staff-table" data-testid="retention-holds">
                <thead>
                  <tr>
                    <th scope="col">Удалён</th>
                    <th scope="col">Состояние</th>
                    <th scope="col">Уничтожение</th>
                    <th scope="col">Хранится до</th>
                    <th scope="col">На хранении</th>
                    <th scope="col">
                      <span class="sr-only">Открыть</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.map((hold) => (
                    <HoldRow key={hold.customerId} hold={hold} />
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}
    </section>
  );
};

const HoldRow = ({ hold }: { hold: RetentionHold }) => (
  <tr data-id={hold.customerId} data-status={hold.status}>
    <td class="nowrap">{formatDateTime(hold.deletedAt)}</td>
    <td>
      <Badge tone={STATUS[hold.status].tone} status={hold.status}>
        {STATUS[hold.status].label}
      </Badge>
    </td>
    <td class="nowrap">{hold.destroyedAt ? `выполнено ${formatDateTime(hold.destroyedAt)}` : `не позднее ${formatDay(hold.destroyBy)}`}</td>
    <td class="nowrap">{hold.purgedAt ? `завершено ${formatDay(hold.purgedAt)}` : formatDay(hold.purgeAfter)}</td>
    <td>{hold.held ? countsText(hold.held) : 'определится при уничтожении'}</td>
    <td>
      <Link href={`/staff/retention/${hold.customerId}`}>
        Открыть<span class="sr-only"> данные клиента, удалённого {formatDateTime(hold.deletedAt)}</span>
      </Link>
    </td>
  </tr>
);

const ActList = () => {
  const { state, reload } = useLoad(() => staffApi.deletionActs(), 'acts');
  return (
    <section class="staff-section" aria-labelledby="acts-count">
      <LoadState state={state} onRetry={reload} loadingText="Загружаем акты…" />
      {state.kind === 'ready' && (
        <>
          <p id="acts-count" class="staff-count" role="status">
            {state.data.length === 0 ? 'Актов пока нет' : `Всего: ${state.data.length}`}
          </p>
          {state.data.length > 0 && <ActTable acts={state.data} withCustomer />}
        </>
      )}
    </section>
  );
};

const ActTable = ({ acts, withCustomer = false }: { acts: DeletionAct[]; withCustomer?: boolean }) => (
  <TableWrap label="Акты уничтожения">
    <table class="staff-table" data-testid="deletion-acts">
      <thead>
        <tr>
          <th scope="col">Когда</th>
          <th scope="col">Что</th>
          {withCustomer && <th scope="col">Клиент</th>}
          <th scope="col">Уничтожено (строк)</th>
          <th scope="col">Записи журнала аудита</th>
          <th scope="col">Запуск задачи</th>
        </tr>
      </thead>
      <tbody>
        {acts.map((act) => (
          <tr key={act.id} data-id={act.id}>
            <td class="nowrap">{formatDateTime(act.performedAt)}</td>
            <td>{act.kind === 'destruction' ? 'Уничтожение данных без основания' : 'Уничтожение по окончании хранения'}</td>
            {withCustomer && (
              <td>
                <Link href={`/staff/retention/${act.customerId}`}>{act.customerId.slice(0, 8)}</Link>
              </td>
            )}
            <td>{countsText(act.categories)}</td>
            <td>
              <ul class="staff-cell-note">
                {act.auditIds.map((id) => (
                  <li key={id}>
                    <code>{id}</code>
                  </li>
                ))}
              </ul>
            </td>
            <td>
              <code>{act.jobId}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableWrap>
);

export const HeldRecordsPage = ({ customerId }: { customerId: string }) => {
  useDocumentTitle('Данные на хранении');
  const { state, reload } = useLoad(() => staffApi.heldRecords(customerId), customerId);
  return (
    <>
      <BackLink href="/staff/retention">К удалённым клиентам</BackLink>
      <h1 class="page-title">Данные удалённого клиента</h1>
      <p class="lead-small">Просмотр записан в журнал аудита.</p>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем данные на хранении…" />
      {state.kind === 'ready' && (
        <div class="staff-stack">
          <section class="card" aria-labelledby="held-dates">
            <h2 id="held-dates">Сроки</h2>
            <dl class="staff-facts">
              <div>
                <dt>Удалён</dt>
                <dd>{formatDateTime(state.data.hold.deletedAt)}</dd>
              </div>
              <div>
                <dt>Данные без основания</dt>
                <dd>
                  {state.data.hold.destroyedAt
                    ? `уничтожены ${formatDateTime(state.data.hold.destroyedAt)}`
                    : `будут уничтожены не позднее ${formatDay(state.data.hold.destroyBy)}`}
                </dd>
              </div>
              <div>
                <dt>Окончание отношений</dt>
                <dd>{formatDay(state.data.hold.relationshipEnd)}</dd>
              </div>
              <div>
                <dt>Хранение</dt>
                <dd>{state.data.hold.purgedAt ? `завершено ${formatDay(state.data.hold.purgedAt)}` : `до ${formatDay(state.data.hold.purgeAfter)}`}</dd>
              </div>
            </dl>
          </section>
          <section class="card" aria-labelledby="held-applications">
            <h2 id="held-applications">Заявки и идентификация</h2>
            {state.data.applications.length === 0 ? (
              <p class="muted">Нет</p>
            ) : (
              <ul class="staff-list">
                {state.data.applications.map((a) => (
                  <li key={a.id}>
                    <strong>{labelOf(APPLICATION_STATUS_LABELS, a.status)}</strong>, {formatKopecks(a.amountRubles * 100)}, {formatDay(a.createdAt)}
                    {a.identity ? (
                      <span>
                        {' '}
                        — {a.identity.fullName ?? 'ФИО нет'}
                        {a.identity.birthDate ? `, ${formatDay(a.identity.birthDate)}` : ''}
                        {a.identity.passportMasked ? `, паспорт ${a.identity.passportMasked}` : ''}
                      </span>
                    ) : (
                      <span class="muted"> — анкета уничтожена</span>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section class="card" aria-labelledby="held-loans">
            <h2 id="held-loans">Займы, подписи и платежи</h2>
            {state.data.loans.length === 0 ? (
              <p class="muted">Займов не было</p>
            ) : (
              <ul class="staff-list">
                {state.data.loans.map((loan) => {
                  const signature = state.data.signatures.find((s) => s.loanId === loan.id);
                  return (
                    <li key={loan.id}>
                      <strong>№ {loan.number}</strong>, {labelOf(LOAN_STATUS_LABELS, loan.status)}, {formatKopecks(loan.amountKopecks)}; договор от{' '}
                      {formatDay(loan.contractDate)}
                      {loan.closedAt ? `, закрыт ${formatDay(loan.closedAt)}` : ''}
                      {signature && (
                        <span class="muted small">
                          {' '}
                          — подписан {formatDateTime(signature.signedAt)}
                          {signature.phoneMasked ? ` с ${signature.phoneMasked}` : ''}; документ {signature.documentKept ? 'хранится' : 'уничтожен'}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
            {state.data.payments.length > 0 && (
              <>
                <h3>Платежи</h3>
                <ul class="staff-list">
                  {state.data.payments.map((p) => (
                    <li key={p.id}>
                      {formatKopecks(p.amountKopecks)} — {labelOf(PAYMENT_STATUS_LABELS, p.status)}, {formatDateTime(p.paidAt ?? p.createdAt)}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section class="card" aria-labelledby="held-consents">
            <h2 id="held-consents">Согласия и обращения</h2>
            {state.data.consents.length === 0 && state.data.tickets.length === 0 && <p class="muted">Нет</p>}
            <ul class="staff-list">
              {state.data.consents.map((c) => (
                <li key={`${c.kind}-${c.grantedAt}`}>
                  {labelOf(CONSENT_LABELS, c.kind)} (версия {c.documentVersion}), {formatDateTime(c.grantedAt)}
                  {c.withdrawnAt ? `, отозвано ${formatDateTime(c.withdrawnAt)}` : ''}
                </li>
              ))}
              {state.data.tickets.map((t) => (
                <li key={t.id}>
                  Обращение «{t.subject}», {formatDay(t.createdAt)}, сообщений: {t.messages}
                </li>
              ))}
            </ul>
          </section>
          <section class="card" aria-labelledby="held-acts">
            <h2 id="held-acts">Акты</h2>
            {state.data.acts.length === 0 ? <p class="muted">Уничтожение ещё не проводилось</p> : <ActTable acts={state.data.acts} />}
          </section>
        </div>
      )}
    </>
  );
};
