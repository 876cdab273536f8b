import type { TargetedEvent } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { Alert } from '../components/Alert';
import { Layout } from '../components/Layout';
import { request } from '../lib/api';
import { formatSentAt, useSandboxList } from '../lib/sandbox-list';
import { useDocumentTitle } from '../lib/hooks';
import { Link } from '../lib/router';
import './dev-email.css';

/** `GET /api/dev/email`: what the sandbox email provider accepted, newest first. */
type DevEmailMessage = { id: string; to: string; subject: string; text: string; sentAt: string };

const URL_IN_TEXT = /(https?:\/\/[^\s<>"]+)/g;

/** The letter's text with its addresses as links (the confirmation link is the point of this page). */
const TextWithLinks = ({ text }: { text: string }) => (
  <p class="dev-email-text">
    {text.split(URL_IN_TEXT).map((part, index) =>
      index % 2 === 1 ? (
        <a key={index} href={part} class="dev-email-link">
          {part}
        </a>
      ) : (
        part
      ),
    )}
  </p>
);

/** The email sandbox: every letter the app "sent", newest first, with its links clickable. */
export const DevEmail = () => {
  useDocumentTitle('Тестовые письма');
  const [filter, setFilter] = useState('');
  const wanted = filter.trim().toLowerCase();
  const fetchList = useCallback(async () => {
    const all = await request<DevEmailMessage[]>('GET', '/api/dev/email');
    return wanted === '' ? all : all.filter((mail) => mail.to.toLowerCase().includes(wanted));
  }, [wanted]);
  const { state, messages, isRefreshing, refresh } = useSandboxList(fetchList);

  const onSubmit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    await refresh();
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
        <h1 class="page-title">Тестовые письма (песочница)</h1>
        <p class="lead-small">
          В песочнице письма не уходят на почту: все они сохраняются здесь. Ссылки в письмах можно открыть прямо
          отсюда. Список обновляется каждые 3 секунды. <Link href="/dev/sms">Тестовые SMS</Link>
        </p>

        <form class="card filter-form" role="search" aria-label="Фильтр писем" onSubmit={(event) => void onSubmit(event)}>
          <div class="field">
            <label for="email-filter">Адрес получателя</label>
            <input
              id="email-filter"
              class="input"
              type="text"
              inputmode="email"
              autocomplete="off"
              autocapitalize="off"
              spellcheck={false}
              value={filter}
              aria-describedby="email-filter-hint"
              onInput={(event) => setFilter(event.currentTarget.value)}
            />
            <p id="email-filter-hint" class="hint">
              Можно ввести часть адреса. Пустое поле — все письма.
            </p>
          </div>
          <button type="submit" class="btn btn-primary btn-block" disabled={isRefreshing}>
            {isRefreshing ? 'Обновляем…' : 'Обновить'}
          </button>
        </form>

        {state.kind === 'disabled' && (
          <Alert message="Песочница писем выключена на этом сервере: письма уходят настоящим получателям." />
        )}
        {state.kind === 'failed' && <Alert message={state.message} />}
        {state.kind === 'loading' && (
          <p class="muted" role="status">
            Загружаем письма…
          </p>
        )}

        {state.kind !== 'disabled' && state.kind !== 'loading' && (
          <>
            <p class="sms-count" role="status">
              {messages.length === 0 ? 'Писем пока нет.' : `Писем: ${messages.length}`}
            </p>
            {state.kind === 'ready' && <p class="muted small">Обновлено в {state.updatedAt.toLocaleTimeString('ru-RU')}</p>}
            <ol class="sms-list">
              {messages.map((mail) => (
                <li class="card sms" key={mail.id}>
                  <div class="sms-meta">
                    <span class="dev-email-to">
                      <span class="sr-only">Кому: </span>
                      <strong>{mail.to}</strong>
                    </span>
                    <time dateTime={mail.sentAt}>{formatSentAt(mail.sentAt)}</time>
                  </div>
                  <h2 class="dev-email-subject">{mail.subject}</h2>
                  <TextWithLinks text={mail.text} />
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </Layout>
  );
};
