/**
 * «Бонусные баллы» on the loan page of an active loan: the balance and «Списать баллы» — points pay
 * the interest due today (1 балл = 1 ₽), never the principal. The server takes no more than the
 * balance and the whole rubles of interest; the page shows what it took and the new debt.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { InputField, keepOnly } from '../../components/fields';
import { EARN_PERCENT, POINT_KOPECKS, pointsText } from '../../../core/bonus';
import { formatRubles } from '../../../core/money';
import { ApiError, type Loan, errorMessage, fieldError, request } from '../../lib/api';
import { forgetIntentKey, intentKey } from '../../lib/intent-key';

type BonusSummary = { balancePoints: number; pointKopecks: number };
type SpendReply = { spentPoints: number; writtenOffKopecks: number; balancePoints: number; debt: Loan['debt'] };

export const loadBonus = () => request<BonusSummary>('GET', '/api/bonus');
const spendPoints = (loanId: string, points: number, idempotencyKey: string) =>
  request<SpendReply>('POST', `/api/loans/${encodeURIComponent(loanId)}/bonus`, { points }, { 'Idempotency-Key': idempotencyKey });

type Balance = { kind: 'loading' } | { kind: 'ready'; points: number } | { kind: 'failed'; message: string };

export const BonusSpend = ({ loan, onSpent }: { loan: Loan; onSpent: () => void }) => {
  const [balance, setBalance] = useState<Balance>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SpendReply | null>(null);
  const amountRef = useRef<HTMLInputElement>(null);
  const scope = `bonus:${loan.id}`;

  useEffect(() => {
    let active = true;
    loadBonus()
      .then((summary) => {
        if (active) setBalance({ kind: 'ready', points: summary.balancePoints });
      })
      .catch((failure: unknown) => {
        if (active) setBalance({ kind: 'failed', message: errorMessage(failure) });
      });
    return () => {
      active = false;
    };
  }, [attempt]);

  const points = balance.kind === 'ready' ? balance.points : 0;
  // What can go today: the balance, and no more than the whole rubles of interest due.
  const usable = Math.min(points, Math.floor(loan.debt.interestKopecks / POINT_KOPECKS));

  const refuse = (message: string) => {
    setAmountError(message);
    amountRef.current?.focus();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    setResult(null);
    const wanted = Number(amount);
    if (amount.trim() === '' || !Number.isSafeInteger(wanted) || wanted < 1) {
      refuse('Укажите целое число баллов, от 1.');
      return;
    }
    if (wanted > usable) {
      refuse(`Сейчас можно списать не больше ${pointsText(usable)}.`);
      return;
    }
    setAmountError(undefined);
    setBusy(true);
    try {
      let reply: SpendReply;
      try {
        reply = await spendPoints(loan.id, wanted, intentKey(scope, String(wanted)));
      } catch (failure) {
        // The kept key was used with another amount (another tab): this is a new intent.
        if (!(failure instanceof ApiError && failure.status === 422)) throw failure;
        forgetIntentKey(scope);
        reply = await spendPoints(loan.id, wanted, intentKey(scope, String(wanted)));
      }
      forgetIntentKey(scope);
      setResult(reply);
      setBalance({ kind: 'ready', points: reply.balancePoints });
      setAmount('');
      onSpent();
    } catch (failure) {
      const message = fieldError(failure, 'points');
      if (message) refuse(message);
      else setError(errorMessage(failure));
      // Balance or interest changed under the form (a conflict): show today's.
      if (failure instanceof ApiError && failure.status === 409) {
        setAttempt((n) => n + 1);
        onSpent();
      }
    }
    setBusy(false);
  };

  return (
    <section class="card bonus-card" aria-labelledby="bonus-title" aria-busy={balance.kind === 'loading'}>
      <h2 id="bonus-title">Бонусные баллы</h2>
      {balance.kind === 'loading' && (
        <p class="muted" role="status">
          Загружаем баллы…
        </p>
      )}
      {balance.kind === 'failed' && (
        <Alert message={`Баллы не загрузились: ${balance.message}`}>
          <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
            Повторить
          </button>
        </Alert>
      )}
      {balance.kind === 'ready' && (
        <>
          <p data-figure="bonus-balance" data-value={points}>
            На счёте: <strong class="nowrap">{pointsText(points)}</strong>. 1&nbsp;балл = 1&nbsp;₽ в оплату процентов.
          </p>
          <p class="sr-only" role="status">
            {busy ? 'Списываем баллы…' : ''}
          </p>
          <div aria-live="polite">
            {result && (
              <p class="note" data-testid="bonus-result">
                Списано {pointsText(result.spentPoints)}: проценты уменьшены на{' '}
                <strong class="nowrap">{formatRubles(result.writtenOffKopecks)}</strong>. Долг на сегодня —{' '}
                <strong class="nowrap">{formatRubles(result.debt.totalKopecks)}</strong>.
              </p>
            )}
          </div>
          {points === 0 ? (
            <p class="muted small">
              Баллы начисляются, когда займ погашен в срок: {EARN_PERCENT}&nbsp;% от уплаченных процентов. Действуют 12 месяцев.
            </p>
          ) : usable === 0 ? (
            <p class="muted small">Проценты на сегодня уже оплачены — списывать баллы пока не на что.</p>
          ) : (
            <form class="bonus-form" onSubmit={(event) => void submit(event)} noValidate>
              <InputField
                id="bonus-points"
                label="Сколько баллов списать"
                hint={`От 1 до ${usable}: баллы гасят только проценты, не основной долг.`}
                error={amountError}
                value={amount}
                inputMode="numeric"
                maxLength={7}
                size="input-amount"
                inputRef={amountRef}
                onInput={(input) => setAmount(keepOnly(input, /\D/g))}
              />
              <Alert message={error} />
              <div class="pay-actions">
                <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
                  {busy ? 'Списываем…' : 'Списать баллы'}
                </button>
                <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => setAmount(String(usable))}>
                  Все доступные: {usable}
                </button>
              </div>
            </form>
          )}
        </>
      )}
    </section>
  );
};
