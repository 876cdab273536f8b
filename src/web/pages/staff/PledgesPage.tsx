/**
 * `/staff/pledges?state=…` (collections, admin): the pledges of car loans. The law gives 3 working
 * days after a loan ends to file the notice that excludes the pledge from the notaries' registry
 * (ГК РФ ст. 339.1 п. 4); a release still not filed after its deadline is overdue. By default the
 * releases under way, the overdue ones first and marked; «Просроченные» only those, «Все» every
 * pledge. A page at a time with «Ещё».
 */
import { useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { formatInteger } from '../../lib/loan-format';
import { Link, useRoute } from '../../lib/router';
import { PLEDGE_STATUS_LABELS, PLEDGE_STATUS_TONES, formatDay, formatLateness, formatShortDay, labelOf } from './format';
import { type PledgeItem, type PledgePage, type PledgeState, staffApi } from './staff-api';
import { Badge, LoadState, TableWrap, useLoad } from './ui';

const TABS: readonly { id: PledgeState; label: string }[] = [
  { id: 'releasing', label: 'Снимаются' },
  { id: 'overdue', label: 'Просроченные' },
  { id: 'all', label: 'Все залоги' },
];

const pathOf = (state: PledgeState) => (state === 'releasing' ? '/staff/pledges' : `/staff/pledges?state=${state}`);

export const PledgesPage = () => {
  useDocumentTitle('Залоги');
  const route = useRoute();
  const requested = route.query.get('state');
  const state: PledgeState = TABS.some((tab) => tab.id === requested) ? (requested as PledgeState) : 'releasing';
  return (
    <>
      <h1 class="page-title">Залоги автомобилей</h1>
      <p class="lead-small">
        Уведомление об исключении залога из реестра подают в течение 3 рабочих дней после погашения займа. Просроченные — первыми.
      </p>
      <nav class="staff-tabs" aria-label="Списки залогов">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.id}>
              <Link href={pathOf(tab.id)} aria-current={tab.id === state ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <PledgeList key={state} state={state} />
    </>
  );
};

const EMPTY: Record<PledgeState, string> = {
  releasing: 'Снимать нечего: все залоги погашенных займов сняты',
  overdue: 'Просроченных снятий нет',
  all: 'Залогов нет',
};

const PledgeList = ({ state }: { state: PledgeState }) => {
  const { state: load, reload, setData } = useLoad<PledgePage>(() => staffApi.pledges(state), state);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  const showMore = async () => {
    if (load.kind !== 'ready' || !load.data.nextBefore || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const page = await staffApi.pledges(state, load.data.nextBefore);
      const first = page.items[0]?.loanId;
      setData({ ...page, items: [...load.data.items, ...page.items] });
      setMore({ busy: false, error: null });
      if (first) window.requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-id="${first}"]`)?.focus());
    } catch (error) {
      setMore({ busy: false, error: errorMessage(error) });
    }
  };

  const overdue = load.kind === 'ready' ? load.data.items.filter((item) => item.overdue).length : 0;
  return (
    <section class="staff-section" aria-labelledby="pledges-count">
      <div class="staff-toolbar">
        <button type="button" class="btn btn-secondary btn-small" onClick={reload}>
          Обновить
        </button>
      </div>
      <LoadState state={load} onRetry={reload} loadingText="Загружаем залоги…" />
      {load.kind === 'ready' && (
        <>
          <p id="pledges-count" class="staff-count" role="status">
            {load.data.items.length === 0
              ? EMPTY[state]
              : `Показано: ${formatInteger(load.data.items.length)}${overdue > 0 ? `, из них просрочено: ${formatInteger(overdue)}` : ''}`}
            <span class="muted small"> — на {formatDay(load.data.date)}</span>
          </p>
          {load.data.items.length > 0 && <PledgeTable items={load.data.items} />}
          <Alert message={more.error} />
          {load.data.nextBefore && (
            <button type="button" class="btn btn-secondary" disabled={more.busy} onClick={() => void showMore()}>
              {more.busy ? 'Загружаем…' : 'Ещё'}
            </button>
          )}
        </>
      )}
    </section>
  );
};

const PledgeTable = ({ items }: { items: PledgeItem[] }) => (
  <TableWrap label="Залоги">
    <table class="staff-table" data-testid="pledges">
      <thead>
        <tr>
          <th scope="col">Клиент</th>
          <th scope="col">Автомобиль</th>
          <th scope="col">Статус</th>
          <th scope="col">Снять до</th>
          <th scope="col">Опоздание</th>
          <th scope="col" class="num">
            Попыток
          </th>
          <th scope="col">Последняя ошибка</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.loanId} data-id={item.loanId} tabindex={-1} class={item.overdue ? 'row-overdue' : undefined} data-overdue={item.overdue ? 'true' : undefined}>
            <td>
              {item.customerDeleted ? (
                <span>Клиент удалён</span>
              ) : (
                <Link href={`/staff/customers/${item.customerId}`}>{item.fullName ?? item.phoneMasked}</Link>
              )}
              <span class="staff-cell-note staff-block nowrap">№ {item.loanNumber}</span>
            </td>
            <td>
              {[item.make, item.model].filter(Boolean).join(' ') || '—'}
              <span class="staff-cell-note staff-block nowrap">{item.plate ?? '—'}</span>
              <span class="staff-cell-note staff-block staff-mono nowrap">{item.vin}</span>
            </td>
            <td>
              <Badge tone={PLEDGE_STATUS_TONES[item.status] ?? 'neutral'} status={item.status}>
                {labelOf(PLEDGE_STATUS_LABELS, item.status)}
              </Badge>
              {item.releaseNumber && <span class="staff-cell-note staff-block">№ {item.releaseNumber}</span>}
            </td>
            <td>
              <span class="nowrap">{formatShortDay(item.releaseDueOn)}</span>
              {item.endedOn && <span class="staff-cell-note staff-block nowrap">заём закончился {formatShortDay(item.endedOn)}</span>}
            </td>
            <td>
              {item.overdue ? (
                <>
                  <Badge tone="danger" status="overdue">
                    Просрочено
                  </Badge>
                  <span class="staff-cell-note staff-block">{formatLateness(item.workingDaysLate, item.daysLate)}</span>
                </>
              ) : (
                '—'
              )}
            </td>
            <td class="num">{item.status === 'registering' || item.status === 'registered' ? item.registerAttempts : item.releaseAttempts}</td>
            <td class="staff-details">{item.lastError ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableWrap>
);
