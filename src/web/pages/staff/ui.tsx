/**
 * The back office's frame and small parts: the page shell (skip link, header with the member, their
 * roles and «Выйти», the nav of the workspaces their roles open), loading a page's data, tables that
 * scroll sideways on a tablet, and the statuses a request can end in (no access, not found).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { LoadStatus } from '../../components/LoadStatus';
import { ApiError, errorMessage } from '../../lib/api';
import { Link } from '../../lib/router';
import { rolesText, workspaceOf, workspacesFor } from './format';
import type { StaffMe } from './staff-api';

type FrameProps = {
  me?: StaffMe | null;
  path: string;
  onLogout?: () => void;
  loggingOut?: boolean;
  logoutError?: string | null;
  children: ComponentChildren;
};

/** The page frame of every staff screen; without a member (login), only the logo. */
export const StaffFrame = ({ me, path, onLogout, loggingOut = false, logoutError = null, children }: FrameProps) => {
  const current = workspaceOf(path);
  const workspaces = me && !me.mustChangePassword ? workspacesFor(me.roles) : [];
  return (
    <>
      <a class="skip-link" href="#main">
        Перейти к содержанию
      </a>
      <header class="site-header staff-header">
        <div class="staff-container header-inner">
          <Link href={me ? '/staff' : '/staff/login'} class="logo">
            <span class="logo-mark" aria-hidden="true">
              C
            </span>
            <span class="logo-text">
              Car<span class="logo-accent">Capital</span>
            </span>
            <span class="staff-tag">бэк-офис</span>
          </Link>
          {me && (
            <div class="staff-user">
              <p class="staff-who">
                <span class="sr-only">Вы вошли как </span>
                <strong data-testid="staff-name">{me.fullName}</strong>
                <span class="staff-roles" data-testid="staff-roles">
                  {rolesText(me.roles)}
                </span>
              </p>
              {!me.mustChangePassword && (
                <Link href="/staff/password" class="btn btn-link staff-password-link">
                  Сменить пароль
                </Link>
              )}
              <button type="button" class="btn btn-secondary btn-header" onClick={onLogout} disabled={loggingOut}>
                {loggingOut ? 'Выходим…' : 'Выйти'}
              </button>
            </div>
          )}
        </div>
        {workspaces.length > 0 && (
          <nav class="staff-nav" aria-label="Разделы бэк-офиса">
            <ul class="staff-container">
              {workspaces.map((workspace) => (
                <li key={workspace.path}>
                  <Link href={workspace.path} aria-current={current?.path === workspace.path ? 'page' : undefined}>
                    {workspace.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" class="site-main staff-main" tabindex={-1}>
        <div class="staff-container">
          <Alert message={logoutError} />
          {children}
        </div>
      </main>
    </>
  );
};

export type Load<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; data: T }
  | { kind: 'failed'; message: string; status: number };

/**
 * Loads a page's data whenever `key` changes or `reload()` is called; `setData` keeps a fresher copy
 * (the reply of a change). A refusal keeps its status: 403 and 404 read differently from a failure.
 */
export const useLoad = <T,>(load: () => Promise<T>, key: string) => {
  const [state, setState] = useState<Load<T>>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  const lastKey = useRef(key);
  useEffect(() => {
    let active = true;
    // A reload keeps what is shown until the fresh copy comes; another key starts from nothing.
    const sameKey = lastKey.current === key;
    lastKey.current = key;
    setState((previous) => (sameKey && previous.kind === 'ready' ? previous : { kind: 'loading' }));
    load()
      .then((data) => {
        if (active) setState({ kind: 'ready', data });
      })
      .catch((error: unknown) => {
        if (!active) return;
        setState({ kind: 'failed', message: failureText(error), status: error instanceof ApiError ? error.status : 0 });
      });
    return () => {
      active = false;
    };
  }, [key, round]);
  return {
    state,
    reload: () => setRound((n) => n + 1),
    setData: (data: T) => setState({ kind: 'ready', data }),
  };
};

/** Why a request failed, as staff should read it. */
export const failureText = (error: unknown): string => {
  if (error instanceof ApiError && error.status === 403) return 'Нет доступа: вашим ролям этот раздел не открыт.';
  if (error instanceof ApiError && error.status === 404) return 'Не найдено: проверьте ссылку или номер.';
  // A refused filter or search names its field: say what is wrong with it.
  if (error instanceof ApiError && error.fields && Object.keys(error.fields).length > 0) return Object.values(error.fields).join(' ');
  return errorMessage(error);
};

/** Loading and failure of a page's data (a retry only where one could help). */
export const LoadState = <T,>({ state, onRetry, loadingText }: { state: Load<T>; onRetry: () => void; loadingText?: string }) => {
  // Refusals a retry cannot change (a wrong filter, no access, nothing there): no «Повторить».
  if (state.kind === 'failed' && (state.status === 400 || state.status === 403 || state.status === 404)) return <Alert message={state.message} />;
  return <LoadStatus state={state} onRetry={onRetry} loadingText={loadingText ?? 'Загружаем…'} />;
};

/** A page this member's roles do not open. */
export const Forbidden = () => (
  <>
    <h1 class="page-title">Нет доступа</h1>
    <p class="lead-small">Этот раздел не открыт вашим ролям. Если он нужен для работы, обратитесь к администратору.</p>
    <p class="staff-back">
      <Link href="/staff">На сводку</Link>
    </p>
  </>
);

export const NotFoundHere = () => (
  <>
    <h1 class="page-title">Страница не найдена</h1>
    <p class="staff-back">
      <Link href="/staff">На сводку</Link>
    </p>
  </>
);

/** A table that scrolls sideways on a narrow screen; the region is focusable for keyboard scrolling. */
export const TableWrap = ({ label, children }: { label: string; children: ComponentChildren }) => (
  <div class="staff-table-wrap" role="region" aria-label={label} tabindex={0}>
    {children}
  </div>
);

/** A status word in a coloured badge. */
export const Badge = ({ tone, children, status }: { tone: string; children: ComponentChildren; status?: string }) => (
  <span class={`badge badge-${tone}`} data-status={status}>
    {children}
  </span>
);

/** A quiet confirmation after an action, announced by screen readers. */
export const Notice = ({ message }: { message: string | null }) => (
  <div class="staff-notice-slot" role="status">
    {message ? <p class="staff-notice">{message}</p> : null}
  </div>
);

/** The «Назад к …» link above a detail page. */
export const BackLink = ({ href, children }: { href: string; children: ComponentChildren }) => (
  <p class="staff-back">
    <Link href={href}>← {children}</Link>
  </p>
);
