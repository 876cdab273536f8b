/**
 * `/support` and `/support/:id`, loaded on demand (a dynamic `import()` in App.tsx): the customer's
 * requests to support with their status («Новое», «В работе», «Ждёт вашего ответа», «Решено», «Закрыто»), a new request
 * (topic, subject, message, up to 3 files), and one request's thread with the staff's replies, the
 * files, the date by which we answer, and a box to write more. `/support/sms` is the public «Не
 * приходит SMS» page (no login). Phone first, like the rest of the cabinet.
 */
import type { TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { AttachmentList, FilePicker } from '../../components/Attachments';
import { Field } from '../../components/fields';
import { CabinetLink, Layout } from '../../components/Layout';
import { LoadStatus } from '../../components/LoadStatus';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { formatMoscowDateTime } from '../../lib/loan-format';
import { Link, navigate, useRoute } from '../../lib/router';
import {
  CATEGORY_LABELS,
  CUSTOMER_STATUS_LABELS,
  CUSTOMER_STATUS_TONES,
  MESSAGE_MAX,
  SUBJECT_MAX,
  TICKET_CATEGORIES,
  type TicketCategory,
  categoryLabel,
  formatDueDate,
  isTicketCategory,
  isTicketStatus,
  waitsForUs,
} from '../../lib/tickets';
import { AccountDeletion } from './AccountDeletion';
import { SmsProblemPage } from './SmsProblemPage';
import { ownLastMessage, type SupportMessage, type Ticket, supportApi } from './support-api';
import './support.css';

const loginFor = (path: string) => navigate(`/login?next=${encodeURIComponent(path)}`, { replace: true });

type Load<T> = { kind: 'loading' } | { kind: 'ready'; data: T } | { kind: 'missing' } | { kind: 'failed'; message: string };

/** Loads for the page; without a session, to the login and back here. */
const useCustomerLoad = <T,>(load: () => Promise<T>, key: string) => {
  const [state, setState] = useState<Load<T>>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let active = true;
    load()
      .then((data) => {
        if (active) setState({ kind: 'ready', data });
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) loginFor(window.location.pathname);
        else if (error instanceof ApiError && error.status === 404) setState({ kind: 'missing' });
        else setState((previous) => (previous.kind === 'ready' ? previous : { kind: 'failed', message: errorMessage(error) }));
      });
    return () => {
      active = false;
    };
  }, [key, round]);
  return { state, reload: () => setRound((n) => n + 1) };
};

export const SupportPages = ({ path }: { path: string }) => {
  if (path === '/support') return <SupportList />;
  if (path === '/support/sms') return <SmsProblemPage />;
  const id = path.slice('/support/'.length);
  return /^[0-9a-f-]{36}$/i.test(id) ? <SupportThread key={id} id={id} /> : <Missing />;
};

const StatusBadge = ({ status }: { status: string }) =>
  isTicketStatus(status) ? (
    <span class={`badge badge-${CUSTOMER_STATUS_TONES[status]}`} data-status={status}>
      {CUSTOMER_STATUS_LABELS[status]}
    </span>
  ) : null;

const formatWhen = (iso: string | undefined) => (iso ? formatMoscowDateTime(iso) : '');

/** «Ответим до 16 декабря включительно» (the due date is the answer's last day) while it is our turn. */
const DueLine = ({ ticket }: { ticket: Ticket }) =>
  ticket.dueDate && waitsForUs(ticket.status) ? (
    <p class="muted small support-due" data-testid="support-due">
      Ответим до {formatDueDate(ticket.dueDate)} включительно
    </p>
  ) : null;

type FailedFile = { name: string; message: string };

/** Files that did not go with the message, and why. */
const failedFilesText = (failed: FailedFile[]) =>
  `Сообщение отправлено, но ${failed.length === 1 ? 'файл не прикрепился' : 'файлы не прикрепились'}: ${failed
    .map((f) => `«${f.name}» — ${f.message}`)
    .join(' ')}`;

