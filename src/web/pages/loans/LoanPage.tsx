/**
 * `/loans/:id`, loaded on demand (a dynamic `import()` in App.tsx): a signed loan. While the money
 * is on its way the page asks every 1.5 s; during the cooling-off it counts down to the payout and
 * offers a free refusal; once active it shows (for cash) the transfer code, today's debt, the cost
 * meter, paying it back, the prolongation and the payments; closed, the closing certificate.
 * Back from the acquirer's page (`?payment=<id>`) it shows that payment's outcome first.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { LoadStatus } from '../../components/LoadStatus';
import { Alert } from '../../components/Alert';
import { FigureList } from '../../components/FigureList';
import { CabinetLink, Layout } from '../../components/Layout';
import { moscowDate } from '../../../core/dates';
import { formatRubles } from '../../../core/money';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { ApiError, type Loan, type Payment, api, closingCertificatePdfUrl, errorMessage, loanContractPdfUrl } from '../../lib/api';
import { useBackForwardRestore, useDocumentTitle, useSecondsLeft } from '../../lib/hooks';
import { LOAN_STATUS_LABELS, LOAN_STATUS_TONES, SCHEDULE_STATUS_LABELS, SCHEDULE_STATUS_TONES, formatHms } from '../../lib/loan-status';
import { formatCapPercent, formatDate, formatDaysLeft, formatPskPercent } from '../../lib/loan-format';
import { Link, navigate, useRoute } from '../../lib/router';
import { PayCard, PaymentOutcome, PaymentsList } from './Payments';
import { ProlongationCard } from './Prolongation';
import { BonusSpend } from './BonusSpend';
import { PledgeStatus } from './PledgeStatus';
import './loans.css';

/** While the payout is on its way, the page asks this often. */
export const POLL_MS = 1500;
/** During the cooling-off nothing changes until the payout time (or a refusal in another tab). */
const COOLING_POLL_MS = 30_000;
/** While the pledge is being registered or released (a job, usually seconds): asked this often at first… */
const PLEDGE_POLL_MS = 3000;
/** …and this often once it has taken longer than PLEDGE_FAST_FOR_MS (the registry may be slow; a release has 3 working days). */
const PLEDGE_SLOW_POLL_MS = 30_000;
const PLEDGE_FAST_FOR_MS = 2 * 60_000;

const loginFor = (path: string) => `/login?next=${encodeURIComponent(path)}`;
const productName = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)?.name ?? code;

type State = { kind: 'loading' } | { kind: 'ready'; loan: Loan } | { kind: 'missing' } | { kind: 'failed'; message: string };

export const LoanPages = ({ path }: { path: string }) => {
  const id = path.slice('/loans/'.length);
  if (!/^[0-9a-f-]{36}$/i.test(id)) return <Missing />;
  return <LoanPage key={id} id={id} />;
};

/** A loan that is (or was) being repaid: it has a debt, payments, maybe a closing certificate. */
const isServiced = (loan: Loan) => loan.status === 'active' || loan.status === 'closed';

