import { useEffect, useState } from 'preact/hooks';
import { api } from './api';

const SITE_NAME = 'CarCapital';

export const useDocumentTitle = (title: string): void => {
  useEffect(() => {
    document.title = title === SITE_NAME ? title : `${title} — ${SITE_NAME}`;
  }, [title]);
};

/**
 * Whole seconds left until `deadline` (a `Date.now()` value), ticking every second; 0 once passed
 * and when there is no deadline. Computed from the clock, so a throttled background tab catches up.
 */
export const useSecondsLeft = (deadline: number | null): number => {
  const [left, setLeft] = useState(() => secondsUntil(deadline));
  useEffect(() => {
    setLeft(secondsUntil(deadline));
    if (deadline === null) return;
    const timer = window.setInterval(() => {
      const next = secondsUntil(deadline);
      setLeft(next);
      if (next === 0) window.clearInterval(timer);
    }, 250);
    return () => window.clearInterval(timer);
  }, [deadline]);
  return left;
};

const secondsUntil = (deadline: number | null): number =>
  deadline === null ? 0 : Math.max(0, Math.ceil((deadline - Date.now()) / 1000));

/** `59` → `0:59`, `300` → `5:00`. */
export const formatSeconds = (seconds: number): string => {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
};

/** Whether the server runs the SMS sandbox (the «Тестовые SMS» page); false until it says so. */
export const useDevSms = (): boolean => {
  const [devSms, setDevSms] = useState(false);
  useEffect(() => {
    let active = true;
    api
      .clientConfig()
      .then((config) => {
        if (active) setDevSms(config.devSms === true);
      })
      .catch(() => {
        // Without the config the dev link stays hidden; nothing else depends on it.
      });
    return () => {
      active = false;
    };
  }, []);
  return devSms;
};

/**
 * Calls `onRestore` when the browser shows this page again from its back/forward cache (Back from
 * an acquirer's page): the page comes back as it was left — a busy button, old figures — so the
 * caller reads the server's state again.
 */
export const useBackForwardRestore = (onRestore: () => void): void => {
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) onRestore();
    };
    window.addEventListener('pageshow', onPageShow);
    return () => window.removeEventListener('pageshow', onPageShow);
  }, []);
};
