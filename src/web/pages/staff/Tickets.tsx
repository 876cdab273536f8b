/**
 * The support inbox: `/staff/tickets?status=&category=&mine=1`, the customers' requests filtered
 * (by default «Ждут нас»: new and in progress, the longest-waiting first; `status=` one status or
 * `all`); `/staff/tickets/:id`, one thread with the reply box (a reply makes it «Ждёт ответа
 * клиента» and texts the customer), the status, «Взять себе» (a new request goes «В работе») and,
 * for an administrator, assigning it. The server names the assignee: `assignedTo: {id, fullName}`.
 */
import type { TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
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
  isTicketCategory,
  isTicketStatus,
} from '../../lib/tickets';
import { formatDateTime, isAdmin } from './format';
import { type StaffMe, type StaffTicket, type StaffUser, type TicketMessage, staffApi } from './staff-api';
import { Badge, BackLink, LoadState, Notice, TableWrap, useLoad } from './ui';

/** `waiting`: «Ждут нас», new and in progress together (the default); or one status; or all. */
type InboxFilters = { status: TicketStatus | 'waiting' | 'all'; category: string; mine: boolean };

const filtersOf = (query: URLSearchParams): InboxFilters => {
  const status = query.get('status') ?? 'waiting';
  const category = query.get('category') ?? '';
  return {
    status: status === 'all' || isTicketStatus(status) ? status : 'waiting',
    category: isTicketCategory(category) ? category : '',
    mine: query.get('mine') === '1',
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
  const text = query.toString();
  return text ? `/staff/tickets?${text}` : '/staff/tickets';
};

const who = (ticket: StaffTicket, me: StaffMe): string => {
  if (!ticket.assignedTo) return 'не назначено';
  if (ticket.assignedTo.id === me.id) return `вы (${ticket.assignedTo.fullName})`;
  return ticket.assignedTo.fullName;
};

const customerText = (ticket: StaffTicket): string => ticket.customerPhoneMasked || ticket.customer?.phoneMasked || '—';

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
                    <th scope="col">Обновлено</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.items.map((ticket) => (
                    <tr key={ticket.id} data-id={ticket.id}>
                      <td class="staff-col-wide">
                        <Link href={`/staff/tickets/${ticket.id}`}>{ticket.subject}</Link>
                      </td>
                      <td class="nowrap">{customerText(ticket)}</td>
                      <td>{categoryLabel(ticket.category)}</td>
                      <td>
                        <StatusBadge status={ticket.status} />
                      </td>
                      <td>{who(ticket, me)}</td>
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
  const apply = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    navigate(inboxPath({ status: status as InboxFilters['status'], category, mine }), { replace: true });
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
                onSent={(fresh) => {
                  setNotice('Ответ отправлен, клиенту ушло SMS.');
                  if (fresh) setData(fresh);
                  else reload();
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
          </li>
        ))}
      </ol>
    )}
  </section>
);

const ReplyForm = ({ ticket, onSent }: { ticket: StaffTicket; onSent: (fresh: StaffTicket | null) => void }) => {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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
      onSent(fresh && typeof fresh === 'object' && 'messages' in fresh ? fresh : null);
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
        <Field id="reply-body" label="Ответ клиенту" error={error ?? undefined} hint="Клиент увидит ответ в личном кабинете и получит SMS о нём">
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
        <Alert message={formError} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Отправляем…' : 'Отправить ответ'}
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
        <div>
          <dt>Клиент</dt>
          <dd>
            <Link href={`/staff/customers/${ticket.customerId}`}>
              {customerText(ticket)}
              <span class="sr-only">: карточка клиента</span>
            </Link>
          </dd>
        </div>
        <div>
          <dt>Создано</dt>
          <dd>{formatDateTime(ticket.createdAt)}</dd>
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