const LoanPage = ({ id }: { id: string }) => {
  useDocumentTitle('Заём');
  const route = useRoute();
  const returnedPayment = route.query.get('payment');
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [failures, setFailures] = useState(0);
  const [payments, setPayments] = useState<Payment[] | null>(null);
  const [paymentsFailed, setPaymentsFailed] = useState(false);
  const [paymentsRound, setPaymentsRound] = useState(0);
  // Back from the acquirer's page by the Back button, the page comes as it was left (a busy
  // «Создаём платёж…»): the forms are drawn anew, as they are when a payment is shown here.
  const [generation, setGeneration] = useState(0);
  const loan = state.kind === 'ready' ? state.loan : null;
  const payoutAt = loan?.status === 'cooling_off' ? Date.parse(loan.payoutAt) : null;
  const payoutLeft = useSecondsLeft(payoutAt);
  const serviced = loan !== null && isServiced(loan);

  const goLogin = () => navigate(loginFor(window.location.pathname + window.location.search), { replace: true });

  useEffect(() => {
    let active = true;
    api
      .loan(id)
      .then((fresh) => {
        if (active) setState({ kind: 'ready', loan: fresh });
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) goLogin();
        else if (error instanceof ApiError && error.status === 404) setState({ kind: 'missing' });
        // A refresh that fails keeps the figures already shown (the next one may succeed).
        else setState((previous) => (previous.kind === 'ready' ? previous : { kind: 'failed', message: errorMessage(error) }));
      });
    return () => {
      active = false;
    };
  }, [id, attempt]);

  // The payments of a loan being repaid: again whenever a payment settles or the loan changes state.
  useEffect(() => {
    if (!serviced) return;
    let active = true;
    api
      .loanPayments(id)
      .then((list) => {
        if (!active) return;
        setPayments(list);
        setPaymentsFailed(false);
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) goLogin();
        else setPaymentsFailed(true);
      });
    return () => {
      active = false;
    };
  }, [id, serviced, loan?.status, paymentsRound]);

  // Ask again while something is about to change: the payout in progress, the cooling-off ending,
  // the pledge being registered or released.
  const isPledgeMoving = loan?.pledge?.status === 'registering' || loan?.pledge?.status === 'releasing';
  const isWaiting = loan?.status === 'disbursing' || loan?.status === 'cooling_off' || isPledgeMoving;
  const isDue = loan?.status === 'cooling_off' && payoutLeft === 0;
  const pledgeSince = useRef<number | null>(null);
  if (!isPledgeMoving) pledgeSince.current = null;
  else pledgeSince.current ??= Date.now();
  useEffect(() => {
    if (!loan || !isWaiting) return;
    let active = true;
    const pledgeDelay = Date.now() - (pledgeSince.current ?? Date.now()) > PLEDGE_FAST_FOR_MS ? PLEDGE_SLOW_POLL_MS : PLEDGE_POLL_MS;
    const delay = loan.status === 'disbursing' || isDue ? POLL_MS : isPledgeMoving ? pledgeDelay : COOLING_POLL_MS;
    const timer = window.setTimeout(() => {
      api
        .loan(id)
        .then((fresh) => {
          if (!active) return;
          setFailures(0);
          setState({ kind: 'ready', loan: fresh });
        })
        .catch((error: unknown) => {
          if (!active) return;
          if (error instanceof ApiError && error.status === 401) goLogin();
          else setFailures((n) => n + 1);
        });
    }, delay);
    return () => {
      active = false;
      window.clearTimeout(timer);
    };
  }, [loan, failures, isDue]);

  /** Today's figures again (a payment settled, the debt changed under the form). */
  const refresh = () => {
    setAttempt((n) => n + 1);
    setPaymentsRound((n) => n + 1);
  };
  useBackForwardRestore(() => {
    setGeneration((n) => n + 1);
    refresh();
  });

  if (state.kind === 'missing') return <Missing />;

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow loan-page">
        <h1 class="page-title">Заём</h1>
        <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} />
        {returnedPayment && /^[0-9a-f-]{36}$/i.test(returnedPayment) && (state.kind === 'ready' || state.kind === 'loading') && (
          <div class="cards">
            <PaymentOutcome key={returnedPayment} paymentId={returnedPayment} loanId={id} onSettled={refresh} />
          </div>
        )}
        {loan && (
          <LoanDetails
            key={`${generation}:${returnedPayment ?? ''}`}
            loan={loan}
            payoutLeft={payoutLeft}
            offline={failures >= 3}
            payments={payments}
            paymentsFailed={paymentsFailed}
            onLoan={(fresh) => setState({ kind: 'ready', loan: fresh })}
            onStale={refresh}
          />
        )}
      </div>
    </Layout>
  );
};

type DetailsProps = {
  loan: Loan;
  payoutLeft: number;
  offline: boolean;
  payments: Payment[] | null;
  paymentsFailed: boolean;
  onLoan: (loan: Loan) => void;
  onStale: () => void;
};

