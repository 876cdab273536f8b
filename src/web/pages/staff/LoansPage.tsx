/**
 * `/staff/loans?tab=…`: the collections' three lists — overdue loans, repayments the acquirer has not
 * confirmed yet (to reconcile), and payouts that failed, each with «Повторить выплату» for an
 * administrator (the server lets only them).
 */
import { useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { formatInteger } from '../../lib/loan-format';
import { Link, useRoute } from '../../lib/router';
import { PAYMENT_STATUS_LABELS, formatDateTime, formatDay, formatKopecks, isAdmin, labelOf, pick } from './format';
import { type StaffMe, type WorkRow, staffApi } from './staff-api';
import { LoadState, Notice, TableWrap, useLoad } from './ui';

const TABS = [
  { id: 'overdue', label: 'Просроченные займы' },
  { id: 'payments', label: 'Платежи на сверке' },
  { id: 'payouts', label: 'Неудачные выплаты' },
] as const;
type Tab = (typeof TABS)[number]['id'];

const PAYOUT_LABELS: Record<string, string> = { cash: 'Наличные', sbp: 'СБП', card: 'Карта', wallet: 'ЮMoney' };
const METHOD_LABELS: Record<string, string> = { card: 'Картой', sbp: 'СБП' };

const text = (row: WorkRow, ...keys: string[]) => {
  const value = pick<unknown>(row, ...keys);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};
const kopecks = (row: WorkRow, ...keys: string[]) => {
  const value = pick<unknown>(row, ...keys);
  return typeof value === 'number' ? value : undefined;
};
const customerOf = (row: WorkRow) => {
  const nested = pick<Record<string, unknown>>(row, 'customer');
  const id = text(row, 'customerId') ?? (nested ? text(nested, 'id') : undefined);
  const name = text(row, 'fullName', 'customerName') ?? (nested ? text(nested, 'fullName', 'phoneMasked') : undefined) ?? text(row, 'phoneMasked');
  return { id, name: name ?? (id ? 'Карточка клиента' : '—') };
};
const loanNumber = (row: WorkRow) => text(row, 'number', 'loanNumber', 'contractNumber');
const loanIdOf = (row: WorkRow) => text(row, 'loanId', 'id');

const CustomerCell = ({ row }: { row: WorkRow }) => {
  const customer = customerOf(row);
  return <td>{customer.id ? <Link href={`/staff/customers/${customer.id}`}>{customer.name}</Link> : customer.name}</td>;
};

export const LoansPage = ({ me }: { me: StaffMe }) => {
  useDocumentTitle('Займы и платежи');
  const route = useRoute();
  const requested = route.query.get('tab');
  const tab: Tab = TABS.some((t) => t.id === requested) ? (requested as Tab) : 'overdue';
  return (
    <>
      <h1 class="page-title">Займы и платежи</h1>
      <nav class="staff-tabs" aria-label="Списки">
        <ul>
          {TABS.map((t) => (
            <li key={t.id}>
              <Link href={t.id === 'overdue' ? '/staff/loans' : `/staff/loans?tab=${t.id}`} aria-current={t.id === tab ? 'page' : undefined}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'overdue' && <Overdue />}
      {tab === 'payments' && <PendingPayments />}
      {tab === 'payouts' && <FailedPayouts admin={isAdmin(me.roles)} />}
    </>
  );
};

const Count = ({ id, count, none }: { id: string; count: number; none: string }) => (
  <p id={id} class="staff-count" role="status">
    {count === 0 ? none : `Всего: ${formatInteger(count)}`}
  </p>
);

const Overdue = () => {
  const { state, reload } = useLoad(() => staffApi.overdueLoans(), 'overdue');
  return (
    <section class="staff-section" aria-labelledby="overdue-count">
      <LoadState state={state} onRetry={reload} loadingText="Загружаем просроченные займы…" />
      {state.kind === 'ready' && (
        <>
          <Count id="overdue-count" count={state.data.length} none="Просроченных займов нет" />
          {state.data.length > 0 && (
            <TableWrap label="Просроченные займы">
              <table class="staff-table" data-testid="overdue-loans">
                <thead>
                  <tr>
                    <th scope="col">Договор</th>
                    <th scope="col">Клиент</th>
                    <th scope="col" class="num">
                      Долг
                    </th>
                    <th scope="col">Срок возврата</th>
                    <th scope="col" class="num">
                      Дней просрочки
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.map((row, index) => (
                    <tr key={loanIdOf(row) ?? index}>
                      <td class="nowrap">{loanNumber(row) ? `№ ${loanNumber(row)}` : '—'}</td>
                      <CustomerCell row={row} />
                      <td class="num nowrap">{formatKopecks(kopecks(row, 'debtKopecks', 'totalDebtKopecks'))}</td>
                      <td class="nowrap">{formatDay(text(row, 'dueDate'))}</td>
                      <td class="num">{text(row, 'daysOverdue', 'overdueDays') ?? '—'}</td>
                    </tr>
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

const PendingPayments = () => {
  const { state, reload } = useLoad(() => staffApi.pendingPayments(), 'payments');
  return (
    <section class="staff-section" aria-labelledby="payments-count">
      <p class="lead-small">Платежи, по которым эквайер ещё не прислал итог: сверьте их с выпиской.</p>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем платежи…" />
      {state.kind === 'ready' && (
        <>
          <Count id="payments-count" count={state.data.length} none="Платежей на сверке нет" />
          {state.data.length > 0 && (
            <TableWrap label="Платежи на сверке">
              <table class="staff-table" data-testid="pending-payments">
                <thead>
                  <tr>
                    <th scope="col">Создан</th>
                    <th scope="col" class="num">
                      Сумма
                    </th>
                    <th scope="col">Статус</th>
                    <th scope="col">Способ</th>
                    <th scope="col">Договор</th>
                    <th scope="col">Клиент</th>
                    <th scope="col" class="num">
                      Ждёт, мин
                    </th>
                    <th scope="col">Платёж у эквайера</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.map((row, index) => (
                    <tr key={text(row, 'id') ?? index}>
                      <td class="nowrap">{formatDateTime(text(row, 'createdAt'))}</td>
                      <td class="num nowrap">{formatKopecks(kopecks(row, 'amountKopecks'))}</td>
                      <td>{labelOf(PAYMENT_STATUS_LABELS, text(row, 'status'))}</td>
                      <td>{labelOf(METHOD_LABELS, text(row, 'method'))}</td>
                      <td class="nowrap">{text(row, 'loanNumber', 'number') ? `№ ${text(row, 'loanNumber', 'number')}` : '—'}</td>
                      <CustomerCell row={row} />
                      <td class="num">{text(row, 'minutesWaiting') ?? '—'}</td>
                      <td class="staff-mono">
                        {text(row, 'provider') ? `${text(row, 'provider')}: ` : ''}
                        {text(row, 'providerPaymentId', 'externalId') ?? 'ещё нет'}
                      </td>
                    </tr>
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

const FailedPayouts = ({ admin }: { admin: boolean }) => {
  const { state, reload } = useLoad(() => staffApi.failedPayouts(), 'payouts');
  const [target, setTarget] = useState<WorkRow | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const ask = (row: WorkRow) => {
    setTarget(row);
    setError(null);
    dialog.current?.showModal();
  };

  const retry = async () => {
    const loanId = target ? text(target, 'loanId', 'id') : undefined;
    if (!target || !loanId || busy) return;
    setBusy(true);
    setError(null);
    try {
      await staffApi.retryPayout(loanId);
      dialog.current?.close();
      setNotice(`Выплата по договору ${loanNumber(target) ? `№ ${loanNumber(target)}` : ''} поставлена в очередь ещё раз.`);
      reload();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="staff-section" aria-labelledby="payouts-count">
      {!admin && <p class="lead-small">Повторить выплату может только администратор.</p>}
      <Notice message={notice} />
      <LoadState state={state} onRetry={reload} loadingText="Загружаем выплаты…" />
      {state.kind === 'ready' && (
        <>
          <Count id="payouts-count" count={state.data.length} none="Неудачных выплат нет" />
          {state.data.length > 0 && (
            <TableWrap label="Неудачные выплаты">
              <table class="staff-table" data-testid="failed-payouts">
                <thead>
                  <tr>
                    <th scope="col">Договор</th>
                    <th scope="col">Клиент</th>
                    <th scope="col" class="num">
                      Сумма
                    </th>
                    <th scope="col">Способ</th>
                    <th scope="col">Подписан</th>
                    <th scope="col" class="num">
                      Попыток
                    </th>
                    <th scope="col">Ошибка</th>
                    {admin && (
                      <th scope="col">
                        <span class="sr-only">Действие</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {state.data.map((row, index) => (
                    <tr key={loanIdOf(row) ?? index}>
                      <td class="nowrap">{loanNumber(row) ? `№ ${loanNumber(row)}` : '—'}</td>
                      <CustomerCell row={row} />
                      <td class="num nowrap">{formatKopecks(kopecks(row, 'amountKopecks', 'principalKopecks'))}</td>
                      <td>{labelOf(PAYOUT_LABELS, text(row, 'payoutType', 'method', 'type'))}</td>
                      <td class="nowrap">{formatDateTime(text(row, 'signedAt', 'createdAt'))}</td>
                      <td class="num">{text(row, 'attempts') ?? '—'}</td>
                      <td>{text(row, 'error', 'reason', 'lastError', 'failureReason') ?? '—'}</td>
                      {admin && (
                        <td>
                          <button type="button" class="btn btn-secondary btn-small" onClick={() => ask(row)}>
                            Повторить выплату<span class="sr-only"> по договору {loanNumber(row) ?? ''}</span>
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}
      <dialog ref={dialog} class="confirm-dialog staff-dialog" aria-labelledby="retry-title">
        <h2 id="retry-title">Повторить выплату?</h2>
        <p>
          {target && loanNumber(target) ? `Договор № ${loanNumber(target)}, ` : ''}
          {target ? formatKopecks(kopecks(target, 'amountKopecks', 'principalKopecks')) : ''}. Деньги уйдут клиенту тем же способом; действие записывается в журнал аудита.
        </p>
        <Alert message={error} />
        <div class="dialog-actions dialog-actions-row">
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void retry()}>
            {busy ? 'Отправляем…' : 'Повторить выплату'}
          </button>
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => dialog.current?.close()}>
            Отмена
          </button>
        </div>
      </dialog>
    </section>
  );
};
