/** `/staff`: today (Moscow date) at a glance — applications, money out and in, overdue, open requests, pledge releases. */
import { useDocumentTitle } from '../../lib/hooks';
import { formatInteger } from '../../lib/loan-format';
import { Link } from '../../lib/router';
import { formatDay, formatKopecks, workspacesFor } from './format';
import { type StaffMe, staffApi } from './staff-api';
import { LoadState, useLoad } from './ui';

const percentFormat = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 1 });
const percent = (value: number | null | undefined) =>
  typeof value === 'number' && Number.isFinite(value) ? `${percentFormat.format(value)}\u00a0%` : '—';

export const DashboardPage = ({ me }: { me: StaffMe }) => {
  useDocumentTitle('Сводка');
  const { state, reload } = useLoad(() => staffApi.dashboard(), 'dashboard');
  const open = new Set(workspacesFor(me.roles).map((workspace) => workspace.path));

  return (
    <>
      <h1 class="page-title">Сводка за сегодня</h1>
      {state.kind === 'ready' && <p class="lead-small">{formatDay(state.data.date)}, по московскому времени</p>}
      <LoadState state={state} onRetry={reload} loadingText="Загружаем сводку…" />
      {state.kind === 'ready' && (
        <div class="staff-stats">
          <section class="card" aria-labelledby="stat-applications">
            <h2 id="stat-applications">Заявки</h2>
            <dl class="staff-figures">
              <Figure label="Подано" value={formatInteger(state.data.applications.submitted)} name="submitted" />
              <Figure label="Одобрено" value={formatInteger(state.data.applications.approved)} name="approved" />
              <Figure label="Отказ" value={formatInteger(state.data.applications.declined)} name="declined" />
              <Figure label="На ручной проверке" value={formatInteger(state.data.applications.manualReview)} name="manual-review" />
              <Figure label="Доля одобрений" value={percent(state.data.approvalRatePercent)} name="approval-rate" />
            </dl>
            {open.has('/staff/applications') && state.data.applications.manualReview > 0 && <Link href="/staff/applications">К ручной проверке</Link>}
          </section>
          <section class="card" aria-labelledby="stat-money">
            <h2 id="stat-money">Деньги</h2>
            <dl class="staff-figures">
              <Figure label="Выдано" value={formatKopecks(state.data.disbursedKopecks)} name="disbursed" />
              <Figure label="Погашено" value={formatKopecks(state.data.repaidKopecks)} name="repaid" />
            </dl>
          </section>
          <section class="card" aria-labelledby="stat-overdue">
            <h2 id="stat-overdue">Просрочка</h2>
            <dl class="staff-figures">
              <Figure label="Займов" value={formatInteger(state.data.overdue.loans)} name="overdue-loans" />
              <Figure label="Долг по ним" value={formatKopecks(state.data.overdue.debtKopecks)} name="overdue-debt" />
            </dl>
            {open.has('/staff/loans') && state.data.overdue.loans > 0 && <Link href="/staff/loans">К просроченным займам</Link>}
          </section>
          <section class="card" aria-labelledby="stat-tickets">
            <h2 id="stat-tickets">Обращения</h2>
            <dl class="staff-figures">
              <Figure label="Ждут нас (новые и в работе)" value={formatInteger(state.data.openTickets)} name="open-tickets" />
            </dl>
            {open.has('/staff/tickets') && state.data.openTickets > 0 && <Link href="/staff/tickets">К обращениям</Link>}
          </section>
          {state.data.pledgeReleases && (
            <section class="card" aria-labelledby="stat-pledges">
              <h2 id="stat-pledges">Снятие залогов</h2>
              <dl class="staff-figures">
                <Figure label="Ждут снятия" value={formatInteger(state.data.pledgeReleases.releasing)} name="pledge-releasing" />
                <Figure label="Просрочено" value={formatInteger(state.data.pledgeReleases.overdue)} name="pledge-overdue" />
              </dl>
              {open.has('/staff/pledges') && state.data.pledgeReleases.overdue > 0 && (
                <Link href="/staff/pledges?state=overdue">К просроченным снятиям</Link>
              )}
              {open.has('/staff/pledges') && state.data.pledgeReleases.overdue === 0 && state.data.pledgeReleases.releasing > 0 && (
                <Link href="/staff/pledges">К снятию залогов</Link>
              )}
            </section>
          )}
        </div>
      )}
    </>
  );
};

const Figure = ({ label, value, name }: { label: string; value: string; name: string }) => (
  <div>
    <dt>{label}</dt>
    <dd data-figure={name}>{value}</dd>
  </div>
);