const PAYOUT_LABELS: Record<string, string> = {
  cash: 'Наличные, «Золотая Корона»',
  sbp: 'СБП',
  card: 'На карту',
  wallet: 'На кошелёк ЮMoney',
};

const LoanDetails = ({ loan, payoutLeft, offline, payments, paymentsFailed, onLoan, onStale }: DetailsProps) => (
  <div class="cards">
    <section class="card" aria-labelledby="loan-status-title">
      <h2 id="loan-status-title">
        {productName(loan.product)}: {formatRubles(loan.amountKopecks)}
      </h2>
      <div aria-live="polite" class="loan-status">
        <p>
          Статус:{' '}
          <span class={`badge badge-${LOAN_STATUS_TONES[loan.status]}`} data-status={loan.status} data-testid="loan-status">
            {LOAN_STATUS_LABELS[loan.status]}
          </span>
        </p>
        <StatusNote loan={loan} payoutLeft={payoutLeft} />
      </div>
      {offline && (
        <p class="muted" role="status">
          Нет связи с сервером. Пробуем снова — о выплате мы также сообщим по SMS.
        </p>
      )}
      {loan.status === 'cooling_off' && loan.canRefuse && <Refuse loan={loan} onLoan={onLoan} />}
      {loan.status === 'closed' && (
        <a class="btn btn-primary btn-block" href={closingCertificatePdfUrl(loan.id)} target="_blank" rel="noopener">
          Справка о погашении (PDF)
        </a>
      )}
      {isServiced(loan) && loan.overpaymentKopecks > 0 && (
        <p class="note" data-figure="overpayment-held" data-kopecks={loan.overpaymentKopecks}>
          Переплата {formatRubles(loan.overpaymentKopecks)}: эти деньги ваши. Чтобы их вернуть, напишите в поддержку.
        </p>
      )}
    </section>

    {loan.pledge && <PledgeStatus pledge={loan.pledge} />}

    {loan.status === 'active' && loan.payoutType === 'cash' && loan.cashCode && <CashCode code={loan.cashCode} />}

    {loan.status === 'active' && (
      <>
        <DebtCard loan={loan} />
        {loan.debt.totalKopecks > 0 && <PayCard loan={loan} onStale={onStale} />}
        {loan.debt.totalKopecks > 0 && <BonusSpend loan={loan} onSpent={onStale} />}
        <CostMeterCard loan={loan} />
        {loan.schedule.length === 1 && loan.debt.totalKopecks > 0 && <ProlongationCard loan={loan} />}
      </>
    )}

    {isServiced(loan) && <PaymentsList payments={payments} failed={paymentsFailed} onRetry={onStale} />}

    <section class="card" aria-labelledby="loan-terms-title">
      <h2 id="loan-terms-title">Условия</h2>
      <FigureList
        class="facts facts-grid"
        figures={[
          { label: 'Сумма', name: 'amount', kopecks: loan.amountKopecks },
          { label: 'Вернуть всего', name: 'total', kopecks: loan.totalKopecks },
          { label: 'Дата возврата по договору', name: 'return-date', date: loan.returnDate },
          { label: 'ПСК', name: 'psk', value: loan.pskPercent, content: formatPskPercent(loan.pskPercent) },
          { label: 'Договор от', date: loan.contractDate },
          { label: 'Получение', value: PAYOUT_LABELS[loan.payoutType] ?? loan.payoutType },
        ]}
      />
      <a class="btn btn-secondary btn-block" href={loanContractPdfUrl(loan.id)} target="_blank" rel="noopener">
        Договор (PDF)
      </a>
    </section>

    {loan.schedule.length > 0 && loan.status !== 'refused' && loan.status !== 'payout_failed' && <ScheduleCard loan={loan} />}
  </div>
);

