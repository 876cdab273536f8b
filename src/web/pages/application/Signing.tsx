/**
 * `/application/:id/sign`: after an approval, how to receive the money (cash or СБП), then the
 * contract exactly as it will be signed (key facts first, the ПСК in a framed box), then the SMS
 * code. A signed contract becomes a loan: the page continues to `/loans/:loanId`.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { LoadStatus } from '../../components/LoadStatus';
import { Alert } from '../../components/Alert';
import { Layout } from '../../components/Layout';
import { formatRubles } from '../../../core/money';
import {
  ApiError,
  type Application,
  type Bank,
  type Contract,
  type PayoutChoice,
  api,
  errorMessage,
} from '../../lib/api';
import { formatSeconds, useDocumentTitle, useSecondsLeft } from '../../lib/hooks';
import { formatDate, formatPskPercent, pluralRu } from '../../lib/loan-format';
import { Link, navigate } from '../../lib/router';

const CODE_LENGTH = 6;
const loginFor = (path: string) => `/login?next=${encodeURIComponent(path)}`;
const deadlineIn = (seconds: number) => Date.now() + seconds * 1000;

/** The first failing field's message, else the error's own. */
const fieldOrMessage = (error: unknown, field: string): string =>
  error instanceof ApiError && error.fields?.[field] ? error.fields[field] : errorMessage(error);

type PageState =
  | { kind: 'loading' }
  | { kind: 'ready'; application: Application }
  | { kind: 'missing' }
  | { kind: 'failed'; message: string };

/** The chosen way to receive the money, once the server accepted it. */
type Payout = { type: 'cash' } | { type: 'sbp'; bank: string; recipientName: string };

export const SigningPage = ({ id }: { id: string }) => {
  useDocumentTitle('Получение денег');
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [payout, setPayout] = useState<Payout | null>(null);

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    api
      .application(id)
      .then((application) => {
        if (!active) return;
        // Only an approved application is signed here; anything else is shown on its own page.
        if (application.status !== 'approved' && application.status !== 'signed') {
          navigate(`/application/${id}`, { replace: true });
          return;
        }
        setState({ kind: 'ready', application });
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) navigate(loginFor(`/application/${id}/sign`), { replace: true });
        else if (error instanceof ApiError && error.status === 404) setState({ kind: 'missing' });
        else setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [id, attempt]);

  /** Moves focus to the new step's heading, as a page change would. */
  const focusStep = () =>
    window.requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('#sign-step-title');
      if (!heading) return;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    });

  return (
    <Layout
      headerActions={
        <Link href="/cabinet" class="btn btn-secondary btn-header">
          Личный кабинет
        </Link>
      }
    >
      <div class="container narrow signing">
        <h1 class="page-title">Получение денег</h1>
        <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} />
        {state.kind === 'missing' && (
          <div class="card">
            <p>Заявка не найдена. Возможно, ссылка устарела или в ней опечатка.</p>
            <Link href="/cabinet" class="btn btn-primary btn-block">
              В личный кабинет
            </Link>
          </div>
        )}
        {state.kind === 'ready' && state.application.status === 'signed' && (
          <div class="card">
            <p>Договор по этой заявке уже подписан. Заём, его статус и договор — в личном кабинете.</p>
            <Link href="/cabinet" class="btn btn-primary btn-block">
              В личный кабинет
            </Link>
          </div>
        )}
        {state.kind === 'ready' && state.application.status === 'approved' && (
          <>
            <p class="muted" id="sign-progress">
              Шаг {payout ? 2 : 1} из 2
            </p>
            {payout ? (
              <ContractStep
                id={id}
                payout={payout}
                onChangePayout={() => {
                  setPayout(null);
                  focusStep();
                }}
              />
            ) : (
              <PayoutStep
                id={id}
                onChosen={(chosen) => {
                  setPayout(chosen);
                  focusStep();
                }}
              />
            )}
          </>
        )}
      </div>
    </Layout>
  );
};

