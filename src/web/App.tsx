import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from './components/Alert';
import { Layout } from './components/Layout';
import { Cabinet } from './pages/Cabinet';
import { DevSms } from './pages/DevSms';
import { Landing } from './pages/Landing';
import { Login } from './pages/Login';
import { NotFound } from './pages/NotFound';
import { type Route, useRoute } from './lib/router';

type ApplicationModule = typeof import('./pages/application/ApplicationPages');

/** Loaded once per page; a failed load is not kept, so «Повторить» tries again. */
let applicationModule: Promise<ApplicationModule> | undefined;
const loadApplicationModule = (): Promise<ApplicationModule> => {
  applicationModule ??= import('./pages/application/ApplicationPages').catch((error: unknown) => {
    applicationModule = undefined;
    throw error;
  });
  return applicationModule;
};
let loadedApplicationModule: ApplicationModule | undefined;

/**
 * The application pages come in their own script, fetched on the first visit to /application…: the
 * landing page, which most visitors never leave, does not carry the questionnaire.
 */
const ApplicationRoute = ({ path }: { path: string }) => {
  const [loaded, setLoaded] = useState<ApplicationModule | undefined>(loadedApplicationModule);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (loaded) return;
    let active = true;
    setFailed(false);
    loadApplicationModule()
      .then((module) => {
        loadedApplicationModule = module;
        if (active) setLoaded(module);
      })
      .catch(() => {
        if (active) setFailed(true);
      });
    return () => {
      active = false;
    };
  }, [attempt]);
  if (loaded) return <loaded.ApplicationPages path={path} />;
  return (
    <Layout>
      <div class="container narrow">
        <h1 class="page-title">Заявка на заём</h1>
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

const screenFor = (path: string) => {
  if (path === '/application' || path.startsWith('/application/')) return <ApplicationRoute path={path} />;
  switch (path) {
    case '/':
      return <Landing />;
    case '/login':
      return <Login />;
    case '/cabinet':
      return <Cabinet />;
    case '/dev/sms':
      return <DevSms />;
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
