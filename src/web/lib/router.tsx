/**
 * A tiny router on the History API: the server answers every non-/api GET with index.html, and the
 * app picks the screen from `location.pathname`. No library: four routes do not need one.
 */
import type { ComponentChildren, TargetedMouseEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type Route = {
  /** Path without a trailing slash (`/` stays `/`). */
  path: string;
  query: URLSearchParams;
  /** Fragment without `#`. */
  hash: string;
};

const listeners = new Set<() => void>();

const readRoute = (): Route => ({
  path: window.location.pathname.replace(/\/+$/, '') || '/',
  query: new URLSearchParams(window.location.search),
  hash: decodeURIComponent(window.location.hash.slice(1)),
});

let navigations = 0;

const notify = () => {
  navigations += 1;
  for (const listener of listeners) listener();
};

window.addEventListener('popstate', notify);

/**
 * Whether the page has changed in-app since it loaded. A screen that loads its data late (after the
 * navigation's focus move found nothing to focus) moves focus itself only then: on a fresh page
 * load, focus stays where the browser puts it.
 */
export const hasNavigatedInApp = (): boolean => navigations > 0;

type NavigateOptions = { replace?: boolean };

/** Goes to a same-origin URL without reloading; anything else is a normal page load. */
export const navigate = (to: string, { replace = false }: NavigateOptions = {}): void => {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin) {
    window.location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  notify();
};

/** The current route; re-renders the caller on every navigation. */
export const useRoute = (): Route => {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const update = () => setRoute(readRoute());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return route;
};

type LinkProps = {
  href: string;
  class?: string;
  children: ComponentChildren;
  'aria-current'?: 'page';
};

/** An `<a>` that navigates in-app on a plain left click and behaves as a normal link otherwise. */
export const Link = ({ href, children, ...rest }: LinkProps) => {
  const onClick = (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
};
