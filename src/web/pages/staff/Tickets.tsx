/**
 * The support inbox: `/staff/tickets?status=&category=&mine=1&sort=due`, the customers' requests
 * filtered (by default «Ждут нас»: new and in progress, the longest-waiting first; `status=` one
 * status or `all`; `sort=due`: the earliest answer due date first), each with the date its answer is
 * due (15 working days), late and close ones marked; `/staff/tickets/:id`, one thread with its files
 * and the reply box (a reply, with files if any, makes it «Ждёт ответа клиента» and tells the
 * customer by SMS and email), the status, «Взять себе» (a new request goes «В работе») and, for an
 * administrator, assigning it. A request from the public «Не приходит SMS» form has no customer:
 * the side panel shows the phone and contact to call back. The server names the assignee.
 */
import type { TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { AttachmentList, FilePicker } from '../../components/Attachments';
import { Checkbox, Field } from '../../components/fields';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { Link, navigate, useRoute } from '../../lib/router';
import {
  CATEGORY_LABELS,
  MESSAGE_MAX,
  STAFF_SET_STATUSES,
  STAFF_STATUS_LABELS,
  STAFF_STATUS_TONES,
  TICKET_CATEGORIES,
  TICKET_STATUSES,
  type TicketStatus,
  WAITING_FOR_US,
  categoryLabel,
  formatDueDate,
  isTicketCategory,
  isTicketStatus,
} from '../../lib/tickets';
import { formatDateTime, isAdmin } from './format';
import { type StaffMe, type StaffTicket, type StaffUser, type TicketMessage, staffApi } from './staff-api';
import { Badge, BackLink, LoadState, Notice, TableWrap, useLoad } from './ui';

/** `waiting`: «Ждут нас», new and in progress together (the default); or one status; or all. `due`: by the due date. */
type InboxFilters = { status: TicketStatus | 'waiting' | 'all'; category: string; mine: boolean; due: boolean };

const filtersOf = (query: URLSearchParams): InboxFilters => {
  const status = query.get('status') ?? 'waiting';
  const category = query.get('category') ?? '';
  return {
    status: status === 'all' || isTicketStatus(status) ? status : 'waiting',
    category: isTicketCategory(category) ? category : '',
    mine: query.get('mine') === '1',
    due: query.get('sort') === 'due',
  };
};

/** What the server is asked for: `new,in_progress` for «Ждут нас», nothing for all. */
const statusParam = (status: InboxFilters['status']): string | undefined =>
  status === 'waiting' ? WAITING_FOR_US.join(',') : status === 'all' ? undefined : status;

const inboxPath = (filters: InboxFilters): string => {
  const query = new URLSearchParams();
  if (filters.status !== 'waiting') query.set('status', filters.status);
  if (filters.category) query.set('category', filters.category);
  if (filters.mine) query.set('mine', '1');
  if (filters.due) query.set('sort', 'due');
  const text = query.toString();
  return text ? `/staff/tickets?${text}` : '/staff/tickets';
};

const who = (ticket: StaffTicket, me: StaffMe): string => {
  if (!ticket.assignedTo) return 'не назначено';
  if (ticket.assignedTo.id === me.id) return `вы (${ticket.assignedTo.fullName})`;
  return ticket.assignedTo.fullName;
};

const customerText = (ticket: StaffTicket): string => ticket.customerPhoneMasked || ticket.customer?.phoneMasked || '—';

/** The due date, with words for late and close ones (never colour alone). */
const DueDate = ({ ticket }: { ticket: StaffTicket }) =>
  ticket.dueDate ? (
    <span class="ticket-due" data-overdue={ticket.overdue ? 'true' : undefined} data-due-soon={ticket.dueSoon ? 'true' : undefined}>
      {formatDueDate(ticket.dueDate)}
      {ticket.overdue && (
        <>
          {' '}
          <Badge tone="danger">просрочено</Badge>
        </>
      )}
      {ticket.dueSoon && (
        <>
          {' '}
          <Badge tone="warning">скоро срок</Badge>
        </>
      )}
    </span>
  ) : (
    <>—</>
  );

const StatusBadge = ({ status }: { status: string }) =>
  isTicketStatus(status) ? (
    <Badge tone={STAFF_STATUS_TONES[status]} status={status}>
      {STAFF_STATUS_LABELS[status]}
    </Badge>
  ) : (
    <>{status}</>
  );

export const TicketInbox = ({ me }: { me: StaffMe }) => {
  useDocumentTitle('Обращения');
  const route = useRoute();
  const filters = filtersOf(route.query);
  const key = inboxPath(filters);
  const asked = {
    status: statusParam(filters.status),
    category: filters.category || undefined,
    assignedTo: filters.mine ? 'me' : undefined,
    sort: filters.due ? ('due' as const) : undefined,
  };
  const { state, reload, setData } = useLoad(() => staffApi.tickets(asked), key);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  const showMore = async () => {
    if (state.kind !== 'ready' || !state.data.nextBefore || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const page = await staffApi.tickets({ ...asked, before: state.data.nextBefore });
      const first = page.items[0]?.id;
      setData({ items: [...state.data.items, ...page.items], nextBefore: page.nextBefore });
      setMore({ busy: false, error: null });
      if (first) window.requestAnimationFrame(() => document.querySelector<HTMLElement>(`tr[data-id="${first}"] a`)?.focus());
    } catch (error) {
      setMore({ busy: false, error: errorMessage(error) });
    }
  };

  return (
    <>
      <h1 class="page-title">Обращения клиентов</h1>
      <InboxFilterForm key={key} filters={filters} />
      <LoadState state={state} onRetry={reload} loadingText="Загружаем обращения…" />
      {state.kind === 'ready' && (
        <section class="staff-section" aria-labelledby="inbox-count">
          <div class="staff-toolbar">
            <p id="inbox-count" class="staff-count" role="status">
              {state.data.items.length === 0 ? 'Обращений с такими условиями нет' : `Показано обращений: ${state.data.items.length}`}
            </p>
            <button type="button" class="btn btn-secondary btn-small" onClick={reload}>
              Обновить
            </button>
          </div>
          {state.data.items.length > 0 && (
            <TableWrap label="Список обращений">
              <table class="staff-table" data-testid="ticket-list">
                <thead>
                  <tr>
                    <th scope="col">Тема</th>
                    <th scope="col">Клиент</th>
                    <th scope="col">Категория</th>
                    <th scope="col">Статус</th>
                    <th scope="col">Ответственный</th>
                    <th scope="col">Ответить до</th>
                    <th scope="col">Обновлено</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.items.map((ticket) => (
                    <tr key={ticket.id} data-id={ticket.id} class={ticket.overdue ? 'ticket-row-overdue' : ticket.dueSoon ? 'ticket-row-soon' : undefined}>
                      <td class="staff-col-wide">
                        <Link href={`/staff/tickets/${ticket.id}`}>{ticket.subject}</Link>
                      </td>
                      <td class="nowrap">
                        {customerText(ticket)}
                        {ticket.source === 'public' && <span class="muted small"> (без входа)</span>}
                      </td>
                      <td>{categoryLabel(ticket.category)}</td>
                      <td>
                        <StatusBadge status={ticket.status} />
                      </td>
                      <td>{who(ticket, me)}</td>
                      <td class="nowrap">
                        <DueDate ticket={ticket} />
                      </td>
                      <td class="nowrap">{formatDateTime(ticket.lastMessageAt ?? ticket.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <Alert message={more.error} />
          {state.data.nextBefore && (
            <button type="button" class="btn btn-secondary" disabled={more.busy} onClick={() => void showMore()}>
              {more.busy ? 'Загружаем…' : 'Ещё'}
            </button>
          )}
        </section>
      )}
    </>
  );
};

const InboxFilterForm = ({ filters }: { filters: InboxFilters }) => {
  const [status, setStatus] = useState<string>(filters.status);
  const [category, setCategory] = useState(filters.category);
  const [mine, setMine] = useState(filters.mine);
  const [due, setDue] = useState(filters.due);
  const apply = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    navigate(inboxPath({ status: status as InboxFilters['status'], category, mine, due }), { replace: true });
  };
  return (
    <form class="card staff-filters" role="search" aria-label="Фильтр обращений" onSubmit={apply} noValidate>
      <div class="field">
        <label for="ticket-status">Статус</label>
        <select id="ticket-status" class="input" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
          <option value="waiting">Ждут нас (новые и в работе)</option>
          {TICKET_STATUSES.map((value) => (
            <option key={value} value={value}>
              {STAFF_STATUS_LABELS[value]}
            </option>
          ))}
          <option value="all">Все</option>
        </select>
      </div>
      <div class="field">
        <label for="ticket-category">Категория</label>
        <select id="ticket-category" class="input" value={category} onChange={(event) => setCategory(event.currentTarget.value)}>
          <option value="">Все категории</option>
          {TICKET_CATEGORIES.map((value) => (
            <option key={value} value={value}>
              {CATEGORY_LABELS[value]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="ticket-order">Порядок</label>
        <select id="ticket-order" class="input" value={due ? 'due' : 'waiting'} onChange={(event) => setDue(event.currentTarget.value === 'due')}>
          <option value="waiting">Дольше всего ждут (или недавно изменённые)</option>
          <option value="due">По сроку ответа</option>
        </select>
      </div>
      <Checkbox id="ticket-mine" checked={mine} onChange={setMine}>
        Только мои
      </Checkbox>
      <button type="submit" class="btn btn-primary">
        Показать
      </button>
    </form>
  );
};

export const TicketThread = ({ id, me }: { id: string; me: StaffMe }) => {
  useDocumentTitle('Обращение');
  const { state, reload, setData } = useLoad(() => staffApi.ticket(id), id);
  const [notice, setNotice] = useState<string | null>(null);
  const ticket = state.kind === 'ready' ? state.data : null;

  return (
    <>
      <BackLink href="/staff/tickets">К обращениям</BackLink>
      <h1 class="page-title">{ticket ? ticket.subject : 'Обращение'}</h1>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем обращение…" />
      <Notice message={notice} />
      {ticket && (
        <div class="staff-columns staff-columns-wide">
          <div class="staff-stack">
            <Thread messages={ticket.messages ?? []} />
            {ticket.status === 'closed' ? (
              <p class="note">Обращение закрыто. Чтобы ответить, сначала откройте его снова: статус «В работе».</p>
            ) : (
              <ReplyForm
                ticket={ticket}
                me={me}
                onSent={(filesFailed) => {
                  setNotice(
                    ticket.source === 'public'
                      ? 'Ответ записан. Клиент без входа его не увидит: свяжитесь с ним по телефону или контакту.'
                      : `Ответ отправлен, клиенту ушли SMS и письмо (если почта подтверждена).${filesFailed ? ` ${filesFailed}` : ''}`,
                  );
                  // Reloaded, not taken from the reply: the files went after it.
                  reload();
                }}
              />
            )}
          </div>
          <div class="staff-stack">
            <TicketSide
              key={`${ticket.status}:${ticket.assignedTo?.id ?? ''}`}
              ticket={ticket}
              me={me}
              onChanged={(fresh, message) => {
                // A PATCH may answer without the messages: keep those already shown.
                setData({ ...ticket, ...fresh, messages: fresh.messages ?? ticket.messages });
                setNotice(message);
              }}
            />
          </div>
        </div>
      )}
    </>
  );
};

const Thread = ({ messages }: { messages: TicketMessage[] }) => (
  <section class="card" aria-labelledby="thread-title">
    <h2 id="thread-title">Переписка</h2>
    {messages.length === 0 ? (
      <p class="muted">Сообщений нет.</p>
    ) : (
      <ol class="thread" data-testid="thread">
        {messages.map((message) => (
          <li key={message.id} class={`thread-message thread-${message.author}`} data-author={message.author}>
            <p class="thread-meta">
              <strong>{message.author === 'customer' ? 'Клиент' : message.authorName ? `${message.authorName}, поддержка` : 'Поддержка'}</strong>
              <span class="muted"> · {formatDateTime(message.createdAt)}</span>
            </p>
            <p class="thread-body">{message.body}</p>
            <AttachmentList files={message.attachments} />
          </li>
        ))}
      </ol>
    )}
  </section>
);

type ReplyProps = { ticket: StaffTicket; me: StaffMe; onSent: (filesFailed: string | null) => void };

const ReplyForm = ({ ticket, me, onSent }: ReplyProps) => {
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
      setError('Напишите ответ клиенту.');
      document.getElementById('reply-body')?.focus();
      return;
    }
    setError(null);
    setFormError(null);
    setBusy(true);
    try {
      const fresh = await staffApi.reply(ticket.id, body.trim());
      setBody('');
      const mine = [...(fresh.messages ?? [])].reverse().find((m) => m.author === 'staff' && m.staffId === me.id);
      let filesFailed: string | null = null;
      if (files.length > 0 && mine) {
        setProgress(`Загружаем файлы: 0 из ${files.length}…`);
        const notSent = await staffApi.attach(ticket.id, mine.id, files, (done) => setProgress(`Загружаем файлы: ${done} из ${files.length}…`));
        setProgress(null);
        setFiles([]);
        if (notSent.length > 0) filesFailed = `Не прикрепились: ${notSent.map((f) => `«${f.name}» — ${f.message}`).join(' ')}`;
      }
      onSent(filesFailed);
    } catch (failure) {
      if (failure instanceof ApiError && failure.fields?.body) setError(failure.fields.body);
      else setFormError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="reply-title">
      <h2 id="reply-title">Ответить</h2>
      <form class="form staff-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          id="reply-body"
          label={ticket.source === 'public' ? 'Запись о том, что сделано' : 'Ответ клиенту'}
          error={error ?? undefined}
          hint={
            ticket.source === 'public'
              ? 'Обращение без входа: клиент ответ не увидит и уведомление не получит — позвоните или напишите ему'
              : 'Клиент увидит ответ в личном кабинете и получит SMS о нём (и письмо, если почта подтверждена)'
          }
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={5}
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
        {ticket.source !== 'public' && <FilePicker id="reply-files" files={files} onChange={setFiles} disabled={busy} />}
        <Alert message={formError} />
        <p class="sr-only" role="status">
          {progress ?? ''}
        </p>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? (progress ?? 'Отправляем…') : ticket.source === 'public' ? 'Записать' : 'Отправить ответ'}
        </button>
      </form>
    </section>
  );
};

type SideProps = { ticket: StaffTicket; me: StaffMe; onChanged: (ticket: StaffTicket, message: string) => void };

const TicketSide = ({ ticket, me, onChanged }: SideProps) => {
  const [status, setStatus] = useState<string>(ticket.status);
  const [assignee, setAssignee] = useState<string>(ticket.assignedTo?.id ?? '');
  const [busy, setBusy] = useState<'status' | 'take' | 'assign' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const admin = isAdmin(me.roles);
  const colleagues = useLoad<StaffUser[]>(() => (admin ? staffApi.users() : Promise.resolve([])), admin ? 'users' : 'none');
  const agents =
    colleagues.state.kind === 'ready'
      ? colleagues.state.data.filter((user) => !user.disabled && (user.roles.includes('support') || user.roles.includes('admin')))
      : [];

  // A closed request only opens again («В работе»); `new` is shown while it is the status, never chosen.
  const choices: readonly TicketStatus[] =
    ticket.status === 'closed' ? ['closed', 'in_progress'] : ticket.status === 'new' ? ['new', ...STAFF_SET_STATUSES] : STAFF_SET_STATUSES;

  const patch = async (kind: 'status' | 'take' | 'assign', body: { status?: Exclude<TicketStatus, 'new'>; assignedTo?: string }, message: string) => {
    setBusy(kind);
    setError(null);
    try {
      const fresh = await staffApi.updateTicket(ticket.id, body);
      onChanged(fresh, message);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card" aria-labelledby="ticket-about">
      <h2 id="ticket-about">Об обращении</h2>
      <dl class="staff-facts staff-facts-one">
        <div>
          <dt>Статус</dt>
          <dd data-testid="ticket-status">
            <StatusBadge status={ticket.status} />
          </dd>
        </div>
        <div>
          <dt>Категория</dt>
          <dd>{categoryLabel(ticket.category)}</dd>
        </div>
        {ticket.customerId ? (
          <div>
            <dt>Клиент</dt>
            <dd>
              <Link href={`/staff/customers/${ticket.customerId}`}>
                {customerText(ticket)}
                <span class="sr-only">: карточка клиента</span>
              </Link>
            </dd>
          </div>
        ) : (
          <PublicRequestFacts ticket={ticket} />
        )}
        <div>
          <dt>Создано</dt>
          <dd>{formatDateTime(ticket.createdAt)}</dd>
        </div>
        <div>
          <dt>Ответить до</dt>
          <dd data-testid="ticket-due">
            <DueDate ticket={ticket} />
          </dd>
        </div>
        <div>
          <dt>Ответственный</dt>
          <dd data-testid="ticket-assignee">{who(ticket, me)}</dd>
        </div>
      </dl>
      {ticket.assignedTo?.id !== me.id && (
        <button type="button" class="btn btn-secondary" disabled={busy !== null} onClick={() => void patch('take', { assignedTo: me.id }, ticket.status === 'new' ? 'Обращение теперь ваше, статус «В работе».' : 'Обращение теперь ваше.')}>
          {busy === 'take' ? 'Назначаем…' : 'Взять себе'}
        </button>
      )}
      <form
        class="form staff-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (isTicketStatus(status) && status !== 'new' && status !== ticket.status) void patch('status', { status }, `Статус: ${STAFF_STATUS_LABELS[status].toLowerCase()}.`);
        }}
      >
        <div class="field">
          <label for="ticket-new-status">Статус обращения</label>
          <select id="ticket-new-status" class="input" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            {choices.map((value) => (
              <option key={value} value={value} disabled={value === 'new'}>
                {STAFF_STATUS_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="btn btn-secondary" disabled={busy !== null || status === ticket.status}>
          {busy === 'status' ? 'Сохраняем…' : 'Изменить статус'}
        </button>
      </form>
      {admin && agents.length > 0 && (
        <form
          class="form staff-form"
          onSubmit={(event) => {
            event.preventDefault();
            const target = agents.find((user) => user.id === assignee);
            if (target && target.id !== ticket.assignedTo?.id) void patch('assign', { assignedTo: target.id }, `Назначено: ${target.fullName}.`);
          }}
        >
          <div class="field">
            <label for="ticket-assignee-select">Назначить сотруднику</label>
            <select id="ticket-assignee-select" class="input" value={assignee} onChange={(event) => setAssignee(event.currentTarget.value)}>
              <option value="">— выберите —</option>
              {agents.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.fullName}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn btn-secondary" disabled={busy !== null || assignee === '' || assignee === ticket.assignedTo?.id}>
            {busy === 'assign' ? 'Назначаем…' : 'Назначить'}
          </button>
        </form>
      )}
      <Alert message={error} />
    </section>
  );
};

/** A public request: whom to call back, and whether that phone belongs to a customer. */
const PublicRequestFacts = ({ ticket }: { ticket: StaffTicket }) => {
  const request = ticket.publicRequest;
  return (
    <>
      <div>
        <dt>Обращение без входа</dt>
        <dd>
          {request ? (
            <a href={`tel:${request.phone}`} class="nowrap">
              {request.phone}
            </a>
          ) : (
            customerText(ticket)
          )}
        </dd>
      </div>
      <div>
        <dt>Контакт</dt>
        <dd class="staff-details">{request?.contact ?? 'не указан'}</dd>
      </div>
      <div>
        <dt>Клиент с этим номером</dt>
        <dd>
          {request?.matchedCustomerId ? (
            <Link href={`/staff/customers/${request.matchedCustomerId}`}>Карточка клиента</Link>
          ) : (
            'нет'
          )}
        </dd>
      </div>
    </>
  );
};
