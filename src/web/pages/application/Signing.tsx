/**
 * `/application/:id/sign`: after an approval, how to receive the money (cash, СБП, a card or an
 * e-wallet), then the contract exactly as it will be signed (key facts first, the ПСК in a framed
 * box), then the SMS code. A signed contract becomes a loan: the page continues to `/loans/:loanId`.
 *
 * A card is entered on the acquirer's own page (a full page load away and back, `?card=returned`):
 * the bank holds a small amount the borrower then types here. So the page always resumes from the
 * method the server holds: a card waiting for that amount, a method ready for the contract, or a
 * problem to choose again after.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { LoadStatus } from '../../components/LoadStatus';
import { Alert } from '../../components/Alert';
import { CodeForm } from '../../components/CodeForm';
import { DocumentText } from '../../components/DocumentText';
import { FigureList, PskValue } from '../../components/FigureList';
import { CabinetLink, Layout } from '../../components/Layout';
import {
  ApiError,
  type Application,
  type Bank,
  type Contract,
  type PayoutChoice,
  type PayoutMethod,
  type PayoutMethods,
  type PayoutType,
  api,
  errorMessage,
  fieldError,
  fieldOrMessage,
} from '../../lib/api';
import { useBackForwardRestore, useDocumentTitle } from '../../lib/hooks';
import { pluralRu } from '../../lib/loan-format';
import { Link, navigate } from '../../lib/router';
import { InputField, keepOnly } from '../../components/fields';

const loginFor = (path: string) => `/login?next=${encodeURIComponent(path)}`;

type PageState =
  | { kind: 'loading' }
  | { kind: 'ready'; application: Application }
  | { kind: 'missing' }
  | { kind: 'failed'; message: string };

/** The chosen way to receive the money, once the server accepted it. */
type Payout =
  | { type: 'cash' }
  | { type: 'sbp'; bank: string; recipientName?: string }
  | { type: 'card'; maskedPan: string }
  | { type: 'wallet'; walletMasked: string };

/** Where the borrower is: choosing the method (maybe again, after a problem), confirming a card, reading the contract. */
type Step =
  | { kind: 'choose'; problem?: string; notice?: string; preferred?: PayoutType }
  | { kind: 'card-hold'; maskedPan: string }
  | { kind: 'contract'; payout: Payout };

const CARD_NOT_ENTERED =
  'Данные карты не получены: страница банка не была заполнена до конца. Нажмите «Далее», чтобы открыть её снова, или выберите другой способ.';

const payoutOf = (method: PayoutMethod): Payout => {
  switch (method.type) {
    case 'sbp':
      return { type: 'sbp', bank: method.bank ?? '' };
    case 'card':
      return { type: 'card', maskedPan: method.maskedPan ?? '' };
    case 'wallet':
      return { type: 'wallet', walletMasked: method.walletMasked ?? '' };
    case 'cash':
      return { type: 'cash' };
  }
};

/** The step to resume at for the method the server holds; `problem` is a refusal to show on the choice. */
const stepOf = (method: PayoutMethod | null, problem?: string): Step => {
  if (method?.problem) return { kind: 'choose', problem: method.problem };
  if (method?.state === 'ready') return { kind: 'contract', payout: payoutOf(method) };
  if (method?.type === 'card' && method.state === 'awaiting_hold') return { kind: 'card-hold', maskedPan: method.maskedPan ?? '' };
  if (problem) return { kind: 'choose', problem };
  if (method?.type === 'card') return { kind: 'choose', preferred: 'card', notice: CARD_NOT_ENTERED };
  return { kind: 'choose' };
};

