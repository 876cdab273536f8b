/**
 * Repayments on the loan page: paying (in full or a part, by card or СБП, on the acquirer's page),
 * the payment's outcome after the way back (`?payment=<id>`), and the loan's payments with receipts.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { FigureList } from '../../components/FigureList';
import { InputField, RadioGroup } from '../../components/fields';
import { formatRubles } from '../../../core/money';
import { ApiError, type Loan, type Payment, type PaymentMethod, api, errorMessage, fieldError, receiptPdfUrl } from '../../lib/api';
import { checkPaymentAmount } from '../../lib/amount';
import { forgetIntentKey, intentKey } from '../../lib/intent-key';
import { formatMoscowDateTime } from '../../lib/loan-format';
import { PAYMENT_METHOD_LABELS, PAYMENT_STATUS_LABELS, PAYMENT_STATUS_TONES } from '../../lib/loan-status';
import { Link, navigate } from '../../lib/router';

/** After the way back, the payment is asked for this often while the bank's notice is processed. */
export const PAYMENT_POLL_MS = 1000;
/** …and for this long, before the page says it will be credited once the bank confirms. */
export const PAYMENT_POLL_LIMIT_MS = 60_000;

const METHOD_OPTIONS: { value: PaymentMethod; label: string }[] = [
  { value: 'card', label: 'Банковской картой' },
  { value: 'sbp', label: 'Через СБП — в приложении банка' },
];

/** Moves keyboard and screen-reader focus to an element after the next paint (a step changed). */
export const focusSoon = (selector: string) =>
  window.requestAnimationFrame(() => {
    const target = document.querySelector<HTMLElement>(selector);
    if (!target) return;
    if (target.tabIndex < 0 && !/^(INPUT|SELECT|BUTTON|TEXTAREA|A)$/.test(target.tagName)) target.tabIndex = -1;
    target.focus();
  });

/**
 * Leaves for the acquirer's page; without one (not created there yet) shows the payment's state
 * here, at the top of the page, with focus on it (the forms below are drawn anew).
 */
export const goToPayment = (loanId: string, paymentId: string, confirmationUrl: string | null) => {
  if (confirmationUrl) {
    window.location.assign(confirmationUrl);
    return;
  }
  navigate(`/loans/${loanId}?payment=${encodeURIComponent(paymentId)}`);
  focusSoon('#payment-outcome-title');
  window.scrollTo(0, 0);
};

type Mode = 'full' | 'part';

