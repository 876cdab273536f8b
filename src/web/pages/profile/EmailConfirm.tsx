/**
 * /email/confirm?token=…: where the confirmation letter's link lands. Takes the token out of the
 * address bar (so it stays in neither the history nor a shared screenshot), posts it, and says in
 * Russian whether the address is now confirmed. Works without being logged in: the link is often
 * opened on another device.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Layout } from '../../components/Layout';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { Link } from '../../lib/router';
import { emailApi } from './email-api';

type State = { kind: 'confirming' } | { kind: 'confirmed' } | { kind: 'failed'; message: string; canRetry: boolean };

const NO_TOKEN = 'В ссылке нет кода подтверждения. Откройте ссылку из письма целиком или запросите новую в профиле.';

export const EmailConfirm = () => {
  useDocumentTitle('Подтверждение почты');
  // Read once: the address bar is cleaned right after.
  const token = useRef(new URLSearchParams(window.location.search).get('token')?.trim() ?? '');
  const [state, setState] = useState<State>(token.current ? { kind: 'confirming' } : { kind: 'failed', message: NO_TOKEN, canRetry: false });
  const heading = useRef<HTMLHeadingElement>(null);

  const send = async () => {
    setState({ kind: 'confirming' });
    try {
      await emailApi.confirm(token.current);
      setState({ kind: 'confirmed' });
    } catch (failure) {
      // A refusal (400) is final; a network failure or a 5xx can be tried again.
      const status = failure instanceof ApiError ? failure.status : 0;
      setState({ kind: 'failed', message: errorMessage(failure), canRetry: status === 0 || status >= 500 });
    }
  };

  useEffect(() => {
    if (window.location.search) window.history.replaceState(null, '', window.location.pathname);
    if (token.current) void send();
  }, []);

  useEffect(() => {
    if (state.kind !== 'confirming') heading.current?.focus();
  }, [state.kind]);

  return (
    <Layout>
      <div class="container narrow">
        <h1 class="page-title" ref={heading} tabindex={-1}>
          {state.kind === 'confirmed' ? 'Почта подтверждена' : 'Подтверждение почты'}
        </h1>
        {state.kind === 'confirming' && (
          <p class="muted" role="status">
            Подтверждаем адрес…
          </p>
        )}
        {state.kind === 'confirmed' && (
          <div class="card">
            <p role="status">Адрес электронной почты подтверждён. Теперь мы будем дублировать на него важные уведомления.</p>
            <Link href="/profile" class="btn btn-primary btn-block">
              Перейти в профиль
            </Link>
          </div>
        )}
        {state.kind === 'failed' && (
          <>
            <Alert message={state.message}>
              {state.canRetry && (
                <button type="button" class="btn btn-secondary" onClick={() => void send()}>
                  Повторить
                </button>
              )}
            </Alert>
            <Link href="/profile" class="btn btn-secondary btn-block">
              Запросить новую ссылку в профиле
            </Link>
          </>
        )}
      </div>
    </Layout>
  );
};
