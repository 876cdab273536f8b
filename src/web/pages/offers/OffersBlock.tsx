import { useEffect, useState } from 'preact/hooks';
import { formatRubles } from '../../../core/money';
import { Alert } from '../../components/Alert';
import { ApiError, api, errorMessage } from '../../lib/api';
import { formatTermAccusative, pluralRu } from '../../lib/loan-format';
import { navigate } from '../../lib/router';
import { offersApi, type OffersReply, type PersonalOffer } from './offers-api';
import './offers.css';

type State = { kind: 'loading' } | { kind: 'ready'; reply: OffersReply } | { kind: 'failed'; message: string };

const NBSP = '\u00a0';
const percentFormat = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 4 });
/** 0.76 → «0,76 % в день». */
const perDay = (percent: number) => `${percentFormat.format(percent)}${NBSP}% в${NBSP}день`;
const perMonth = (percent: number) => `${percentFormat.format(percent)}${NBSP}% в${NBSP}месяц`;

/**
 * «Ваши предложения» in the cabinet: the loyalty level with its benefits and the way to the next,
 * the bonus points, and a personal pre-approved offer per product. «Оформить» keeps the offer as
 * the loan choice (the same path the landing calculator's choice takes) and opens the application,
 * which starts prefilled with it.
 */
export const OffersBlock = () => {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [starting, setStarting] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    offersApi
      .offers()
      .then((reply) => {
        if (active) setState({ kind: 'ready', reply });
      })
      .catch((error: unknown) => {
        if (active) setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [attempt]);

  const start = async (offer: PersonalOffer) => {
    if (starting) return;
    setStarting(offer.product);
    setStartError(null);
    try {
      await api.saveLoanChoice(offer.choice);
      navigate('/application');
    } catch (error) {
      setStarting(null);
      if (error instanceof ApiError && error.status === 401) {
        navigate(`/login?next=${encodeURIComponent('/cabinet')}`, { replace: true });
        return;
      }
      const fields = error instanceof ApiError && error.fields ? Object.values(error.fields) : [];
      setStartError(`Не удалось оформить предложение. ${fields.length ? fields.join(' ') : errorMessage(error)}`);
    }
  };

  return (
    <section class="card offers-card" aria-labelledby="offers-title" data-testid="offers" aria-busy={state.kind === 'loading'}>
      <h2 id="offers-title">Ваши предложения</h2>
      {state.kind === 'loading' && (
        <p class="muted" role="status">
          Загружаем ваши предложения…
        </p>
      )}
      {state.kind === 'failed' && (
        <Alert message={state.message}>
          <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
            Повторить
          </button>
        </Alert>
      )}
      {state.kind === 'ready' && (
        <>
          <LevelSummary reply={state.reply} />
          {state.reply.offers.length === 0 ? (
            <p class="muted">Сейчас персональных предложений нет.</p>
          ) : (
            <ul class="item-list offers-list" aria-label="Персональные предложения">
              {state.reply.offers.map((offer) => (
                <OfferItem key={offer.product} offer={offer} busy={starting} onStart={(o) => void start(o)} />
              ))}
            </ul>
          )}
          <Alert message={startError} />
        </>
      )}
    </section>
  );
};

const LevelSummary = ({ reply }: { reply: OffersReply }) => {
  const { level, bonusPoints } = reply;
  return (
    <div class="offers-level" data-testid="loyalty-level" data-level={level.code}>
      <p class="offers-level-head">
        <span class={`level-badge level-badge-${level.code}`} data-testid="loyalty-level-name">
          Уровень «{level.name}»
        </span>{' '}
        <span class="muted">{level.title}</span>
      </p>
      <ul class="offers-benefits" aria-label="Преимущества уровня">
        {level.benefits.map((benefit) => (
          <li key={benefit}>{benefit}</li>
        ))}
      </ul>
      {level.restriction && <p class="note">{level.restriction}</p>}
      {level.next && (
        <p class="offers-next" data-testid="loyalty-next">
          {level.next.text}
        </p>
      )}
      <p class="offers-points" data-testid="bonus-points" data-points={bonusPoints}>
        Бонусные баллы: <strong>{bonusPoints.toLocaleString('ru-RU')}</strong>{' '}
        <span class="muted small">{pluralRu(bonusPoints, 'балл', 'балла', 'баллов')} на счёте</span>
      </p>
    </div>
  );
};

const OfferItem = ({ offer, busy, onStart }: { offer: PersonalOffer; busy: string | null; onStart: (offer: PersonalOffer) => void }) => {
  const amount = formatRubles(offer.maxAmount * 100);
  const term = formatTermAccusative(offer.choice.term, offer.term.unit);
  const isStarting = busy === offer.product;
  return (
    <li class="list-item offer-item" data-testid="offer" data-product={offer.product} data-rate-per-day={offer.ratePerDay} data-max-amount={offer.maxAmount}>
      <p class="offer-product">
        <strong>{offer.productName}</strong>
      </p>
      <dl class="facts facts-grid">
        <div>
          <dt>Одобрено заранее</dt>
          <dd class="nowrap">до {amount}</dd>
        </div>
        <div>
          <dt>Ставка</dt>
          <dd data-testid="offer-rate">
            <span class="nowrap">{perDay(offer.ratePerDay)}</span>
            {offer.rate.per === 'month' && <span class="muted small nowrap offer-rate-month">{perMonth(offer.rate.percent)}</span>}
          </dd>
        </div>
      </dl>
      {offer.note ? (
        <p class="offer-note" data-testid="offer-note">
          {offer.note}
        </p>
      ) : (
        <p class="muted small">Ставка — по условиям продукта.</p>
      )}
      <p class="muted small">
        Например, {amount} на {term}: вернуть {formatRubles(offer.example.totalKopecks)}. Окончательное решение — после проверки
        заявки.
      </p>
      <button type="button" class="btn btn-primary btn-block" onClick={() => onStart(offer)} disabled={busy !== null} aria-busy={isStarting}>
        {isStarting ? 'Оформляем…' : 'Оформить'}
        <span class="sr-only">
          {' '}
          «{offer.productName}»: {amount} на {term}
        </span>
      </button>
    </li>
  );
};