/** «Погасить полностью» or «Внести часть», then the method, then the acquirer's page. */
export const PayCard = ({ loan, onStale }: { loan: Loan; onStale: () => void }) => {
  const [mode, setMode] = useState<Mode | null>(null);
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string | undefined>(undefined);
  const [method, setMethod] = useState<PaymentMethod>('card');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const amountRef = useRef<HTMLInputElement>(null);
  const debt = loan.debt.totalKopecks;

  const choose = (next: Mode | null) => {
    setMode(next);
    setError(null);
    setAmountError(undefined);
    focusSoon(next === 'part' ? '#pay-amount' : next === 'full' ? '#pay-step-title' : '#pay-title');
  };

  const refuseAmount = (message: string) => {
    setAmountError(message);
    amountRef.current?.focus();
  };

  const pay = async (event: Event) => {
    event.preventDefault();
    if (busy || mode === null) return;
    setError(null);
    let amountKopecks = debt;
    if (mode === 'part') {
      const checked = checkPaymentAmount(amount, debt);
      if ('error' in checked) {
        refuseAmount(checked.error);
        return;
      }
      amountKopecks = checked.kopecks;
    }
    setAmountError(undefined);
    setBusy(true);
    const body = { amountKopecks, method };
    const intent = `${amountKopecks}:${method}`;
    try {
      let started;
      try {
        started = await api.startPayment(loan.id, intentKey(loan.id, intent), body);
      } catch (failure) {
        // The kept key was used with another body (another tab, an old reload): a new intent.
        if (!(failure instanceof ApiError && failure.status === 422)) throw failure;
        forgetIntentKey(loan.id);
        started = await api.startPayment(loan.id, intentKey(loan.id, intent), body);
      }
      forgetIntentKey(loan.id);
      goToPayment(loan.id, started.paymentId, started.confirmationUrl);
      // The page is leaving for the acquirer's: the button stays busy.
      return;
    } catch (failure) {
      const message = fieldError(failure, 'amountKopecks');
      if (message && mode === 'part') refuseAmount(message);
      else setError(message ?? errorMessage(failure));
      // The debt changed since the page was loaded (another payment, a new day): show today's.
      if (message) onStale();
    }
    setBusy(false);
  };

  return (
    <section class="card pay-card" aria-labelledby="pay-title">
      <h2 id="pay-title">Погасить займ</h2>
      {mode === null ? (
        <>
          <p>
            Для полного погашения сегодня нужно <strong class="nowrap">{formatRubles(debt)}</strong>. Можно внести и часть: платёж
            сначала гасит проценты, затем основной долг.
          </p>
          <div class="pay-actions">
            <button type="button" class="btn btn-primary btn-block" onClick={() => choose('full')}>
              Погасить полностью
            </button>
            <button type="button" class="btn btn-secondary btn-block" onClick={() => choose('part')}>
              Внести часть
            </button>
          </div>
        </>
      ) : (
        <form class="pay-form" onSubmit={(event) => void pay(event)} noValidate>
          <h3 id="pay-step-title">{mode === 'full' ? 'Полное погашение' : 'Частичный платёж'}</h3>
          {mode === 'full' ? (
            <p>
              К оплате: <strong class="nowrap" data-figure="pay-amount" data-kopecks={debt}>{formatRubles(debt)}</strong> — долг на
              сегодня. После оплаты займ будет закрыт.
            </p>
          ) : (
            <InputField
              id="pay-amount"
              label="Сумма платежа, ₽"
              hint={`От 1 ₽ до ${formatRubles(debt)}, например 3000 или 2500,50`}
              error={amountError}
              value={amount}
              inputMode="decimal"
              maxLength={16}
              size="input-amount"
              inputRef={amountRef}
              onInput={(input) => setAmount(input.value)}
            />
          )}
          <RadioGroup
            id="pay-method"
            name="pay-method"
            legend="Способ оплаты"
            options={METHOD_OPTIONS}
            value={method}
            onValue={(value) => setMethod(value as PaymentMethod)}
          />
          <p class="muted small">Оплата — на защищённой странице платёжного сервиса. Данные карты мы не видим и не храним.</p>
          <Alert message={error} />
          <p class="sr-only" role="status">
            {busy ? 'Создаём платёж…' : ''}
          </p>
          <div class="pay-actions">
            <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
              {busy ? 'Создаём платёж…' : 'Перейти к оплате'}
            </button>
            <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => choose(null)}>
              Назад
            </button>
          </div>
        </form>
      )}
    </section>
  );
};

type Outcome =
  | { kind: 'checking'; payment: Payment | null }
  | { kind: 'settled'; payment: Payment }
  | { kind: 'slow'; payment: Payment | null }
  | { kind: 'missing' };

/**
 * Back from the acquirer's page: the payment may still be pending for a moment (the bank's notice
 * is processed by a job), so it is asked for every second, for a minute at most; then its outcome,
 * with what it paid and the receipt.
 */
export const PaymentOutcome = ({ paymentId, loanId, onSettled }: { paymentId: string; loanId: string; onSettled: (payment: Payment) => void }) => {
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'checking', payment: null });
  const [round, setRound] = useState(0);
  const settled = useRef(onSettled);
  settled.current = onSettled;

  useEffect(() => {
    let active = true;
    let timer = 0;
    const startedAt = Date.now();
    setOutcome((previous) => ({ kind: 'checking', payment: 'payment' in previous ? previous.payment : null }));
    const ask = () => {
      api
        .payment(paymentId)
        .then((payment) => {
          if (!active) return;
          if (payment.loanId !== loanId) {
            setOutcome({ kind: 'missing' });
            return;
          }
          if (payment.status === 'succeeded' || payment.status === 'canceled') {
            setOutcome({ kind: 'settled', payment });
            settled.current(payment);
            return;
          }
          next(payment);
        })
        .catch((error: unknown) => {
          if (!active) return;
          if (error instanceof ApiError && error.status === 404) setOutcome({ kind: 'missing' });
          else next(null);
        });
    };
    const next = (payment: Payment | null) => {
      if (Date.now() - startedAt >= PAYMENT_POLL_LIMIT_MS) {
        setOutcome((previous) => ({ kind: 'slow', payment: payment ?? ('payment' in previous ? previous.payment : null) }));
        return;
      }
      if (payment) setOutcome({ kind: 'checking', payment });
      timer = window.setTimeout(ask, PAYMENT_POLL_MS);
    };
    ask();
    return () => {
      active = false;
      window.clearTimeout(timer);
    };
  }, [paymentId, round]);

  const payment = outcome.kind === 'missing' ? null : outcome.payment;
  return (
    <section class="card payment-outcome" aria-labelledby="payment-outcome-title" data-status={payment?.status ?? 'unknown'}>
      <h2 id="payment-outcome-title">Платёж{payment ? ` ${formatRubles(payment.amountKopecks)}` : ''}</h2>
      <div role="status" class="payment-outcome-status">
        {outcome.kind === 'checking' && (
          <>
            <p>Проверяем платёж…</p>
            <progress class="loan-progress" aria-label="Проверяем платёж" />
          </>
        )}
        {outcome.kind === 'slow' && (
          <p>
            Банк ещё не подтвердил платёж. Он будет зачислен, как только банк подтвердит его, — мы пришлём SMS. Если деньги
            не списались, платёж можно повторить.
          </p>
        )}
        {outcome.kind === 'missing' && <p>Платёж не найден. Все платежи по займу — ниже на этой странице.</p>}
        {outcome.kind === 'settled' && outcome.payment.status === 'succeeded' && <p class="payment-done">Платёж зачислен</p>}
        {outcome.kind === 'settled' && outcome.payment.status === 'canceled' && (
          <p>Платёж не прошёл: деньги не списаны. Попробуйте ещё раз или выберите другой способ.</p>
        )}
      </div>
      {outcome.kind === 'slow' && (
        <button type="button" class="btn btn-secondary btn-block" onClick={() => setRound((n) => n + 1)}>
          Проверить ещё раз
        </button>
      )}
      {outcome.kind === 'settled' && outcome.payment.status === 'succeeded' && <PaidDetails payment={outcome.payment} />}
    </section>
  );
};

