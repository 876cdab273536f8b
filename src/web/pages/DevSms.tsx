import type { TargetedEvent } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { Alert } from '../components/Alert';
import { Layout } from '../components/Layout';
import { PhoneInput } from '../components/PhoneInput';
import { type DevSms as Sms, api } from '../lib/api';
import { formatSentAt, useSandboxList } from '../lib/sandbox-list';
import { useDocumentTitle } from '../lib/hooks';
import { formatPhone } from '../../core/phone';
import { NATIONAL_LENGTH, nationalDigits } from '../lib/phone';
import { Link } from '../lib/router';

/** The SMS sandbox: every message the app "sent", newest first, so a login works without a phone. */
export const DevSms = () => {
  useDocumentTitle('Тестовые SMS');
  const [filter, setFilter] = useState('');
  const digits = nationalDigits(filter);
  const fetchList = useCallback(async () => {
    // A complete number is filtered by the server (it may cap the list); a part of one, here.
    const isComplete = digits.length === NATIONAL_LENGTH;
    const all = await api.devSms(isComplete ? `+7${digits}` : undefined);
    return isComplete || digits === '' ? all : all.filter((sms: Sms) => nationalDigits(sms.to).includes(digits));
  }, [digits]);
  const { state, messages, isRefreshing, refresh } = useSandboxList(fetchList);

  const onSubmit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void refresh();
  };

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
                    <time dateTime={sms.sentAt}>{formatSentAt(sms.sentAt)}</time>
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
