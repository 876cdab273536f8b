import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from './api';

/**
 * The development sandbox pages (/dev/sms, /dev/email): a list fetched every 3 s while the page is
 * open, kept on screen when one refresh fails, and «disabled» when the server has no sandbox (404).
 */

export const SANDBOX_REFRESH_MS = 3000;

export type SandboxListState<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; messages: T[]; updatedAt: Date }
  | { kind: 'disabled' }
  | { kind: 'failed'; message: string; messages: T[] };

/** `fetchList` must change identity only when what it fetches changes (wrap it in useCallback). */
export function useSandboxList<T>(fetchList: () => Promise<T[]>) {
  const [state, setState] = useState<SandboxListState<T>>({ kind: 'loading' });
  const [isRefreshing, setRefreshing] = useState(false);
  const inFlight = useRef(false);

  const load = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      setState({ kind: 'ready', messages: await fetchList(), updatedAt: new Date() });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setState({ kind: 'disabled' });
      else
        setState((previous) => ({
          kind: 'failed',
          message: errorMessage(error),
          messages: previous.kind === 'ready' || previous.kind === 'failed' ? previous.messages : [],
        }));
    } finally {
      inFlight.current = false;
    }
  }, [fetchList]);

  const isDisabled = state.kind === 'disabled';
  useEffect(() => {
    if (isDisabled) return; // no sandbox on this server: nothing to poll
    void load();
    const timer = window.setInterval(() => void load(), SANDBOX_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load, isDisabled]);

  const refresh = async () => {
    setRefreshing(true);
    await load();
    setRefreshing(false);
  };

  const messages = state.kind === 'ready' || state.kind === 'failed' ? state.messages : [];
  return { state, messages, isRefreshing, refresh };
}

const timeFormat = new Intl.DateTimeFormat('ru-RU', {
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** When a sandbox message was sent, to the second, in the browser's zone. */
export const formatSentAt = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
};
