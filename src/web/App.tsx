import { useEffect, useRef } from 'preact/hooks';
import { Cabinet } from './pages/Cabinet';
import { DevSms } from './pages/DevSms';
import { Landing } from './pages/Landing';
import { Login } from './pages/Login';
import { NotFound } from './pages/NotFound';
import { type Route, useRoute } from './lib/router';

const screenFor = (path: string) => {
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
