/**
 * `/staff/audit?actor=&entity=&action=` (administrators): the append-only audit log, newest first,
 * filtered, a page at a time with «Ещё» (`before` = the last page's `nextBefore`).
 */
import type { TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { navigate, useRoute } from '../../lib/router';
import { actionText } from './audit-actions';
import { formatDateTime } from './format';
import { type AuditFilters, type AuditPage as Page, type AuditRecord, staffApi } from './staff-api';
import { LoadState, TableWrap, useLoad } from './ui';

const filtersOf = (query: URLSearchParams): AuditFilters => ({
  actor: query.get('actor')?.trim() || undefined,
  entity: query.get('entity')?.trim() || undefined,
  action: query.get('action')?.trim() || undefined,
});

const auditPath = (filters: AuditFilters): string => {
  const query = new URLSearchParams();
  for (const key of ['actor', 'entity', 'action'] as const) if (filters[key]) query.set(key, filters[key]);
  const text = query.toString();
  return text ? `/staff/audit?${text}` : '/staff/audit';
};

export const AuditPage = () => {
  useDocumentTitle('Журнал аудита');
  const route = useRoute();
  const filters = filtersOf(route.query);
  const key = auditPath(filters);
  const { state, reload, setData } = useLoad<Page>(() => staffApi.audit(filters), key);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  const showMore = async () => {
    if (state.kind !== 'ready' || state.data.nextBefore === null || state.data.nextBefore === undefined || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const page = await staffApi.audit({ ...filters, before: state.data.nextBefore });
      const first = page.items[0]?.id;
      setData({ items: [...state.data.items, ...page.items], nextBefore: page.nextBefore });
      setMore({ busy: false, error: null });
      if (first) window.requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-id="${first}"]`)?.focus());
    } catch (error) {
      setMore({ busy: false, error: errorMessage(error) });
    }
  };

  return (
    <>
      <h1 class="page-title">Журнал аудита</h1>
      <p class="lead-small">Кто, что, с какой записью, когда и откуда. Записи нельзя изменить или удалить.</p>
      <AuditFilterForm key={key} filters={filters} />
      <LoadState state={state} onRetry={reload} loadingText="Загружаем журнал…" />
      {state.kind === 'ready' && (
        <section class="staff-section" aria-labelledby="audit-count">
          <p id="audit-count" class="staff-count" role="status">
            {state.data.items.length === 0 ? 'Записей с такими условиями нет' : `Показано записей: ${state.data.items.length}`}
          </p>
          {state.data.items.length > 0 && <AuditTable items={state.data.items} />}
          <Alert message={more.error} />
          {state.data.nextBefore !== null && state.data.nextBefore !== undefined && (
            <button type="button" class="btn btn-secondary" disabled={more.busy} onClick={() => void showMore()}>
              {more.busy ? 'Загружаем…' : 'Ещё'}
            </button>
          )}
        </section>
      )}
    </>
  );
};

const AuditFilterForm = ({ filters }: { filters: AuditFilters }) => {
  const [actor, setActor] = useState(filters.actor ?? '');
  const [entity, setEntity] = useState(filters.entity ?? '');
  const [action, setAction] = useState(filters.action ?? '');
  const apply = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    navigate(auditPath({ actor: actor.trim() || undefined, entity: entity.trim() || undefined, action: action.trim() || undefined }), { replace: true });
  };
  const reset = () => {
    setActor('');
    setEntity('');
    setAction('');
    navigate('/staff/audit', { replace: true });
  };
  const filtered = Boolean(filters.actor || filters.entity || filters.action);
  const input = (id: string, label: string, hint: string, value: string, set: (value: string) => void) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} class="input" type="text" autocomplete="off" spellcheck={false} value={value} aria-describedby={`${id}-hint`} onInput={(event) => set(event.currentTarget.value)} />
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
    </div>
  );
  return (
    <form class="card staff-filters staff-filters-hinted" role="search" aria-label="Фильтр журнала" onSubmit={apply} noValidate>
      {input('audit-actor', 'Кто', 'Почта или id сотрудника', actor, setActor)}
      {input('audit-entity', 'Запись', 'Тип, id или тип:id, например customer:…', entity, setEntity)}
      {input('audit-action', 'Действие', 'Например, customer.revealed', action, setAction)}
      <div class="staff-actions staff-filter-actions">
        <button type="submit" class="btn btn-primary">
          Показать
        </button>
        {filtered && (
          <button type="button" class="btn btn-secondary" onClick={reset}>
            Сбросить
          </button>
        )}
      </div>
    </form>
  );
};

const AuditTable = ({ items }: { items: AuditRecord[] }) => (
  <TableWrap label="Записи журнала аудита">
    <table class="staff-table staff-table-dense" data-testid="audit">
      <thead>
        <tr>
          <th scope="col">№</th>
          <th scope="col">Когда</th>
          <th scope="col">Кто</th>
          <th scope="col">Действие</th>
          <th scope="col">Запись</th>
          <th scope="col">Причина</th>
          <th scope="col">IP</th>
          <th scope="col">Подробности</th>
        </tr>
      </thead>
      <tbody>
        {items.map((record) => (
          <tr key={record.id} data-id={record.id} data-action={record.action} tabIndex={-1}>
            <td class="num">{record.seq}</td>
            <td class="nowrap">{formatDateTime(record.at)}</td>
            <td>
              {record.actorEmail ?? (record.actorType === 'system' ? 'система' : record.actorType === 'customer' ? 'клиент' : 'сотрудник')}
              {record.actorId && <span class="staff-mono muted small"> {record.actorId}</span>}
            </td>
            <td>{actionText(record.action)}</td>
            <td>
              {record.entityType}
              {record.entityId && <span class="staff-mono muted small"> {record.entityId}</span>}
            </td>
            <td>{record.reason ?? '—'}</td>
            <td class="staff-mono nowrap">{record.ip ?? '—'}</td>
            <td class="staff-mono small staff-details">{record.details && Object.keys(record.details).length > 0 ? JSON.stringify(record.details) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableWrap>
);
