import { useEffect, useRef, useState } from 'preact/hooks';
import { formatRubles } from '../../../core/money';
import { DEFAULT_PRODUCTS } from '../../../core/pricing/products';
import { ApiError, type Application, api } from '../../lib/api';
import { collateralSummary } from '../../lib/car-loan';
import { formatDate, formatTermAccusative } from '../../lib/loan-format';
import { Link } from '../../lib/router';
import { LoanFigures } from '../../components/LoanFigures';
import { RateLine } from '../offers/PersonalRate';

/** While the decision is being made, the page asks this often. */
export const POLL_MS = 1500;
/** A specialist decides in minutes or hours: no need to ask as often. */
const MANUAL_REVIEW_POLL_MS = 30_000;
/** After this long in scoring, slow down (the job may be retrying a provider). */
const SLOW_AFTER_MS = 2 * 60_000;
const SLOW_POLL_MS = 10_000;
/** Failed polls in a row before the page says the connection is lost. */
const FAILURES_BEFORE_NOTICE = 3;

type DecisionProps = {
  application: Application;
  onApplication: (application: Application) => void;
  onGone: (error: ApiError) => void;
};

const unitOf = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)?.term.unit ?? 'days';
const productName = (code: string) => DEFAULT_PRODUCTS.find((p) => p.code === code)?.name ?? code;

/**
 * After «Отправить заявку»: «Проверяем заявку…» while the decision is made (asked for every 1.5 s,
 * no reload needed), then the decision. A decline says only when a new application is possible,
 * never why (353-ФЗ ст. 7 ч. 5, DOMAIN R9).
 */
export const Decision = ({ application: app, onApplication, onGone }: DecisionProps) => {
  const [failures, setFailures] = useState(0);
  const startedAt = useRef(Date.now());

  useEffect(() => {
    if (app.status !== 'scoring' && app.status !== 'manual_review') return;
    const delay =
      app.status === 'manual_review' ? MANUAL_REVIEW_POLL_MS : Date.now() - startedAt.current > SLOW_AFTER_MS ? SLOW_POLL_MS : POLL_MS;
    let active = true;
    const timer = window.setTimeout(() => {
      api
        .application(app.id)
        .then((fresh) => {
          if (!active) return;
          setFailures(0);
          onApplication(fresh);
        })
        .catch((error: unknown) => {
          if (!active) return;
          if (error instanceof ApiError && (error.status === 401 || error.status === 404)) onGone(error);
          else setFailures((n) => n + 1);
        });
    }, delay);
    return () => {
      active = false;
      window.clearTimeout(timer);
    };
    // A new copy of the application (even unchanged) or a failure schedules the next ask.
  }, [app, failures]);

  return (
    <div class="decision" data-status={app.status}>
      <div class="decision-status" aria-live="polite">
        <DecisionStatus app={app} />
      </div>
      {app.status === 'scoring' && failures >= FAILURES_BEFORE_NOTICE && (
        <p class="muted" role="status">
          Нет связи с сервером. Пробуем снова — заявка уже отправлена, решение придёт и по SMS.
        </p>
      )}
      {app.status === 'approved' && <ApprovedDetails app={app} />}
      <div class="decision-actions">
        <Link
          href="/cabinet"
          class={app.status === 'scoring' || app.status === 'approved' ? 'btn btn-secondary btn-block' : 'btn btn-primary btn-block'}
        >
          В личный кабинет
        </Link>
      </div>
    </div>
  );
};