export const SigningPage = ({ id }: { id: string }) => {
  useDocumentTitle('Получение денег');
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [available, setAvailable] = useState<PayoutType[]>([]);
  const [step, setStep] = useState<Step>({ kind: 'choose' });

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    const load = async () => {
      const application = await api.application(id);
      if (!active) return;
      // Only an approved application is signed here; anything else is shown on its own page.
      if (application.status !== 'approved' && application.status !== 'signed') {
        navigate(`/application/${id}`, { replace: true });
        return;
      }
      if (application.status === 'approved') {
        // Resume where the borrower was: back from the acquirer's card page, or after a reload.
        const methods = await api.payoutMethods(id);
        if (!active) return;
        setAvailable(methods.available);
        setStep(stepOf(methods.method));
      }
      setState({ kind: 'ready', application });
    };
    load().catch((error: unknown) => {
      if (!active) return;
      if (error instanceof ApiError && error.status === 401) navigate(loginFor(`/application/${id}/sign`), { replace: true });
      else if (error instanceof ApiError && error.status === 404) setState({ kind: 'missing' });
      else setState({ kind: 'failed', message: errorMessage(error) });
    });
    return () => {
      active = false;
    };
  }, [id, attempt]);

  // Back from the acquirer's page by the browser's Back button, the page may come from the
  // back/forward cache as it was left (a busy button): read the method again instead.
  useBackForwardRestore(() => setAttempt((n) => n + 1));

  /** Shows another step and moves focus to its heading, as a page change would. */
  const goTo = (next: Step) => {
    setStep(next);
    window.requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('#sign-step-title');
      if (!heading) return;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    });
  };

  /** Goes on from what the server now holds (after a card was refused or its method dropped). */
  const resume = (methods: PayoutMethods, problem?: string) => {
    setAvailable(methods.available);
    goTo(stepOf(methods.method, problem));
  };

  return (
    <Layout
      headerActions={<CabinetLink />}
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
              Шаг {step.kind === 'contract' ? 2 : 1} из 2
            </p>
            {step.kind === 'contract' && (
              <ContractStep id={id} payout={step.payout} onChangePayout={() => goTo({ kind: 'choose' })} />
            )}
            {step.kind === 'card-hold' && (
              <CardHoldStep
                id={id}
                maskedPan={step.maskedPan}
                onConfirmed={(payout) => goTo({ kind: 'contract', payout })}
                onResume={resume}
                onChooseAgain={() => goTo({ kind: 'choose' })}
              />
            )}
            {step.kind === 'choose' && (
              <PayoutStep
                id={id}
                available={available}
                problem={step.problem}
                notice={step.notice}
                preferred={step.preferred}
                onChosen={(payout) => goTo({ kind: 'contract', payout })}
              />
            )}
          </>
        )}
      </div>
    </Layout>
  );
};

const METHODS: { value: PayoutType; label: string; note: string }[] = [
  { value: 'cash', label: 'Наличные в Золотой Короне', note: 'В любом пункте «Золотой Короны» по коду перевода и паспорту' },
  { value: 'sbp', label: 'На счёт через СБП', note: 'На ваш счёт в банке по номеру телефона, обычно за минуту' },
  { value: 'card', label: 'На банковскую карту', note: 'На карту любого российского банка, оформленную на вас' },
  { value: 'wallet', label: 'На электронный кошелёк', note: 'На кошелёк ЮMoney, подтверждённый вашим паспортом' },
];
const UNAVAILABLE_NOTE = 'Сейчас недоступно — выберите другой способ';

/** What the button says while a choice is being checked (also announced). */
const PROGRESS: Record<PayoutType, string> = {
  cash: 'Сохраняем…',
  sbp: 'Проверяем…',
  card: 'Открываем страницу банка…',
  wallet: 'Проверяем кошелёк…',
};

/**
 * Step 1: how to receive the money. СБП asks for the bank and shows whose account it is; a card goes
 * to the acquirer's page; a wallet asks for its number, checked with the operator.
 */
