/**
 * `/loans/:id`, loaded on demand (a dynamic `import()` in App.tsx): a signed loan. While the money
 * is on its way the page asks every 1.5 s; during the cooling-off it counts down to the payout and
 * offers a free refusal; once active it shows what to return, when, and (for cash) the transfer code.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { LoadStatus } from '../../components/LoadStatus';
import { Alert } from '../../components/Alert';
import { Layout } from '../../components/Layout';
import { formatRubles } from '../../../core/money';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { ApiError, type Loan, api, errorMessage, loanContractPdfUrl } from '../../lib/api';
import { useDocumentTitle, useSecondsLeft } from '../../lib/hooks';
import { LOAN_STATUS_LABELS, LOAN_STATUS_TONES, formatHms } from '../../lib/loan-status';
import { formatDate, formatPskPercent } from '../../lib/loan-format';
import { Link, navigate } from '../../lib/router';
import './loans.css';

/** While the payout is on its way, the page asks this often. */
export const POLL_MS = 1500;
/** During the cooling-off nothing changes until the payout time (or a refusal in another tab). */
const COOLING_POLL_MS = 30_000;

const loginFor = (path: string) => `/login?next=${encodeURIComponent(path)}`;
const productName = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)?.name ?? code;

type State = { kind: 'loading' } | { kind: 'ready'; loan: Loan } | { kind: 'missing' } | { kind: 'failed'; message: string };

export const LoanPages = ({ path }: { path: string }) => {
  const id = path.slice('/loans/'.length);
  if (!/^[0-9a-f-]{36}$/i.test(id)) return <Missing />;
  return <LoanPage key={id} id={id} />;
};

const CabinetLink = () => (
  <Link href="/cabinet" class="btn btn-secondary btn-header">
    Личный кабинет
  </Link>
);

const LoanPage = ({ id }: { id: string }) => {
  useDocumentTitle('Заём');
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [failures, setFailures] = useState(0);
  const loan = state.kind === 'ready' ? state.loan : null;
  const payoutAt = loan?.status === 'cooling_off' ? Date.parse(loan.payoutAt) : null;
  const payoutLeft = useSecondsLeft(payoutAt);

  useEffect(() => {
    let active = true;
    api
      .loan(id)
      .then((fresh) => {
        if (active) setState({ kind: 'ready', loan: fresh });
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) navigate(loginFor(`/loans/${id}`), { replace: true });
        else if (error instanceof ApiError && error.status === 404) setState({ kind: 'missing' });
        else setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [id, attempt]);

  // Ask again while something is about to change: the payout in progress, or the cooling-off ending.
  const isWaiting = loan?.status === 'disbursing' || loan?.status === 'cooling_off';
  const isDue = loan?.status === 'cooling_off' && payoutLeft === 0;
  useEffect(() => {
    if (!loan || !isWaiting) return;
    let active = true;
    const delay = loan.status === 'disbursing' || isDue ? POLL_MS : COOLING_POLL_MS;
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
          if (error instanceof ApiError && error.status === 401) navigate(loginFor(`/loans/${id}`), { replace: true });
          else setFailures((n) => n + 1);
        });
    }, delay);
    return () => {
      active = false;
      window.clearTimeout(timer);
    };
  }, [loan, failures, isDue]);

  if (state.kind === 'missing') return <Missing />;

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow loan-page">
        <h1 class="page-title">Заём</h1>
        <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} />
        {loan && (
          <LoanDetails
            loan={loan}
            payoutLeft={payoutLeft}
            offline={failures >= 3}
            onLoan={(fresh) => setState({ kind: 'ready', loan: fresh })}
          />
        )}
      </div>
    </Layout>
  );
};

type DetailsProps = { loan: Loan; payoutLeft: number; offline: boolean; onLoan: (loan: Loan) => void };

const LoanDetails = ({ loan, payoutLeft, offline, onLoan }: DetailsProps) => (
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
    </section>

    {loan.status === 'active' && loan.payoutType === 'cash' && loan.cashCode && <CashCode code={loan.cashCode} />}

    <section class="card" aria-labelledby="loan-terms-title">
      <h2 id="loan-terms-title">Условия</h2>
      <dl class="facts facts-grid">
        <div>
          <dt>Сумма</dt>
          <dd data-figure="amount" data-kopecks={loan.amountKopecks}>
            {formatRubles(loan.amountKopecks)}
          </dd>
        </div>
        <div>
          <dt>Вернуть всего</dt>
          <dd data-figure="total" data-kopecks={loan.totalKopecks}>
            {formatRubles(loan.totalKopecks)}
          </dd>
        </div>
        <div>
          <dt>Дата возврата</dt>
          <dd data-figure="return-date" data-value={loan.returnDate}>
            {formatDate(loan.returnDate)}
          </dd>
        </div>
        <div>
          <dt>ПСК</dt>
          <dd data-figure="psk" data-value={loan.pskPercent}>
            {formatPskPercent(loan.pskPercent)}
          </dd>
        </div>
        <div>
          <dt>Договор от</dt>
          <dd>{formatDate(loan.contractDate)}</dd>
        </div>
        <div>
          <dt>Получение</dt>
          <dd>{loan.payoutType === 'cash' ? 'Наличные, «Золотая Корона»' : loan.payoutType === 'sbp' ? 'СБП' : loan.payoutType}</dd>
        </div>
      </dl>
      <a class="btn btn-secondary btn-block" href={loanContractPdfUrl(loan.id)} target="_blank" rel="noopener">
        Договор (PDF)
      </a>
    </section>

    {loan.schedule.length > 0 && loan.status !== 'refused' && (
      <section class="card" aria-labelledby="loan-schedule-title">
        <h2 id="loan-schedule-title">График платежей</h2>
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="loan-schedule-title">
          <table class="schedule">
            <thead>
              <tr>
                <th scope="col">Дата</th>
                <th scope="col">Платёж</th>
                <th scope="col">Долг</th>
                <th scope="col">Проценты</th>
              </tr>
            </thead>
            <tbody>
              {loan.schedule.map((line) => (
                <tr key={line.date}>
                  <td>{formatDate(line.date)}</td>
                  <td class="num">{formatRubles(line.totalKopecks)}</td>
                  <td class="num">{formatRubles(line.principalKopecks)}</td>
                  <td class="num">{formatRubles(line.interestKopecks)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    )}
  </div>
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
      return <p>Заём погашен. Спасибо!</p>;
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