const SupportList = () => {
  useDocumentTitle('Поддержка');
  const route = useRoute();
  const { state, reload } = useCustomerLoad(() => supportApi.tickets(), 'list');
  const [writing, setWriting] = useState(route.query.get('new') === '1');
  const tickets = state.kind === 'ready' ? state.data : [];
  const showForm = state.kind === 'ready' && (writing || tickets.length === 0);

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow support-page">
        <h1 class="page-title">Поддержка</h1>
        <p class="lead-small">Напишите нам: ответим здесь в течение 15 рабочих дней (обычно быстрее), а о готовом ответе пришлём SMS.</p>
        <p class="support-faq">
          <Link href="/faq">Вопросы и ответы</Link> — возможно, ответ уже есть.
        </p>
        <LoadStatus state={state.kind === 'missing' ? { kind: 'failed', message: 'Не найдено.' } : state} onRetry={reload} loadingText="Загружаем обращения…" />
        {state.kind === 'ready' && !showForm && (
          <button type="button" class="btn btn-primary btn-block" aria-expanded="false" onClick={() => setWriting(true)}>
            Новое обращение
          </button>
        )}
        {showForm && <NewTicketForm focusOnShow={writing} onCancel={tickets.length > 0 ? () => setWriting(false) : null} />}
        {tickets.length > 0 && (
          <section class="card" aria-labelledby="tickets-title">
            <h2 id="tickets-title">Мои обращения</h2>
            <ul class="item-list" data-testid="support-tickets">
              {tickets.map((ticket) => (
                <li key={ticket.id} class="list-item support-item" data-id={ticket.id} data-status={ticket.status}>
                  <div class="list-item-head">
                    <StatusBadge status={ticket.status} />
                    <span class="muted small">{formatWhen(ticket.lastMessageAt ?? ticket.updatedAt ?? ticket.createdAt)}</span>
                  </div>
                  <p class="support-subject">
                    <Link href={`/support/${ticket.id}`}>{ticket.subject}</Link>
                  </p>
                  <p class="muted small">{categoryLabel(ticket.category)}</p>
                  <DueLine ticket={ticket} />
                </li>
              ))}
            </ul>
          </section>
        )}
        {state.kind === 'ready' && <AccountDeletion onRequested={reload} />}
      </div>
    </Layout>
  );
};

type Errors = { category?: string; subject?: string; message?: string };

const NewTicketForm = ({ focusOnShow, onCancel }: { focusOnShow: boolean; onCancel: (() => void) | null }) => {
  const [category, setCategory] = useState('');
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [failed, setFailed] = useState<{ ticketId: string; files: FailedFile[] } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (focusOnShow) heading.current?.focus();
  }, []);

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const found: Errors = {};
    if (!isTicketCategory(category)) found.category = 'Выберите, о чём вопрос.';
    if (subject.trim() === '') found.subject = 'Напишите тему в двух-трёх словах.';
    if (message.trim() === '') found.message = 'Опишите вопрос: что случилось и что вы хотите.';
    setErrors(found);
    setFormError(null);
    const first = (['category', 'subject', 'message'] as const).find((key) => found[key]);
    if (first) {
      document.getElementById(`support-${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const ticket = await supportApi.create({ category: category as TicketCategory, subject: subject.trim(), message: message.trim() });
      const first = ownLastMessage(ticket);
      if (files.length > 0 && first) {
        setProgress(`Загружаем файлы: 0 из ${files.length}…`);
        const notSent = await supportApi.attach(ticket.id, first.id, files, (done) => setProgress(`Загружаем файлы: ${done} из ${files.length}…`));
        setProgress(null);
        if (notSent.length > 0) {
          setFailed({ ticketId: ticket.id, files: notSent });
          setBusy(false);
          return;
        }
      }
      navigate(`/support/${ticket.id}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        loginFor('/support');
        return;
      }
      const fields = error instanceof ApiError ? (error.fields ?? {}) : {};
      if (fields.category || fields.subject || fields.message) {
        setErrors({ category: fields.category, subject: fields.subject, message: fields.message });
        const field = (['category', 'subject', 'message'] as const).find((key) => fields[key]);
        document.getElementById(`support-${field}`)?.focus();
      } else {
        setFormError(errorMessage(error));
      }
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="new-ticket-title">
      <h2 id="new-ticket-title" tabindex={-1} ref={heading}>
        Новое обращение
      </h2>
      <form class="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field id="support-category" label="О чём вопрос" error={errors.category}>
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              class="input"
              value={category}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onChange={(event) => {
                setCategory(event.currentTarget.value);
                setErrors((previous) => ({ ...previous, category: undefined }));
              }}
            >
              <option value="">Выберите</option>
              {TICKET_CATEGORIES.map((value) => (
                <option key={value} value={value}>
                  {CATEGORY_LABELS[value]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="support-subject" label="Тема" error={errors.subject} hint="В двух-трёх словах, например «Не вижу платёж»">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="text"
              autocomplete="off"
              maxLength={SUBJECT_MAX}
              value={subject}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setSubject(event.currentTarget.value);
                setErrors((previous) => ({ ...previous, subject: undefined }));
              }}
            />
          )}
        </Field>
        <Field id="support-message" label="Сообщение" error={errors.message} hint="Не пишите данные карты и коды из SMS: мы их никогда не спрашиваем">
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={5}
              maxLength={MESSAGE_MAX}
              value={message}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setMessage(event.currentTarget.value);
                setErrors((previous) => ({ ...previous, message: undefined }));
              }}
            />
          )}
        </Field>
        <FilePicker id="support-files" files={files} onChange={setFiles} disabled={busy || failed !== null} />
        <Alert message={formError} />
        <Alert message={failed ? failedFilesText(failed.files) : null}>
          {failed && (
            <Link href={`/support/${failed.ticketId}`} class="btn btn-secondary btn-block">
              Открыть обращение
            </Link>
          )}
        </Alert>
        <p class="sr-only" role="status">
          {progress ?? ''}
        </p>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy || failed !== null}>
          {busy ? (progress ?? 'Отправляем…') : 'Отправить'}
        </button>
        {onCancel && (
          <button type="button" class="btn btn-secondary btn-block" onClick={onCancel} disabled={busy}>
            Отмена
          </button>
        )}
      </form>
    </section>
  );
};