/** What a credited payment paid, and its receipt. */
const PaidDetails = ({ payment }: { payment: Payment }) => {
  const allocation = payment.allocation;
  return (
    <>
      {allocation && (
        <>
          <h3>Из чего состоял платёж</h3>
          <FigureList
            class="facts facts-grid allocation"
            figures={[
              allocation.interestKopecks > 0 && { label: 'Проценты', name: 'paid-interest', kopecks: allocation.interestKopecks },
              allocation.principalKopecks > 0 && { label: 'Основной долг', name: 'paid-principal', kopecks: allocation.principalKopecks },
              allocation.penaltyKopecks > 0 && { label: 'Неустойка', name: 'paid-penalty', kopecks: allocation.penaltyKopecks },
              allocation.overpaymentKopecks > 0 && { label: 'Переплата', name: 'paid-overpayment', kopecks: allocation.overpaymentKopecks },
            ]}
          />
        </>
      )}
      <ReceiptLink payment={payment} />
    </>
  );
};

const ReceiptLink = ({ payment }: { payment: Payment }) => (
  <a class="btn btn-secondary btn-block" href={receiptPdfUrl(payment.id)} target="_blank" rel="noopener">
    Квитанция (PDF)<span class="sr-only"> о платеже {formatRubles(payment.amountKopecks)} от {formatMoscowDateTime(payment.createdAt)}</span>
  </a>
);

/** The loan's payments, newest first: amount, when, how, status; a receipt once credited. */
export const PaymentsList = ({ payments, failed, onRetry }: { payments: Payment[] | null; failed: boolean; onRetry: () => void }) => (
  <section class="card" aria-labelledby="payments-title">
    <h2 id="payments-title">Платежи</h2>
    {payments === null ? (
      failed ? (
        <Alert message="Не удалось загрузить платежи. Проверьте подключение к интернету.">
          <button type="button" class="btn btn-secondary" onClick={onRetry}>
            Повторить
          </button>
        </Alert>
      ) : (
        <p class="muted">Загружаем платежи…</p>
      )
    ) : payments.length === 0 ? (
      <p class="muted">Платежей пока нет.</p>
    ) : (
      <ul class="item-list">
        {payments.map((payment) => (
          <li key={payment.id} class="list-item payment-item" data-id={payment.id} data-status={payment.status}>
            <div class="list-item-head">
              <strong class="nowrap">{formatRubles(payment.amountKopecks)}</strong>
              <span class={`badge badge-${PAYMENT_STATUS_TONES[payment.status]}`}>{PAYMENT_STATUS_LABELS[payment.status]}</span>
            </div>
            <p class="muted small">
              {formatMoscowDateTime(payment.createdAt)} · {PAYMENT_METHOD_LABELS[payment.method]}
            </p>
            {payment.status === 'succeeded' && <ReceiptLink payment={payment} />}
            {payment.status === 'pending' && payment.confirmationUrl && (
              <a class="btn btn-secondary btn-block" href={payment.confirmationUrl}>
                Оплатить<span class="sr-only"> платёж {formatRubles(payment.amountKopecks)}</span>
              </a>
            )}
          </li>
        ))}
      </ul>
    )}
    <p>
      <Link href="/history">Вся история операций</Link>
    </p>
  </section>
);
