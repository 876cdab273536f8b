import { useEffect, useState } from 'preact/hooks';
import { LoadStatus } from '../components/LoadStatus';
import { Alert } from '../components/Alert';
import { LoanChoiceCard } from '../components/LoanChoiceCard';
import { OffersBlock } from './offers/OffersBlock';
import { Layout } from '../components/Layout';
import { ApiError, type Application, type Loan, type LoanChoiceReply, type Me, api, errorMessage, fetchMe } from '../lib/api';
import { LOAN_STATUS_LABELS, LOAN_STATUS_TONES } from '../lib/loan-status';
import { STATUS_LABELS, STATUS_TONES, newApplicationBlock } from '../lib/application-status';
import { useDocumentTitle } from '../lib/hooks';
import { type LoanChoice, hasChoiceParams, parseChoiceQuery } from '../lib/loan-choice';
import { formatPhone } from '../../core/phone';
import { formatRubles } from '../../core/money';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import { formatDate as formatBusinessDate, formatDaysLeft, formatTermAccusative } from '../lib/loan-format';
import { Link, navigate, useRoute } from '../lib/router';

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; me: Me; choice: LoanChoiceReply; applications: Application[]; loans: Loan[] }
  | { kind: 'failed'; message: string };

/** The login, coming back here with whatever the address carries (the calculator's choice). */
const loginPath = () => `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;

/** Saves the choice «Получить займ» brought in the address; a refusal comes back as a message. */
const saveChoice = async (choice: LoanChoice): Promise<string | null> => {
  try {
    await api.saveLoanChoice(choice);
    return null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    const fields = error instanceof ApiError && error.fields ? Object.values(error.fields) : [];
    return `Не удалось сохранить выбранный займ. ${fields.length ? fields.join(' ') : errorMessage(error)}`;
  }
};

const formatDate = (iso: string): string | null => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric' }).format(date);
};

export const Cabinet = () => {
  useDocumentTitle('Личный кабинет');
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [isLoggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<string | null>(null);
  const [choiceError, setChoiceError] = useState<string | null>(null);
  const route = useRoute();
  // The choice «Получить займ» brought, read once: the address is tidied to /cabinet after saving.
  const [incoming] = useState(() => ({ choice: parseChoiceQuery(route.query), present: hasChoiceParams(route.query) }));

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    const load = async () => {
      const me = await fetchMe();
      if (!active) return;
      if (me === null) {
        navigate(loginPath(), { replace: true });
        return;
      }
      if (incoming.present && window.location.search !== '') {
        if (incoming.choice) {
          const problem = await saveChoice(incoming.choice);
          if (!active) return;
          setChoiceError(problem);
        } else {
          setChoiceError('Ссылка на выбранный займ повреждена. Выберите сумму и срок в калькуляторе ещё раз.');
        }
        // A reload or a shared link must not save the choice again.
        navigate('/cabinet', { replace: true });
      }
      const [choice, applications, loans] = await Promise.all([api.loanChoice(), api.applications(), api.loans()]);
      if (active) setState({ kind: 'ready', me, choice, applications, loans });
    };
    load().catch((error: unknown) => {
      if (!active) return;
      if (error instanceof ApiError && error.status === 401) navigate(loginPath(), { replace: true });
      else setState({ kind: 'failed', message: errorMessage(error) });
    });
    return () => {
      active = false;
    };
  }, [attempt]);

  const logout = async () => {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await api.logout();
      navigate('/');
    } catch (error) {
      // Without a session there is nothing to end: the customer is out already.
      if (error instanceof ApiError && error.status === 401) {
        navigate('/');
        return;
      }
      setLogoutError(errorMessage(error));
      setLoggingOut(false);
    }
  };

  const headerActions =
    state.kind === 'ready' ? (
      <div class="header-user">
        <span class="header-phone">
          <span class="sr-only">Вы вошли как </span>
          <span class="nowrap" data-testid="header-phone">
            {formatPhone(state.me.phone)}
          </span>
        </span>
        <button type="button" class="btn btn-secondary btn-header" onClick={() => void logout()} disabled={isLoggingOut}>
          {isLoggingOut ? 'Выходим…' : 'Выйти'}
        </button>
      </div>
    ) : null;

  return (
    <Layout headerActions={headerActions} headerClass="site-header-cabinet">
      <div class="container">
        <h1 class="page-title">Личный кабинет</h1>
        <Alert message={logoutError} />

        <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} loadingText="Загружаем данные…" />

        <Alert message={choiceError} />

        {state.kind === 'ready' && <Dashboard me={state.me} choice={state.choice} applications={state.applications} loans={state.loans} />}
      </div>
    </Layout>
  );
};

const Dashboard = ({
  me,
  choice,
  applications,
  loans,
}: {
  me: Me;
  choice: LoanChoiceReply;
  applications: Application[];
  loans: Loan[];
}) => {
  const since = formatDate(me.createdAt);
  const block = newApplicationBlock(applications, new Date());
  return (
    <>
      <p class="lead-small">Здравствуйте! Здесь ваши заявки, займы, платежи и история операций.</p>
      <div class="cards">
        {applications.length > 0 && <ApplicationsCard applications={applications} />}
        {choice.choice && <LoanChoiceCard choice={choice.choice} quote={choice.quote} block={block} />}
        <OffersBlock />
        {loans.length > 0 ? (
          <LoansCard loans={loans} />
        ) : (
          <section class="card" aria-labelledby="loans-title">
            <h2 id="loans-title">Мои займы</h2>
            <p class="empty">У вас пока нет займов</p>
            {choice.choice || block ? (
              <p class="muted">Оформленные займы, их платежи и договоры появятся здесь.</p>
            ) : (
              <>
                <p class="muted">Выберите сумму и срок в калькуляторе — переплату и дату возврата видно сразу.</p>
                <Link href="/application" class="btn btn-primary btn-block">
                  Получить займ
                </Link>
                <Link href="/#calculator" class="btn btn-secondary btn-block">
                  Рассчитать в калькуляторе
                </Link>
              </>
            )}
          </section>
        )}
        <section class="card" aria-labelledby="history-title">
          <h2 id="history-title">История операций</h2>
          <p class="muted">Заявки, выдачи, платежи, продления и погашения — с выгрузкой в CSV и PDF.</p>
          <Link href="/history" class="btn btn-secondary btn-block">
            Открыть историю
          </Link>
        </section>
        <section class="card" aria-labelledby="support-title">
          <h2 id="support-title">Поддержка</h2>
          <p class="muted">Вопрос о займе, платеже или документах — напишите нам, ответим здесь же.</p>
          <Link href="/support" class="btn btn-secondary btn-block">
            Написать в поддержку
          </Link>
        </section>
        <section class="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Профиль</h2>
          <dl class="facts">
            <div>
              <dt>Телефон</dt>
              <dd class="nowrap">{formatPhone(me.phone)}</dd>
            </div>
            {since && (
              <div>
                <dt>Клиент с</dt>
                <dd>{since}</dd>
              </div>
            )}
          </dl>
          <Link href="/profile" class="btn btn-secondary btn-block">
            Профиль и безопасность
          </Link>
        </section>
      </div>
    </>
  );
};

const productOf = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code);

/** The customer's applications, newest first, each with its status and a way back to it. */
const ApplicationsCard = ({ applications }: { applications: Application[] }) => (
  <section class="card applications-card" aria-labelledby="applications-title">
    <h2 id="applications-title">Мои заявки</h2>
    <ul class="item-list">
      {applications.map((application) => {
        const product = productOf(application.product);
        const created = formatDate(application.createdAt) ?? '';
        const decided = application.decidedAt ? formatDate(application.decidedAt) : null;
        const isDraft = application.status === 'draft';
        const offer = application.offer;
        return (
          <li key={application.id} class="list-item application-item" data-status={application.status} data-id={application.id}>
            <div class="list-item-head">
              <span class={`badge badge-${STATUS_TONES[application.status]}`}>{STATUS_LABELS[application.status]}</span>
              <span class="muted small">от {created}</span>
            </div>
            <p>
              <strong>{product?.name ?? application.product}</strong>
              <span class="nowrap">
                {' · '}
                {formatRubles(application.amount * 100)}
              </span>{' '}
              {product && <span class="nowrap">на {formatTermAccusative(application.term, product.term.unit)}</span>}
            </p>
            {application.status === 'approved' && offer && offer.amount !== application.amount && (
              <p class="small">Одобрено: {formatRubles(offer.amount * 100)}</p>
            )}
            {decided && <p class="muted small">Решение от {decided}</p>}
            {application.status === 'declined' && application.reapplyAfter && (
              <p class="small">Подать новую заявку можно с {formatBusinessDate(application.reapplyAfter)}</p>
            )}
            <Link href={`/application/${application.id}`} class={isDraft ? 'btn btn-primary btn-block' : 'btn btn-secondary btn-block'}>
              {isDraft ? 'Продолжить заполнение' : 'Открыть заявку'}
              <span class="sr-only"> от {created}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  </section>
);

/** The customer's loans, each with its status and a link to its page. */
const LoansCard = ({ loans }: { loans: Loan[] }) => (
  <section class="card applications-card" aria-labelledby="loans-title">
    <h2 id="loans-title">Мои займы</h2>
    <ul class="item-list">
      {loans.map((loan) => {
        const product = productOf(loan.product);
        const signed = formatDate(loan.signedAt) ?? '';
        return (
          <li key={loan.id} class="list-item loan-item" data-id={loan.id}>
            <p>
              <span class={`badge badge-${LOAN_STATUS_TONES[loan.status]}`}>{LOAN_STATUS_LABELS[loan.status]}</span>
            </p>
            <p>
              {product?.name ?? loan.product} · {formatRubles(loan.amountKopecks)}
            </p>
            {loan.status === 'active' ? (
              <p class={loan.overdue ? 'loan-due loan-due-overdue' : 'loan-due'} data-kopecks={loan.debt.totalKopecks} data-due-date={loan.dueDate}>
                Долг сегодня <strong class="nowrap">{formatRubles(loan.debt.totalKopecks)}</strong>
                {loan.overdue ? (
                  <>
                    {' · '}
                    <span class="badge badge-danger">{formatDaysLeft(loan.daysLeft)}</span>
                  </>
                ) : (
                  <>
                    {', вернуть до '}
                    <span class="nowrap">{formatBusinessDate(loan.dueDate)}</span>
                  </>
                )}
              </p>
            ) : loan.status === 'closed' ? (
              <p class="muted">Погашен, долга нет</p>
            ) : loan.status === 'refused' || loan.status === 'payout_failed' ? (
              <p class="muted">Платить ничего не нужно</p>
            ) : (
              <p class="muted">
                Вернуть {formatRubles(loan.totalKopecks)} до {formatBusinessDate(loan.returnDate)}
              </p>
            )}
            <Link href={`/loans/${loan.id}`} class="btn btn-secondary btn-block">
              Открыть заём<span class="sr-only"> от {signed}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  </section>
);
