/**
 * The application pages, loaded on demand (a dynamic `import()` in App.tsx): the landing page's
 * script does not carry the questionnaire. `/application` starts (or resumes) the draft with the
 * kept loan choice; `/application/:id` is the questionnaire while a draft, the decision after.
 */
import { useEffect, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { CabinetLink, Layout } from '../../components/Layout';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { ApiError, type Application, type ConsentDocument, type LoanFields, api, errorMessage, fetchMe } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { defaultChoice } from '../../lib/loan-choice';
import { Link, navigate } from '../../lib/router';
import { Decision } from './Decision';
import { Questionnaire } from './Questionnaire';
import { SigningPage } from './Signing';
import './application.css';

const loginFor = (path: string) => `/login?next=${encodeURIComponent(path)}`;

export const ApplicationPages = ({ path }: { path: string }) => {
  if (path === '/application') return <StartApplication />;
  const signing = /^\/application\/([0-9a-f-]{36})\/sign$/i.exec(path);
  if (signing) return <SigningPage key={signing[1]} id={signing[1]!} />;
  const id = path.slice('/application/'.length);
  if (!/^[0-9a-f-]{36}$/i.test(id)) return <Missing />;
  return <ApplicationPage key={id} id={id} />;
};

/** The loan to apply for: the choice kept from the calculator, else the first product's defaults. */
const keptChoice = async (): Promise<{ loan: LoanFields; isKept: boolean }> => {
  const fallback = { loan: defaultChoice(DEFAULT_PRODUCTS[0]!), isKept: false };
  try {
    const reply = await api.loanChoice();
    if (!reply.choice) return fallback;
    const { product, amount, term } = reply.choice;
    return { loan: { product, amount, term }, isKept: true };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return fallback;
  }
};

/** Creates the draft (or updates the one in progress) and continues to it. */
const StartApplication = () => {
  useDocumentTitle('Заявка на заём');
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    setProblem(null);
    const start = async () => {
      const me = await fetchMe();
      if (!active) return;
      if (me === null) {
        navigate(loginFor('/application'), { replace: true });
        return;
      }
      const { loan, isKept } = await keptChoice();
      let application: Application;
      try {
        application = await api.startApplication(loan);
      } catch (error) {
        // One application is still being checked: show that one.
        if (error instanceof ApiError && error.status === 409) {
          const pending = (await api.applications()).find((a) => a.status === 'scoring');
          if (!active) return;
          if (pending) {
            navigate(`/application/${pending.id}`, { replace: true });
            return;
          }
        }
        // The kept choice no longer prices (the catalogue changed): start with the defaults, editable later.
        if (error instanceof ApiError && error.status === 400 && isKept) {
          application = await api.startApplication(defaultChoice(DEFAULT_PRODUCTS[0]!));
        } else {
          throw error;
        }
      }
      // A returning borrower's draft comes with the questionnaire filled in: open it at the loan (its
      // amount, term and personal rate) rather than at the consents the resume rule would pick.
      const filled = application.missing.length === 0 && application.consents.length === 0;
      if (active) navigate(`/application/${application.id}${filled ? '?step=loan' : ''}`, { replace: true });
    };
    start().catch((error: unknown) => {
      if (!active) return;
      if (error instanceof ApiError && error.status === 401) navigate(loginFor('/application'), { replace: true });
      else setProblem(errorMessage(error));
    });
    return () => {
      active = false;
    };
  }, [attempt]);

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow" id="application-top">
        <h1 class="page-title application-title">Заявка на заём</h1>
        {problem ? (
          <Alert message={problem}>
            <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
              Повторить
            </button>
          </Alert>
        ) : (
          <p class="muted" role="status">
            Готовим анкету…
          </p>
        )}
      </div>
    </Layout>
  );
};

type PageState =
  | { kind: 'loading' }
  | { kind: 'ready'; application: Application; documents: ConsentDocument[] }
  | { kind: 'missing' }
  | { kind: 'failed'; message: string };

const ApplicationPage = ({ id }: { id: string }) => {
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const isDraft = state.kind === 'ready' && state.application.status === 'draft';
  useDocumentTitle(state.kind !== 'ready' || isDraft ? 'Заявка на заём' : 'Решение по заявке');

  useEffect(() => {
    let active = true;
    Promise.all([api.application(id), api.consentDocuments()])
      .then(([application, documents]) => {
        if (active) setState({ kind: 'ready', application, documents });
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) navigate(loginFor(`/application/${id}`), { replace: true });
        else if (error instanceof ApiError && error.status === 404) setState({ kind: 'missing' });
        else setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [id, attempt]);

  const setApplication = (application: Application) =>
    setState((current) => (current.kind === 'ready' ? { ...current, application } : current));

  /** The draft changed under us (submitted in another tab, signed out): read it again. */
  const onGone = (error: ApiError) => {
    if (error.status === 401) navigate(loginFor(`/application/${id}`), { replace: true });
    else if (error.status === 404) setState({ kind: 'missing' });
    else setAttempt((n) => n + 1);
  };

  const onSubmitted = (application: Application) => {
    setApplication(application);
    // The decision screen replaces the form: drop the step from the address, and move focus to its heading.
    navigate(`/application/${id}`, { replace: true });
    window.requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('.decision-title');
      if (!heading) return;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    });
  };

  if (state.kind === 'missing') return <Missing />;

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow" id="application-top">
        {state.kind === 'ready' && !isDraft ? (
          <Decision application={state.application} onApplication={setApplication} onGone={onGone} />
        ) : (
          <>
            <h1 class="page-title application-title">Заявка на заём</h1>
            {state.kind === 'loading' && (
              <p class="muted" role="status">
                Загружаем анкету…
              </p>
            )}
            {state.kind === 'failed' && (
              <Alert message={state.message}>
                <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
                  Повторить
                </button>
              </Alert>
            )}
            {state.kind === 'ready' && (
              <Questionnaire
                application={state.application}
                documents={state.documents}
                onApplication={setApplication}
                onSubmitted={onSubmitted}
                onGone={onGone}
              />
            )}
          </>
        )}
      </div>
    </Layout>
  );
};

const Missing = () => {
  useDocumentTitle('Заявка не найдена');
  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow">
        <div class="card">
          <h1>Заявка не найдена</h1>
          <p>Возможно, ссылка устарела или в ней опечатка. Все ваши заявки — в личном кабинете.</p>
          <Link href="/cabinet" class="btn btn-primary btn-block">
            В личный кабинет
          </Link>
        </div>
      </div>
    </Layout>
  );
};
