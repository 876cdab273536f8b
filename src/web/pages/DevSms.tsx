import type { TargetedEvent } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../components/Alert';
import { Layout } from '../components/Layout';
import { PhoneInput } from '../components/PhoneInput';
import { ApiError, type DevSms as Sms, api, errorMessage } from '../lib/api';
import { useDocumentTitle } from '../lib/hooks';
import { formatPhone } from '../../core/phone';
import { NATIONAL_LENGTH, nationalDigits } from '../lib/phone';
import { Link } from '../lib/router';

const REFRESH_MS = 3000;

const timeFormat = new Intl.DateTimeFormat('ru-RU', {
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const formatTime = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
};

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; messages: Sms[]; updatedAt: Date }
  | { kind: 'disabled' }
  | { kind: 'failed'; message: string; messages: Sms[] };

/** The SMS sandbox: every message the app "sent", newest first, so a login works without a phone. */
export const DevSms = () => {
  useDocumentTitle('Тестовые SMS');
  const [filter, setFilter] = useState('');
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [isRefreshing, setRefreshing] = useState(false);
  const inFlight = useRef(false);
  const digits = nationalDigits(filter);

  const load = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      // A complete number is filtered by the server (it may cap the list); a part of one, here.
      const isComplete = digits.length === NATIONAL_LENGTH;
      const all = await api.devSms(isComplete ? `+7${digits}` : undefined);
      const messages =
        isComplete || digits === '' ? all : all.filter((sms) => nationalDigits(sms.to).includes(digits));
      setState({ kind: 'ready', messages, updatedAt: new Date() });
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
  }, [digits]);

  const isDisabled = state.kind === 'disabled';
  useEffect(() => {
    if (isDisabled) return; // no sandbox on this server: nothing to poll
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load, isDisabled]);

  const refresh = async () => {
    setRefreshing(true);
    await load();
    setRefreshing(false);
  };

  const onSubmit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void refresh();
  };

  const messages = state.kind === 'ready' || state.kind === 'failed' ? state.messages : [];

  return (
    <Layout
      headerActions={
        <Link href="/login" class="btn btn-secondary btn-header">
          Войти
        </Link>
      }
    >
      <div class="container">
        <h1 class="page-title">Тестовые SMS (песочница)</h1>
        <p class="lead-small">
          В песочнице SMS не уходят на телефон: все сообщения сохраняются здесь. Список обновляется каждые
          3 секунды.
        </p>

        <form class="card filter-form" role="search" aria-label="Фильтр сообщений" onSubmit={onSubmit}>
          <div class="field">
            <label for="sms-phone">Номер получателя</label>
            <PhoneInput id="sms-phone" value={filter} onValueChange={setFilter} autoComplete="off" describedBy="sms-phone-hint" />
            <p id="sms-phone-hint" class="hint">
              Можно ввести часть номера. Пустое поле — все сообщения.
            </p>
          </div>
          <button type="submit" class="btn btn-primary btn-block" disabled={isRefreshing}>
            {isRefreshing ? 'Обновляем…' : 'Обновить'}
          </button>
        </form>

        {state.kind === 'disabled' && (
          <Alert message="Песочница SMS выключена на этом сервере: сообщения уходят настоящим получателям." />
        )}
        {state.kind === 'failed' && <Alert message={state.message} />}
        {state.kind === 'loading' && (
          <p class="muted" role="status">
            Загружаем сообщения…
          </p>
        )}

        {state.kind !== 'disabled' && state.kind !== 'loading' && (
          <>
            <p class="sms-count" role="status">
              {messages.length === 0 ? 'Сообщений пока нет.' : `Сообщений: ${messages.length}`}
            </p>
            {state.kind === 'ready' && (
              <p class="muted small">Обновлено в {state.updatedAt.toLocaleTimeString('ru-RU')}</p>
            )}
            <ol class="sms-list">
              {messages.map((sms) => (
                <li class="card sms" key={`${sms.sentAt}|${sms.to}|${sms.text}`}>
                  <div class="sms-meta">
                    <span class="nowrap">
                      <span class="sr-only">Кому: </span>
                      <strong>{formatPhone(sms.to)}</strong>
                    </span>
                    <time dateTime={sms.sentAt}>{formatTime(sms.sentAt)}</time>
                  </div>
                  <p class="sms-text">{sms.text}</p>
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </Layout>
  );
};