/** What is owed today, by part, and the due date with the days left (or overdue, highlighted). */
const DebtCard = ({ loan }: { loan: Loan }) => (
  <section class="card debt-card" aria-labelledby="debt-title">
    <h2 id="debt-title">Долг на сегодня</h2>
    <FigureList
      class="facts facts-grid debt-figures"
      figures={[
        { label: 'Основной долг', name: 'debt-principal', kopecks: loan.debt.principalKopecks },
        { label: 'Проценты', name: 'debt-interest', kopecks: loan.debt.interestKopecks },
        { label: 'Неустойка', name: 'debt-penalty', kopecks: loan.debt.penaltyKopecks },
        { label: 'Итого', name: 'debt-total', kopecks: loan.debt.totalKopecks, class: 'debt-total' },
      ]}
    />
    <p class={loan.overdue ? 'due due-overdue note note-danger' : 'due'} data-figure="due-date" data-value={loan.dueDate} data-days-left={loan.daysLeft}>
      {loan.overdue ? (
        <>
          <span class="badge badge-danger">{formatDaysLeft(loan.daysLeft)}</span> Вернуть нужно было до{' '}
          <strong class="nowrap">{formatDate(loan.dueDate)}</strong>: каждый день начисляется неустойка.
        </>
      ) : (
        <>
          Вернуть до <strong class="nowrap">{formatDate(loan.dueDate)}</strong> — {formatDaysLeft(loan.daysLeft)}
        </>
      )}
    </p>
  </section>
);

/**
 * The cost meter: what closes the loan today, what it will take on the due date, and the most it
 * can ever cost — the legal cap on interest and penalties, so the borrower sees the debt cannot grow forever.
 */
const CostMeterCard = ({ loan }: { loan: Loan }) => {
  const meter = loan.costMeter;
  return (
    <section class="card cost-meter" aria-labelledby="cost-title">
      <h2 id="cost-title">Сколько стоит займ</h2>
      <FigureList
        class="cost-figures"
        figures={[
          { label: 'Погасить сегодня', name: 'pay-today', kopecks: meter.payTodayKopecks },
          meter.payByDueDateKopecks !== null && {
            label: `В дату возврата, ${formatDate(loan.dueDate)}`,
            name: 'pay-by-due-date',
            kopecks: meter.payByDueDateKopecks,
          },
          meter.legalMaximumKopecks !== null && {
            label: 'Предел по закону',
            name: 'legal-maximum',
            kopecks: meter.legalMaximumKopecks,
            content: (
              <>
                Больше <span class="nowrap">{formatRubles(meter.legalMaximumKopecks)}</span> не будет никогда
              </>
            ),
          },
        ]}
      />
      {meter.capKopecks !== null && (
        <p class="muted small">
          Проценты и неустойка перестают начисляться, когда их сумма достигает {formatCapPercent(meter.capKopecks, loan.amountKopecks)} суммы
          займа.
        </p>
      )}
    </section>
  );
};