const PayoutStep = ({
  id,
  available,
  problem,
  notice,
  preferred,
  onChosen,
}: {
  id: string;
  available: PayoutType[];
  problem?: string | undefined;
  notice?: string | undefined;
  preferred?: PayoutType | undefined;
  onChosen: (payout: Payout) => void;
}) => {
  const [method, setMethod] = useState<PayoutType | null>(preferred && available.includes(preferred) ? preferred : null);
  const [banks, setBanks] = useState<Bank[] | null>(null);
  const [bankId, setBankId] = useState('');
  const [recipient, setRecipient] = useState<{ bank: string; recipientName: string } | null>(null);
  const [bankError, setBankError] = useState<string | null>(null);
  const [walletNumber, setWalletNumber] = useState('');
  const [walletError, setWalletError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const walletRef = useRef<HTMLInputElement>(null);

  const choose = async (next: PayoutType) => {
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

  /** The card is entered on the acquirer's page: a full page load there, and back to this page. */
  const openCardPage = async () => {
    const reply = await api.choosePayoutMethod(id, { type: 'card' });
    if (!reply.hostedPageUrl) throw new Error('no card page');
    window.location.assign(reply.hostedPageUrl);
  };

  const checkWallet = async () => {
    const number = walletNumber.replace(/[\s-]/g, '');
    if (number === '') {
      setWalletError('Введите номер кошелька.');
      walletRef.current?.focus();
      return false;
    }
    setWalletError(undefined);
    try {
      const reply = await api.choosePayoutMethod(id, { type: 'wallet', walletNumber: number });
      onChosen({ type: 'wallet', walletMasked: reply.walletMasked ?? '' });
      return true;
    } catch (failure) {
      const message = fieldError(failure, 'walletNumber');
      if (!message) throw failure;
      setWalletError(message);
      walletRef.current?.focus();
      return false;
    }
  };

  const proceed = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
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
      if (method === 'card') {
        await openCardPage();
        return; // the page is leaving: the button stays busy
      }
      if (method === 'wallet') {
        await checkWallet();
      } else {
        await api.choosePayoutMethod(id, { type: 'cash' });
        onChosen({ type: 'cash' });
      }
    } catch (failure) {
      setError(errorMessage(failure));
    }
    setBusy(false);
  };

  return (
    <section class="card" aria-labelledby="sign-step-title">
      <h2 id="sign-step-title">Как получить деньги</h2>
      <Alert message={problem} />
      {notice && <p class="note">{notice}</p>}
      <form class="signing-form" onSubmit={(event) => void proceed(event)} noValidate>
        <fieldset class="choice-group">
          <legend class="sr-only">Способ получения</legend>
          <div class="choice-list">
            {METHODS.map((option) => {
              const disabled = !available.includes(option.value);
              return (
                <label
                  key={option.value}
                  class={`choice payout-choice${option.value === method ? ' choice-checked' : ''}${disabled ? ' choice-disabled' : ''}`}
                >
                  <input
                    type="radio"
                    name="payout"
                    value={option.value}
                    checked={option.value === method}
                    disabled={disabled}
                    aria-describedby={`payout-${option.value}-note`}
                    onChange={() => void choose(option.value)}
                  />
                  <span class="payout-choice-text">
                    <span>{option.label}</span>
                    <span class={disabled ? 'payout-unavailable' : 'payout-note'} id={`payout-${option.value}-note`}>
                      {disabled ? UNAVAILABLE_NOTE : option.note}
                    </span>
                  </span>
                </label>
              );
            })}
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

        {method === 'card' && (
          <p class="hint" id="payout-card-how">
            Дальше откроется страница платёжного сервиса: введите там данные карты. Банк заблокирует на карте сумму до 10 ₽ —
            её нужно будет ввести здесь, чтобы подтвердить, что карта ваша. Сумма вернётся.
          </p>
        )}

        {method === 'wallet' && (
          <InputField
            id="wallet-number"
            label="Номер кошелька ЮMoney"
            hint="От 11 до 20 цифр, начинается с 4100"
            error={walletError}
            value={walletNumber}
            inputMode="numeric"
            maxLength={30}
            inputRef={walletRef}
            onInput={(input) => setWalletNumber(keepOnly(input, /[^\d\s-]/g))}
          />
        )}

        <Alert message={error} />
        <p class="sr-only" role="status">
          {busy && method ? PROGRESS[method] : ''}
        </p>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy && method && method !== 'sbp' ? PROGRESS[method] : 'Далее'}
        </button>
      </form>
    </section>
  );
};