type Method = 'cash' | 'sbp';

const METHODS: { value: Method | 'card' | 'wallet'; label: string; note: string; disabled?: boolean }[] = [
  { value: 'cash', label: 'Наличные в Золотой Короне', note: 'В любом пункте «Золотой Короны» по коду перевода и паспорту' },
  { value: 'sbp', label: 'На счёт через СБП', note: 'На ваш счёт в банке по номеру телефона, обычно за минуту' },
  { value: 'card', label: 'На банковскую карту', note: 'Скоро', disabled: true },
  { value: 'wallet', label: 'На электронный кошелёк', note: 'Скоро', disabled: true },
];

/** Step 1: how to receive the money. СБП asks for the bank and shows whose account it is. */
const PayoutStep = ({ id, onChosen }: { id: string; onChosen: (payout: Payout) => void }) => {
  const [method, setMethod] = useState<Method | null>(null);
  const [banks, setBanks] = useState<Bank[] | null>(null);
  const [bankId, setBankId] = useState('');
  const [recipient, setRecipient] = useState<{ bank: string; recipientName: string } | null>(null);
  const [bankError, setBankError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = async (next: Method) => {
    setMethod(next);
    setError(null);
    if (next !== 'sbp' || banks) return;
    setBusy(true);
    try {
      const reply: PayoutChoice = await api.choosePayoutMethod(id, { type: 'sbp' });
      setBanks(reply.banks ?? []);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  const chooseBank = async (next: string) => {
    setBankId(next);
    setRecipient(null);
    setBankError(null);
    if (next === '') return;
    setBusy(true);
    try {
      const reply = await api.choosePayoutMethod(id, { type: 'sbp', bankId: next });
      if (reply.next === 'sign') setRecipient({ bank: reply.bank ?? '', recipientName: reply.recipientName ?? '' });
    } catch (failure) {
      setBankError(fieldOrMessage(failure, 'bankId'));
    } finally {
      setBusy(false);
    }
  };

  const proceed = async () => {
    setError(null);
    if (method === null) {
      setError('Выберите, как получить деньги.');
      return;
    }
    if (method === 'sbp') {
      if (!recipient) {
        setBankError(bankError ?? 'Выберите банк, в котором у вас счёт.');
        document.getElementById('sbp-bank')?.focus();
        return;
      }
      onChosen({ type: 'sbp', ...recipient });
      return;
    }
    setBusy(true);
    try {
      await api.choosePayoutMethod(id, { type: 'cash' });
      onChosen({ type: 'cash' });
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="sign-step-title">
      <h2 id="sign-step-title">Как получить деньги</h2>
      <fieldset class="choice-group">
        <legend class="sr-only">Способ получения</legend>
        <div class="choice-list">
          {METHODS.map((option) => (
            <label
              key={option.value}
              class={`choice payout-choice${option.value === method ? ' choice-checked' : ''}${option.disabled ? ' choice-disabled' : ''}`}
            >
              <input
                type="radio"
                name="payout"
                value={option.value}
                checked={option.value === method}
                disabled={option.disabled === true}
                aria-describedby={`payout-${option.value}-note`}
                onChange={() => void choose(option.value as Method)}
              />
              <span class="payout-choice-text">
                <span>{option.label}</span>
                <span class={option.disabled ? 'payout-soon' : 'payout-note'} id={`payout-${option.value}-note`}>
                  {option.note}
                </span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {method === 'sbp' && banks && (
        <div class="field">
          <label for="sbp-bank">Банк</label>
          <select
            id="sbp-bank"
            class="input"
            value={bankId}
            aria-invalid={bankError ? 'true' : undefined}
            aria-describedby={bankError ? 'sbp-bank-error' : undefined}
            onChange={(event) => void chooseBank(event.currentTarget.value)}
          >
            <option value="">Выберите банк</option>
            {banks.map((bank) => (
              <option key={bank.id} value={bank.id}>
                {bank.name}
              </option>
            ))}
          </select>
          {bankError && (
            <p class="field-error" id="sbp-bank-error">
              {bankError}
            </p>
          )}
          {recipient && (
            <p class="recipient" data-testid="recipient">
              Получатель: <strong>{recipient.recipientName}</strong>
            </p>
          )}
        </div>
      )}

      <Alert message={error} />
      <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void proceed()}>
        Далее
      </button>
    </section>
  );
};

type ContractState = { kind: 'loading' } | { kind: 'ready'; contract: Contract } | { kind: 'failed'; message: string };

/** Step 2: the contract as it will be signed, then the SMS code. */
const ContractStep = ({ id, payout, onChangePayout }: { id: string; payout: Payout; onChangePayout: () => void }) => {
  const [state, setState] = useState<ContractState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    api
      .contract(id)
      .then((contract) => {
        if (active) setState({ kind: 'ready', contract });
      })
      .catch((error: unknown) => {
        if (active) setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [id, attempt]);

  return (
    <section class="card contract" aria-labelledby="sign-step-title">
      <h2 id="sign-step-title">Договор займа</h2>
      <p class="payout-summary">
        {payout.type === 'cash' ? (
          <>Деньги: наличными в «Золотой Короне»</>
        ) : (
          <>
            Деньги: через СБП в банк «{payout.bank}», получатель {payout.recipientName}
          </>
        )}{' '}
        <button type="button" class="btn-link" onClick={onChangePayout}>
          Изменить
        </button>
      </p>
      {state.kind === 'loading' && (
        <p class="muted" role="status">
          Готовим договор…
        </p>
      )}
      {state.kind === 'failed' && (
        <Alert message={state.message}>
          <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
            Повторить
          </button>
        </Alert>
      )}
      {state.kind === 'ready' && <ContractDetails id={id} contract={state.contract} />}
    </section>
  );
};

const ContractDetails = ({ id, contract }: { id: string; contract: Contract }) => {
  const facts = contract.keyFacts;
  return (
    <>
      <p class="muted small">Договор № {contract.number}</p>
      <dl class="key-facts">
        <div>
          <dt>Сумма займа</dt>
          <dd data-figure="amount" data-kopecks={facts.amountKopecks}>
            {formatRubles(facts.amountKopecks)}
          </dd>
        </div>
        <div class="psk-box">
          <dt>Полная стоимость займа</dt>
          <dd>
            <span data-figure="psk" data-value={facts.pskPercent}>
              {formatPskPercent(facts.pskPercent)}
            </span>{' '}
            <span class="nowrap">
              годовых ·{' '}
              <span data-figure="psk-kopecks" data-kopecks={facts.pskKopecks}>
                {formatRubles(facts.pskKopecks)}
              </span>
            </span>
          </dd>
        </div>
        <div>
          <dt>Вернуть всего</dt>
          <dd data-figure="total" data-kopecks={facts.totalKopecks}>
            {formatRubles(facts.totalKopecks)}
          </dd>
        </div>
        <div>
          <dt>Дата возврата</dt>
          <dd data-figure="return-date" data-value={facts.returnDate}>
            {formatDate(facts.returnDate)}
          </dd>
        </div>
      </dl>
      {contract.coolingOffHours > 0 && (
        <p class="note cooling-note">
          Деньги придут через {contract.coolingOffHours} {pluralRu(contract.coolingOffHours, 'час', 'часа', 'часов')}; до этого можно
          бесплатно отказаться от займа в личном кабинете.
        </p>
      )}
      {contract.pdnWarningRequired && (
        <p class="pdn-warning" role="note">
          <strong>Высокая долговая нагрузка.</strong> Платежи по всем вашим займам и кредитам больше половины дохода: есть риск
          не справиться с ними. Прочитайте уведомление в тексте договора.
        </p>
      )}
      <h3 id="contract-text-title">Текст договора</h3>
      <pre class="contract-text" tabIndex={0} role="region" aria-labelledby="contract-text-title">
        {contract.text}
      </pre>
      <SignForm id={id} />
    </>
  );
};

/** The SMS code: asked for, typed, checked; a refusal says what to do, a wait shows its countdown. */
const SignForm = ({ id }: { id: string }) => {
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState('');
  const [resendAt, setResendAt] = useState<number | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'send' | 'sign' | null>(null);
  const [status, setStatus] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);
  const resendLeft = useSecondsLeft(resendAt);
  const waitLeft = useSecondsLeft(waitUntil);

  const sendCode = async () => {
    if (busy) return;
    setBusy('send');
    setError(null);
    setCodeError(null);
    try {
      const reply = await api.requestSigningCode(id);
      setSent(true);
      setWaitUntil(null);
      setCode('');
      setResendAt(deadlineIn(reply.resendAfterSec));
      setStatus('Код отправлен по SMS.');
      window.requestAnimationFrame(() => codeRef.current?.focus());
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 429 && failure.retryAfterSec) {
        setWaitUntil(deadlineIn(failure.retryAfterSec));
      }
      setError(errorMessage(failure));
    } finally {
      setBusy(null);
    }
  };

  const sign = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (!new RegExp(`^\\d{${CODE_LENGTH}}$`).test(code)) {
      setCodeError('Код — это 6 цифр из SMS.');
      codeRef.current?.focus();
      return;
    }
    setBusy('sign');
    setCodeError(null);
    setError(null);
    try {
      const signed = await api.sign(id, code);
      navigate(`/loans/${signed.loanId}`);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 401 || failure.status === 400)) {
        setCodeError(fieldOrMessage(failure, 'code'));
        codeRef.current?.focus();
      } else {
        setError(errorMessage(failure));
      }
      setBusy(null);
    }
  };

  const isWaiting = waitLeft > 0;

  if (!sent) {
    return (
      <div class="sign-start">
        <p class="muted small">
          Подписывая договор кодом из SMS, вы подтверждаете, что прочитали его и согласны с условиями (простая электронная
          подпись).
        </p>
        <Alert message={error} />
        {isWaiting && (
          <p class="muted" role="timer">
            Запросить код можно через {formatSeconds(waitLeft)}
          </p>
        )}
        <button type="button" class="btn btn-primary btn-block" disabled={busy !== null || isWaiting} onClick={() => void sendCode()}>
          {busy === 'send' ? 'Отправляем код…' : 'Подписать кодом из SMS'}
        </button>
      </div>
    );
  }

  return (
    <form class="sign-form" onSubmit={(event) => void sign(event)} noValidate>
      <p class="sr-only" role="status">
        {status}
      </p>
      <div class="field">
        <label for="sign-code">Код из SMS</label>
        <input
          ref={codeRef}
          id="sign-code"
          class="input input-code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]*"
          maxlength={CODE_LENGTH}
          value={code}
          aria-invalid={codeError ? 'true' : undefined}
          aria-describedby={codeError ? 'sign-code-error' : undefined}
          onInput={(event) => setCode(event.currentTarget.value.replace(/\D/g, '').slice(0, CODE_LENGTH))}
        />
        {codeError && (
          <p class="field-error" id="sign-code-error">
            {codeError}
          </p>
        )}
      </div>
      <Alert message={error} />
      <button type="submit" class="btn btn-primary btn-block" disabled={busy !== null}>
        {busy === 'sign' ? 'Подписываем…' : 'Подписать договор'}
      </button>
      <div class="resend">
        {resendLeft > 0 || isWaiting ? (
          <p class="muted" role="timer">
            Повторно через {formatSeconds(Math.max(resendLeft, waitLeft))}
          </p>
        ) : (
          <button type="button" class="btn btn-secondary btn-block" disabled={busy !== null} onClick={() => void sendCode()}>
            Отправить код ещё раз
          </button>
        )}
      </div>
    </form>
  );
};
