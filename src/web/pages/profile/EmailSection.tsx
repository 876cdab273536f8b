/**
 * «Электронная почта» in the profile: the address and whether it is confirmed, a form to set or
 * change it, and «Отправить ссылку ещё раз» while it waits for confirmation. An address is used
 * for notices only after the customer follows the link sent to it.
 */
import type { TargetedEvent } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { LoadStatus } from '../../components/LoadStatus';
import { ApiError, errorMessage } from '../../lib/api';
import { navigate } from '../../lib/router';
import { emailApi, type ProfileEmail } from './email-api';
import './email.css';

type Load = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; value: ProfileEmail };

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const EmailSection = () => {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onUnauthorized = (failure: unknown) => {
    if (failure instanceof ApiError && failure.status === 401) {
      navigate(`/login?next=${encodeURIComponent(window.location.pathname)}`, { replace: true });
      return true;
    }
    return false;
  };

  const fetchEmail = useCallback(async () => {
    setLoad({ kind: 'loading' });
    try {
      setLoad({ kind: 'ready', value: await emailApi.get() });
    } catch (failure) {
      if (!onUnauthorized(failure)) setLoad({ kind: 'failed', message: errorMessage(failure) });
    }
  }, []);

  useEffect(() => {
    void fetchEmail();
  }, [fetchEmail]);

  const send = async (address: string) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const value = await emailApi.set(address);
      setLoad({ kind: 'ready', value });
      setEditing(false);
      setNotice(
        value.confirmed
          ? 'Этот адрес уже подтверждён.'
          : `Мы отправили ссылку для подтверждения на ${value.email ?? address}. Она действует 24 часа.`,
      );
    } catch (failure) {
      if (onUnauthorized(failure)) return;
      if (failure instanceof ApiError && failure.fields?.email) setFieldError(failure.fields.email);
      else setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = draft.trim();
    if (!EMAIL_SHAPE.test(address)) {
      setFieldError('Введите адрес электронной почты, например ivan@mail.ru');
      return;
    }
    setFieldError(undefined);
    void send(address);
  };

  const current = load.kind === 'ready' ? load.value : null;
  const showForm = current !== null && (editing || current.email === null);

  return (
    <section class="card" aria-labelledby="email-title" data-testid="email-section">
      <h2 id="email-title">Электронная почта</h2>
      <LoadStatus state={load} onRetry={() => void fetchEmail()} loadingText="Загружаем адрес…" />
      {current && current.email !== null && (
        <p>
          <strong class="email-address">{current.email}</strong>{' '}
          {current.confirmed ? (
            <span class="badge badge-success">подтверждён</span>
          ) : (
            <span class="badge badge-progress">ждёт подтверждения</span>
          )}
        </p>
      )}
      {current && current.email === null && !editing && (
        <p class="muted">Адрес не указан. На подтверждённый адрес мы дублируем важные уведомления.</p>
      )}
      {current && current.email !== null && !current.confirmed && (
        <p class="muted">Откройте ссылку из письма, чтобы подтвердить адрес. До этого мы не отправляем на него уведомления.</p>
      )}
      <Alert message={error} />
      {notice && (
        <p role="status" class="email-notice">
          {notice}
        </p>
      )}
      {showForm && (
        <form onSubmit={onSubmit} noValidate>
          <Field
            id="profile-email"
            label={current.email === null ? 'Адрес электронной почты' : 'Новый адрес электронной почты'}
            hint="Пришлём на него ссылку для подтверждения"
            error={fieldError}
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input"
                type="email"
                inputmode="email"
                autocomplete="email"
                autocapitalize="off"
                spellcheck={false}
                maxlength={254}
                value={draft}
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => setDraft(event.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Отправляем…' : 'Отправить ссылку'}
          </button>
          {editing && (
            <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => setEditing(false)}>
              Отмена
            </button>
          )}
        </form>
      )}
      {current && current.email !== null && !editing && (
        <>
          {!current.confirmed && (
            <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => void send(current.email ?? '')}>
              {busy ? 'Отправляем…' : 'Отправить ссылку ещё раз'}
            </button>
          )}
          <button
            type="button"
            class="btn btn-secondary btn-block"
            disabled={busy}
            onClick={() => {
              setDraft('');
              setFieldError(undefined);
              setNotice(null);
              setEditing(true);
            }}
          >
            Изменить адрес
          </button>
        </>
      )}
    </section>
  );
};