/** The heading and first line: what a screen reader announces when the status changes. */
const DecisionStatus = ({ app }: { app: Application }) => {
  const requested = `${formatRubles(app.amount * 100)} на ${formatTermAccusative(app.term, unitOf(app.product))}`;
  switch (app.status) {
    case 'scoring':
    case 'draft':
      return (
        <>
          <div class="spinner" aria-hidden="true" />
          <h1 class="decision-title">Проверяем заявку…</h1>
          <p class="lead-small">
            {productName(app.product)}: {requested}. Обычно это занимает несколько секунд — решение появится здесь, обновлять
            страницу не нужно. Мы также пришлём его по SMS.
          </p>
        </>
      );
    case 'approved': {
      const offer = app.offer;
      const isLess = offer !== null && offer.amount < app.amount;
      return (
        <>
          <p class="decision-mark decision-mark-ok" aria-hidden="true">
            ✓
          </p>
          <h1 class="decision-title">Заявка одобрена</h1>
          {offer && isLess ? (
            <p class="lead-small">
              Мы можем предложить {formatRubles(offer.amount * 100)} на {formatTermAccusative(offer.term, unitOf(offer.product))} —
              меньше, чем вы просили ({formatRubles(app.amount * 100)}).
            </p>
          ) : offer ? (
            <p class="lead-small">
              Мы готовы выдать {formatRubles(offer.amount * 100)} на {formatTermAccusative(offer.term, unitOf(offer.product))}.
            </p>
          ) : null}
        </>
      );
    }
    case 'declined':
      return (
        <>
          <h1 class="decision-title">Решение по заявке</h1>
          <p class="lead-small">К сожалению, сейчас мы не можем выдать заём.</p>
          {app.reapplyAfter && (
            <p class="decision-date" data-reapply-after={app.reapplyAfter}>
              Подать новую заявку можно с {formatDate(app.reapplyAfter)}
            </p>
          )}
        </>
      );
    case 'signed':
      return (
        <>
          <p class="decision-mark decision-mark-ok" aria-hidden="true">
            ✓
          </p>
          <h1 class="decision-title">Договор подписан</h1>
          <p class="lead-small">Заём, его статус, график платежей и договор — в личном кабинете, в разделе «Мои займы».</p>
        </>
      );
    case 'manual_review':
      return (
        <>
          <h1 class="decision-title">Заявку проверяет специалист</h1>
          <p class="lead-small">Решение придёт по SMS и появится здесь и в личном кабинете.</p>
        </>
      );
  }
};

const ApprovedDetails = ({ app }: { app: Application }) => {
  const offer = app.offer;
  const collateral = app.collateral;
  return (
    <>
      {collateral && (
        <p class="collateral-note" data-testid="collateral" data-valuation-kopecks={collateral.valuationKopecks} data-share-percent={collateral.sharePercent}>
          <strong>{collateralSummary(collateral, DEFAULT_PRODUCTS.find((p) => p.code === app.product))}.</strong> Машина остаётся у вас: после
          подписания договора мы зарегистрируем залог в реестре нотариата, а после погашения — снимем.
        </p>
      )}
      {offer?.quote ? (
        <section class="card" aria-labelledby="offer-title">
          <h2 id="offer-title">Условия займа</h2>
          <p class="choice-product">{productName(offer.product)}</p>
          <LoanFigures quote={offer.quote} />
          <RateLine rate={offer.quote.rate} note={app.pricing?.note} />
          <p class="muted small">
            Расчёт на {formatDate(offer.quote.startDate)}: если договор будет подписан позже, даты и суммы пересчитаются.
          </p>
        </section>
      ) : (
        <p class="muted">Условия займа покажем перед подписанием договора.</p>
      )}
      {app.pdnWarningRequired && (
        <p class="note">
          Перед подписанием договора мы покажем предупреждение о долговой нагрузке: закон требует его, когда платежи по всем
          займам больше половины дохода.
        </p>
      )}
      {offer?.quote && (
        <Link href={`/application/${app.id}/sign`} class="btn btn-primary btn-block">
          Получить деньги
        </Link>
      )}
      <p class="muted small">
        Дальше — способ получения денег и договор: его можно прочитать целиком и подписать кодом из SMS. Пока договор не
        подписан, заём не выдан и ни к чему вас не обязывает.
      </p>
    </>
  );
};