/** Step 1 for a card, back from the acquirer's page: the amount the bank held on it. */
const CardHoldStep = ({
  id,
  maskedPan,
  onConfirmed,
  onResume,
  onChooseAgain,
}: {
  id: string;
  maskedPan: string;
  onConfirmed: (payout: Payout) => void;
  onResume: (methods: PayoutMethods, problem?: string) => void;
  onChooseAgain: () => void;
}) => {
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const amountRef = useRef<HTMLInputElement>(null);

  const refuse = (message: string) => {
    setAmountError(message);
    amountRef.current?.focus();
  };

  const confirm = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (amount.trim() === '') {
      refuse('Введите сумму, заблокированную на карте.');
      return;
    }
    setBusy(true);
    try {
      const reply = await api.confirmCard(id, amount.trim());
      onConfirmed({ type: 'card', maskedPan: reply.maskedPan ?? maskedPan });
      return;
    } catch (failure) {
      const message = fieldError(failure, 'amount');
      const conflict = failure instanceof ApiError && failure.status === 409;
      if (message || conflict) {
        // A wrong amount leaves tries; no tries left or someone else's card drops the card: ask which.
        const methods = await api.payoutMethods(id).catch(() => null);
        const stillWaiting = methods?.method?.type === 'card' && methods.method.state === 'awaiting_hold';
        if (methods && !stillWaiting) {
          onResume(methods, message);
          return;
        }
      }
      if (message) refuse(message);
      else setError(errorMessage(failure));
    }
    setBusy(false);
  };

  return (
    <section class="card" aria-labelledby="sign-step-title">
      <h2 id="sign-step-title">Подтвердите карту</h2>
      <p>
        Карта <span class="nowrap" data-testid="masked-pan">{maskedPan}</span>: введите сумму, которую банк заблокировал на карте — она
        пришла в SMS от банка или видна в приложении банка; сумма вернётся.
      </p>
      <form class="signing-form" onSubmit={(event) => void confirm(event)} noValidate>
        <InputField
          id="card-hold-amount"
          label="Заблокированная сумма, ₽"
          hint="Рубли и копейки, например 7,43"
          error={amountError}
          value={amount}
          inputMode="decimal"
          maxLength={6}
          size="input-amount"
          inputRef={amountRef}
          onInput={(input) => setAmount(keepOnly(input, /[^\d.,]/g))}
        />
        <Alert message={error} />
        <p class="sr-only" role="status">
          {busy ? 'Проверяем сумму…' : ''}
        </p>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Проверяем сумму…' : 'Подтвердить карту'}
        </button>
        <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={onChooseAgain}>
          Выбрать другой способ
        </button>
      </form>
    </section>
  );
};

/** Where the money goes, in the words of the step summary. */
const payoutSummary = (payout: Payout): string => {
  switch (payout.type) {
    case 'cash':
      return 'наличными в «Золотой Короне»';
    case 'sbp':
      return `через СБП в банк «${payout.bank}»${payout.recipientName ? `, получатель ${payout.recipientName}` : ''}`;
    case 'card':
      return `на карту ${payout.maskedPan}`;
    case 'wallet':
      return `на кошелёк ЮMoney № ${payout.walletMasked}`;
  }
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
        Деньги: {payoutSummary(payout)}{' '}
        <button type="button" class="btn-link" onClick={onChangePayout}>
          Изменить
        </button>
      </p>
      <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} loadingText="Готовим договор…" />
      {state.kind === 'ready' && <ContractDetails id={id} contract={state.contract} />}
    </section>
  );
};

const ContractDetails = ({ id, contract }: { id: string; contract: Contract }) => {
  const facts = contract.keyFacts;
  return (
    <>
      <p class="muted small">Договор № {contract.number}</p>
      <FigureList
        class="key-facts"
        figures={[
          { label: 'Сумма займа', name: 'amount', kopecks: facts.amountKopecks },
          {
            label: 'Полная стоимость займа',
            class: 'psk-box',
            content: <PskValue percent={facts.pskPercent} kopecks={facts.pskKopecks} annual />,
          },
          { label: 'Вернуть всего', name: 'total', kopecks: facts.totalKopecks },
          { label: 'Дата возврата', name: 'return-date', date: facts.returnDate },
        ]}
      />
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
      <DocumentText text={contract.text} labelledBy="contract-text-title" />
      <SignForm id={id} />
    </>
  );
};

/** The SMS code that signs the contract; a signed contract continues to its loan. */
const SignForm = ({ id }: { id: string }) => (
  <CodeForm
    id="sign-code"
    intro={
      <p class="muted small">
        Подписывая договор кодом из SMS, вы подтверждаете, что прочитали его и согласны с условиями (простая электронная
        подпись).
      </p>
    }
    startLabel="Подписать кодом из SMS"
    submitLabel="Подписать договор"
    busyLabel="Подписываем…"
    requestCode={() => api.requestSigningCode(id)}
    submit={async (code) => {
      const signed = await api.sign(id, code);
      navigate(`/loans/${signed.loanId}`);
    }}
  />
);
