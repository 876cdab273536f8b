/**
 * `/history`, loaded on demand (a dynamic `import()` in App.tsx): every operation of the customer,
 * newest first, grouped by Moscow day; filtered by type and period (kept in the address, so a reload
 * or a shared link shows the same), 50 at a time with «Показать ещё», downloadable as CSV and PDF
 * with the same filters.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { CabinetLink, Layout } from '../../components/Layout';
import { LoadStatus } from '../../components/LoadStatus';
import { OPERATION_TYPES, OPERATION_TYPE_LABELS } from '../../../core/operations';
import { formatRubles } from '../../../core/money';
import { ApiError, type HistoryFilters, type HistoryItem, type HistoryType, api, errorMessage, historyExportUrl } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { filtersFromQuery, groupByMoscowDay, historyPath, statusText, statusTone } from '../../lib/history';
import { formatDate, formatMoscowTime } from '../../lib/loan-format';
import { Link, navigate, useRoute } from '../../lib/router';
import './history.css';

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; items: HistoryItem[]; nextCursor: string | null }
  | { kind: 'failed'; message: string };

export const HistoryPage = () => {
  useDocumentTitle('История операций');
  const route = useRoute();
  const query = route.query.toString();
  const filters = filtersFromQuery(route.query);
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [announce, setAnnounce] = useState('');
  const firstNew = useRef<string | null>(null);

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    setMore({ busy: false, error: null });
    api
      .history(filters)
      .then((page) => {
        if (!active) return;
        setState({ kind: 'ready', items: page.items, nextCursor: page.nextCursor });
        setAnnounce(page.items.length === 0 ? '' : `Показано операций: ${page.items.length}`);
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 401) navigate(`/login?next=${encodeURIComponent(historyPath(filters))}`, { replace: true });
        else setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [query, attempt]);

  // After «Показать ещё», focus goes to the first operation that came in, where reading goes on.
  useEffect(() => {
    if (!firstNew.current) return;
    const target = document.querySelector<HTMLElement>(`[data-id="${firstNew.current}"]`);
    firstNew.current = null;
    target?.focus();
  }, [state]);

  const showMore = async () => {
    if (state.kind !== 'ready' || !state.nextCursor || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const page = await api.history({ ...filters, cursor: state.nextCursor });
      firstNew.current = page.items[0]?.id ?? null;
      const items = [...state.items, ...page.items];
      setState({ kind: 'ready', items, nextCursor: page.nextCursor });
      setAnnounce(`Показано операций: ${items.length}`);
      setMore({ busy: false, error: null });
    } catch (error) {
      setMore({ busy: false, error: errorMessage(error) });
    }
  };

  return (
    <Layout
      headerActions={<CabinetLink />}
    >
      <div class="container narrow history-page">
        <h1 class="page-title">История операций</h1>
        <Filters key={query} filters={filters} />
        <div class="history-downloads">
          <a class="btn btn-secondary" href={historyExportUrl('csv', filters)} download>
            Скачать CSV
          </a>
          <a class="btn btn-secondary" href={historyExportUrl('pdf', filters)} download>
            Скачать PDF
          </a>
        </div>
        <p class="sr-only" role="status">
          {announce}
        </p>
        <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} loadingText="Загружаем историю…" />
        {state.kind === 'ready' && (
          <>
            {state.items.length === 0 ? (
              <div class="card history-empty">
                <p class="empty">{filters.type || filters.from || filters.to ? 'Нет операций с такими условиями' : 'Операций пока нет'}</p>
                <p class="muted">Здесь появляются заявки, выдачи, платежи, продления и погашения.</p>
              </div>
            ) : (
              <HistoryList items={state.items} />
            )}
            <Alert message={more.error} />
            {state.nextCursor && (
              <button type="button" class="btn btn-secondary btn-block" disabled={more.busy} onClick={() => void showMore()}>
                {more.busy ? 'Загружаем…' : 'Показать ещё'}
              </button>
            )}
          </>
        )}
      </div>
    </Layout>
  );
};

const TYPE_OPTIONS: { value: HistoryType; label: string }[] = OPERATION_TYPES.map((type) => ({ value: type, label: OPERATION_TYPE_LABELS[type] }));

/** Type and period; «Показать» puts them into the address (the list follows it). */
const Filters = ({ filters }: { filters: HistoryFilters }) => {
  const [type, setType] = useState<string>(filters.type ?? '');
  const [from, setFrom] = useState(filters.from ?? '');
  const [to, setTo] = useState(filters.to ?? '');
  const [error, setError] = useState<string | null>(null);

  const apply = (event: Event) => {
    event.preventDefault();
    if (from && to && from > to) {
      setError('Начало периода позже конца: поменяйте даты местами.');
      document.getElementById('history-from')?.focus();
      return;
    }
    setError(null);
    navigate(historyPath({ type: (type || undefined) as HistoryType | undefined, from: from || undefined, to: to || undefined }), { replace: true });
  };

  const reset = () => {
    setType('');
    setFrom('');
    setTo('');
    setError(null);
    navigate('/history', { replace: true });
  };

  const filtered = Boolean(filters.type || filters.from || filters.to);
  return (
    <form class="card filter-form history-filters" role="search" aria-label="Фильтр операций" onSubmit={apply} noValidate>
      <div class="field">
        <label for="history-type">Тип операции</label>
        <select id="history-type" class="input" value={type} onChange={(event) => setType(event.currentTarget.value)}>
          <option value="">Все операции</option>
          {TYPE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="history-period">
        <legend>Период</legend>
        <div class="history-dates">
          <div class="field">
            <label for="history-from">С</label>
            <input
              id="history-from"
              class="input"
              type="date"
              value={from}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'history-period-error' : undefined}
              onInput={(event) => setFrom(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="history-to">По</label>
            <input id="history-to" class="input" type="date" value={to} onInput={(event) => setTo(event.currentTarget.value)} />
          </div>
        </div>
        {error && (
          <p class="field-error" id="history-period-error">
            {error}
          </p>
        )}
      </fieldset>
      <div class="history-filter-actions">
        <button type="submit" class="btn btn-primary btn-block">
          Показать
        </button>
        {filtered && (
          <button type="button" class="btn btn-secondary btn-block" onClick={reset}>
            Сбросить
          </button>
        )}
      </div>
    </form>
  );
};

/** Operations by Moscow day: time, title, amount, status. */
const HistoryList = ({ items }: { items: HistoryItem[] }) => (
  <div class="history-days">
    {groupByMoscowDay(items).map((day) => (
      <section key={day.date} class="card history-day" aria-labelledby={`day-${day.date}`}>
        <h2 id={`day-${day.date}`} class="history-date">
          {formatDate(day.date)}
        </h2>
        <ul class="item-list history-list">
          {day.items.map((item) => (
            <li key={item.id} class="list-item history-item" data-id={item.id} data-type={item.type} data-status={item.status ?? ''} tabIndex={-1}>
              <div class="list-item-head">
                <span class="muted small">{formatMoscowTime(item.at)}</span>
                {item.status && <span class={`badge badge-${statusTone(item.status)}`}>{statusText(item.status)}</span>}
              </div>
              <p class="history-title">
                {item.loanId ? <Link href={`/loans/${item.loanId}`}>{item.title}</Link> : item.title}
              </p>
              {item.amountKopecks !== null && (
                <p class="history-amount" data-kopecks={item.amountKopecks}>
                  {formatRubles(item.amountKopecks)}
                </p>
              )}
            </li>
          ))}
        </ul>
      </section>
    ))}
  </div>
);