const SupportThread = ({ id }: { id: string }) => {
  useDocumentTitle('Обращение в поддержку');
  const { state, reload } = useCustomerLoad(() => supportApi.ticket(id), id);
  const [status, setStatus] = useState('');

  if (state.kind === 'missing') return <Missing />;
  const ticket = state.kind === 'ready' ? state.data : null;

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow support-page">
        <p class="support-back">
          <Link href="/support">← Все обращения</Link>
        </p>
        <h1 class="page-title">Обращение</h1>
        <LoadStatus state={state} onRetry={reload} loadingText="Загружаем обращение…" />
        {ticket && (
          <>
            <section class="card" aria-labelledby="ticket-subject">
              <h2 id="ticket-subject" class="support-subject">
                {ticket.subject}
              </h2>
              <p>
                <StatusBadge status={ticket.status} /> <span class="muted small">{categoryLabel(ticket.category)}</span>
              </p>
              <DueLine ticket={ticket} />
              {ticket.status === 'waiting_customer' && <p class="muted small">Мы ответили. Если ответ помог, ничего делать не нужно. Если нет — напишите ниже.</p>}
              {ticket.status === 'resolved' && <p class="muted small">Вопрос решён. Если что-то осталось, напишите ниже — вернёмся к нему.</p>}

              <Thread messages={ticket.messages ?? []} />
            </section>
            <p class="sr-only" role="status">
              {status}
            </p>
            {ticket.status === 'closed' ? (
              <section class="card" aria-labelledby="closed-title">
                <h2 id="closed-title">Обращение закрыто</h2>
                <p class="muted">Если вопрос остался, создайте новое обращение — ответим в нём.</p>
                <Link href="/support?new=1" class="btn btn-secondary btn-block">
                  Новое обращение
                </Link>
              </section>
            ) : (
              <WriteMore
                ticketId={ticket.id}
                onSent={() => {
                  setStatus('Сообщение отправлено.');
                  reload();
                }}
              />
            )}
          </>
        )}
      </div>
    </Layout>
  );
};

const Thread = ({ messages }: { messages: SupportMessage[] }) => (
  <ol class="support-thread" aria-label="Переписка" data-testid="support-thread">
    {messages.map((message) => (
      <li key={message.id} class={`support-message support-message-${message.author}`} data-author={message.author}>
        <p class="support-meta">
          <strong>{message.author === 'staff' ? (message.authorName ?? 'Поддержка CarCapital') : 'Вы'}</strong>
          <span class="muted"> · {formatWhen(message.createdAt)}</span>
        </p>
        <p class="support-body">{message.body}</p>
        <AttachmentList files={message.attachments} />
      </li>
    ))}
  </ol>
);

const WriteMore = ({ ticketId, onSent }: { ticketId: string; onSent: () => void }) => {
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    if (body.trim() === '') {
      setError('Напишите сообщение.');
      document.getElementById('support-more')?.focus();
      return;
    }
    setError(null);
    setFormError(null);
    setBusy(true);
    try {
      const thread = await supportApi.write(ticketId, body.trim());
      setBody('');
      const mine = ownLastMessage(thread);
      if (files.length > 0 && mine) {
        setProgress(`Загружаем файлы: 0 из ${files.length}…`);
        const notSent = await supportApi.attach(ticketId, mine.id, files, (done) => setProgress(`Загружаем файлы: ${done} из ${files.length}…`));
        setProgress(null);
        setFiles([]);
        if (notSent.length > 0) setFormError(failedFilesText(notSent));
      }
      onSent();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401) loginFor(window.location.pathname);
      else if (failure instanceof ApiError && failure.fields?.body) setError(failure.fields.body);
      else setFormError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="write-more-title">
      <h2 id="write-more-title">Написать ещё</h2>
      <form class="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field id="support-more" label="Сообщение" error={error ?? undefined}>
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={4}
              maxLength={MESSAGE_MAX}
              value={body}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setBody(event.currentTarget.value);
                setError(null);
              }}
            />
          )}
        </Field>
        <FilePicker id="support-more-files" files={files} onChange={setFiles} disabled={busy} />
        <Alert message={formError} />
        <p class="sr-only" role="status">
          {progress ?? ''}
        </p>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? (progress ?? 'Отправляем…') : 'Отправить'}
        </button>
      </form>
    </section>
  );
};

const Missing = () => {
  useDocumentTitle('Обращение не найдено');
  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow support-page">
        <h1 class="page-title">Обращение не найдено</h1>
        <p class="lead-small">Проверьте ссылку или откройте список обращений.</p>
        <Link href="/support" class="btn btn-secondary btn-block">
          Все обращения
        </Link>
      </div>
    </Layout>
  );
};