/** The contract's instalments with where each stands. */
const ScheduleCard = ({ loan }: { loan: Loan }) => (
  <section class="card" aria-labelledby="loan-schedule-title">
    <h2 id="loan-schedule-title">График платежей</h2>
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="loan-schedule-title">
      <table class="schedule">
        <thead>
          <tr>
            <th scope="col">Дата</th>
            <th scope="col">Статус</th>
            <th scope="col">Платёж</th>
            <th scope="col">Долг</th>
            <th scope="col">Проценты</th>
          </tr>
        </thead>
        <tbody>
          {loan.schedule.map((line) => (
            <tr key={line.date} data-status={line.status}>
              <td>{formatDate(line.date)}</td>
              <td>
                <span class={`badge badge-${SCHEDULE_STATUS_TONES[line.status]}`}>{SCHEDULE_STATUS_LABELS[line.status]}</span>
              </td>
              <td class="num">{formatRubles(line.totalKopecks)}</td>
              <td class="num">{formatRubles(line.principalKopecks)}</td>
              <td class="num">{formatRubles(line.interestKopecks)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </section>
);

const StatusNote = ({ loan, payoutLeft }: { loan: Loan; payoutLeft: number }) => {
  switch (loan.status) {
    case 'disbursing':
      return (
        <>
          <progress class="loan-progress" aria-label="Выплата займа" />
          <p>Отправляем деньги. Обычно это занимает несколько секунд — страница обновится сама.</p>
        </>
      );
    case 'cooling_off':
      return payoutLeft > 0 ? (
        <p>
          Деньги придут через{' '}
          <span class="nowrap" role="timer" data-testid="payout-countdown">
            {formatHms(payoutLeft)}
          </span>
          . До этого можно бесплатно отказаться от займа.
        </p>
      ) : (
        <p>Начинаем выплату…</p>
      );
    case 'active':
      return loan.payoutType === 'cash' ? (
        <p>Деньги ждут вас в любом пункте «Золотой Короны»: назовите код перевода и покажите паспорт.</p>
      ) : (
        <p>Деньги отправлены на ваш счёт.</p>
      );
    case 'refused':
      return <p>Вы отказались от займа. Деньги не выдавались, платить ничего не нужно.</p>;
    case 'payout_failed':
      return <p>Не удалось выплатить деньги. Платить ничего не нужно; мы свяжемся с вами по SMS.</p>;
    case 'closed':
      return (
        <p>
          <strong>Займ погашен</strong>
          {loan.closedAt ? (
            <>
              {' '}
              <span data-figure="closed-at" data-value={loan.closedAt}>
                {formatDate(moscowDate(new Date(loan.closedAt)))}
              </span>
            </>
          ) : (
            '.'
          )}{' '}
          Спасибо! Справка о погашении подтверждает, что долга нет.
        </p>
      );
  }
};

/** The cash transfer code: large, spaced for reading aloud, with a copy button. */
const CashCode = ({ code }: { code: string }) => {
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied('Код скопирован');
    } catch {
      setCopied('Не удалось скопировать — выделите код и скопируйте вручную.');
    }
  };
  return (
    <section class="card" aria-labelledby="cash-code-title">
      <h2 id="cash-code-title">Код перевода</h2>
      <p class="cash-code" data-testid="cash-code" data-value={code}>
        {code.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3')}
      </p>
      <button type="button" class="btn btn-secondary btn-block" onClick={() => void copy()}>
        Скопировать код
      </button>
      <p class="muted small" role="status">
        {copied}
      </p>
    </section>
  );
};

/** «Отказаться от займа» with a confirmation: a modal `<dialog>` (focus kept inside, Esc closes). */
const Refuse = ({ loan, onLoan }: { loan: Loan; onLoan: (loan: Loan) => void }) => {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refuse = async () => {
    setBusy(true);
    setError(null);
    try {
      const fresh = await api.refuseLoan(loan.id);
      dialog.current?.close();
      onLoan(fresh);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" class="btn btn-secondary btn-block" onClick={() => dialog.current?.showModal()}>
        Отказаться от займа
      </button>
      <dialog ref={dialog} class="confirm-dialog" aria-labelledby="refuse-title">
        <h2 id="refuse-title">Отказаться от займа?</h2>
        <p>Деньги не будут выплачены, платить ничего не нужно. Отменить отказ нельзя — понадобится новая заявка.</p>
        <Alert message={error} />
        <div class="dialog-actions">
          <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void refuse()}>
            {busy ? 'Отказываемся…' : 'Да, отказаться'}
          </button>
          <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => dialog.current?.close()}>
            Нет, оставить заём
          </button>
        </div>
      </dialog>
    </>
  );
};

const Missing = () => {
  useDocumentTitle('Заём не найден');
  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow">
        <div class="card">
          <h1>Заём не найден</h1>
          <p>Возможно, ссылка устарела или в ней опечатка. Все ваши займы — в личном кабинете.</p>
          <Link href="/cabinet" class="btn btn-primary btn-block">
            В личный кабинет
          </Link>
        </div>
      </div>
    </Layout>
  );
};
