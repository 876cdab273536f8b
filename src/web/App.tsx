import type { FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from './components/Alert';
import { Layout } from './components/Layout';
import { Cabinet } from './pages/Cabinet';
import { DevSms } from './pages/DevSms';
import { Landing } from './pages/Landing';
import { Login } from './pages/Login';
import { NotFound } from './pages/NotFound';
import { type Route, useRoute } from './lib/router';

type PageProps = { path: string };
type PageComponent = FunctionComponent<PageProps>;

/**
 * A group of pages in its own script, fetched on the first visit: the landing page, which most
 * visitors never leave, carries neither the questionnaire nor the loan pages. Loaded once per page;
 * a failed load is not kept, so «Повторить» tries again.
 */
const lazyPages = (load: () => Promise<PageComponent>, title: string) => {
  let pending: Promise<PageComponent> | undefined;
  let loadedPage: PageComponent | undefined;
  const loadOnce = (): Promise<PageComponent> => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return ({ path }: PageProps) => {
    // Kept in a box: a component in state would be called as an updater.
    const [loaded, setLoaded] = useState<{ Page: PageComponent } | undefined>(loadedPage ? { Page: loadedPage } : undefined);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (loaded) return;
      let active = true;
      setFailed(false);
      loadOnce()
        .then((Page) => {
          loadedPage = Page;
          if (active) setLoaded({ Page });
        })
        .catch(() => {
          if (active) setFailed(true);
        });
      return () => {
        active = false;
      };
    }, [attempt]);
    if (loaded) return <loaded.Page path={path} />;
    return (
      <Layout>
        <div class="container narrow">
          <h1 class="page-title">{title}</h1>
          {failed ? (
            <Alert message="Не удалось загрузить страницу. Проверьте подключение к интернету и попробуйте ещё раз.">
              <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
                Повторить
              </button>
            </Alert>
          ) : (
            <p class="muted" role="status">
              Загружаем…
            </p>
          )}
        </div>
      </Layout>
    );
  };
};

/** The questionnaire, the decision and the contract signing. */
const ApplicationRoute = lazyPages(
  () => import('./pages/application/ApplicationPages').then((module) => module.ApplicationPages),
  'Заявка на заём',
);
/** A signed loan: its status, payout, schedule and contract. */
const LoanRoute = lazyPages(() => import('./pages/loans/LoanPage').then((module) => module.LoanPages), 'Заём');
/** Every operation of the customer, filtered, with CSV and PDF downloads. */
const HistoryRoute = lazyPages(() => import('./pages/history/HistoryPage').then((module) => module.HistoryPage), 'История операций');
/** The customer's requests to support and their threads. */
const SupportRoute = lazyPages(() => import('./pages/support/SupportPages').then((module) => module.SupportPages), 'Поддержка');
/** Questions and answers about the product (no login). */
const FaqRoute = lazyPages(() => import('./pages/faq/FaqPage').then((module) => module.FaqPage), 'Вопросы и ответы');
/** Email, consents, sessions and devices, «download my data». */
const ProfileRoute = lazyPages(() => import('./pages/profile/ProfilePage').then((module) => module.ProfilePage), 'Профиль и безопасность');
/** Where the email confirmation link lands, and the sandbox mailbox (development). */
const EmailConfirmRoute = lazyPages(() => import('./pages/profile/EmailConfirm').then((module) => module.EmailConfirm), 'Подтверждение почты');
const DevEmailRoute = lazyPages(() => import('./pages/DevEmail').then((module) => module.DevEmail), 'Тестовые письма');
/** The back office (its own chunk: customers never load it). */
const StaffRoute = lazyPages(() => import('./pages/staff/StaffApp').then((module) => module.StaffApp), 'Бэк-офис');

const within = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

const screenFor = (path: string) => {
  if (path === '/application' || path.startsWith('/application/')) return <ApplicationRoute path={path} />;
  if (path.startsWith('/loans/')) return <LoanRoute path={path} />;
  if (within(path, '/support')) return <SupportRoute path={path} />;
  if (within(path, '/staff')) return <StaffRoute path={path} />;
  switch (path) {
    case '/':
      return <Landing />;
    case '/login':
      return <Login />;
    case '/cabinet':
      return <Cabinet />;
    case '/faq':
      return <FaqRoute path={path} />;
    case '/history':
      return <HistoryRoute path={path} />;
    case '/profile':
      return <ProfileRoute path={path} />;
    case '/dev/sms':
      return <DevSms />;
    case '/email/confirm':
      return <EmailConfirmRoute path={path} />;
    case '/dev/email':
      return <DevEmailRoute path={path} />;
    default:
      return <NotFound />;
  }
};

/**
 * After an in-app navigation, do what a page load would: jump to the `#fragment` or to the top,
 * and move keyboard and screen-reader focus to the new content.
 */
const useFocusOnNavigation = (route: Route) => {
  const isFirstRender = useRef(true);
  const key = `${route.path}#${route.hash}`;
  useEffect(() => {
    const isFirst = isFirstRender.current;
    isFirstRender.current = false;
    const target = route.hash ? document.getElementById(route.hash) : null;
    if (target) {
      target.scrollIntoView();
      if (!isFirst) target.focus({ preventScroll: true });
      return;
    }
    if (isFirst) return;
    window.scrollTo(0, 0);
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    // Only a change of page or fragment moves focus, not a change of query.
  }, [key]);
};

export const App = () => {
  const route = useRoute();
  useFocusOnNavigation(route);
  return screenFor(route.path);
};
