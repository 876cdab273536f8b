/**
 * «Продлить займ»: for 7–30 days the borrower sees the new due date, the interest to pay now and
 * the prolongations left, reads the addendum, signs it with an SMS code and pays the interest on the
 * acquirer's page; the due date moves once that payment succeeds (the server's rule, not ours).
 */
import { useEffect, useState } from 'preact/hooks';
import { CodeForm } from '../../components/CodeForm';
import { DocumentText } from '../../components/DocumentText';
import { FigureList } from '../../components/FigureList';
import { Checkbox } from '../../components/fields';
import { LoadStatus } from '../../components/LoadStatus';
import { pointsText } from '../../../core/bonus';
import { ApiError, type Loan, type ProlongationOffer, api, errorMessage } from '../../lib/api';
import { pluralRu } from '../../lib/loan-format';
import { goToPayment } from './Payments';
import { loadBonus } from './BonusSpend';

const MIN_DAYS = 7;
const MAX_DAYS = 30;
const DEFAULT_DAYS = 14;
const DAY_OPTIONS = Array.from({ length: MAX_DAYS - MIN_DAYS + 1 }, (_, index) => MIN_DAYS + index);

type OfferState =
  | { kind: 'loading' }
  | { kind: 'ready'; offer: ProlongationOffer }
  /** The server says no (limit reached, nothing to pay today, the cap reached): its own words. */
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

export const ProlongationCard = ({ loan }: { loan: Loan }) => {
  const [open, setOpen] = useState(false);
  const { used, left } = loan.prolongations;
  const allowed = used + left;
  return (
    <section class="card prolongation" aria-labelledby="prolongation-title">
      <h2 id="prolongation-title">Продление</h2>
      {left === 0 ? (
        <p class="note">Займ уже продлевали {used} раз — больше продлить нельзя.</p>
      ) : (
        <>
          <p>
            Не успеваете вернуть в срок? Оплатите проценты на сегодня — и дата возврата перенесётся на 7–30 дней.
            {used > 0 && ` Продлений уже: ${used} из ${allowed}.`}
          </p>
          <button
            type="button"
            class={open ? 'btn btn-secondary btn-block' : 'btn btn-primary btn-block'}
            aria-expanded={open}
            aria-controls="prolongation-body"
            onClick={() => setOpen(!open)}
          >
            {open ? 'Скрыть продление' : 'Продлить займ'}
          </button>
          <div id="prolongation-body" hidden={!open}>
            {open && <ProlongationOfferStep loan={loan} />}
          </div>
        </>
      )}
    </section>
  );
};

const ProlongationOfferStep = ({ loan }: { loan: Loan }) => {
  const [days, setDays] = useState(DEFAULT_DAYS);
  const [state, setState] = useState<OfferState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // Bonus points may pay part of the interest: the box shows when there are any.
  const [points, setPoints] = useState(0);
  const [usePoints, setUsePoints] = useState(false);

  useEffect(() => {
    let active = true;
    loadBonus()
      .then((summary) => {
        if (active) setPoints(summary.balancePoints);
      })
      .catch(() => {
        // Without the balance the prolongation is simply offered without points.
      });
    return () => {
      active = false;
    };
  }, [loan.id]);

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    api
      .prolongationOffer(loan.id, days, usePoints ? points : 0)
      .then((offer) => {
        if (active) setState({ kind: 'ready', offer });
      })
      .catch((error: unknown) => {
        if (!active) return;
        if (error instanceof ApiError && error.status === 409) setState({ kind: 'refused', message: error.message });
        else setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [loan.id, loan.dueDate, days, attempt, usePoints, points]);

  return (
    <div class="prolongation-body">
      <div class="field">
        <label for="prolongation-days">На сколько дней продлить</label>
        <select
          id="prolongation-days"
          class="input"
          value={String(days)}
          onChange={(event) => setDays(Number(event.currentTarget.value))}
        >
          {DAY_OPTIONS.map((n) => (
            <option key={n} value={String(n)}>
              {n} {pluralRu(n, 'день', 'дня', 'дней')}
            </option>
          ))}
        </select>
      </div>
      {points > 0 && (
        <Checkbox id="prolongation-bonus" checked={usePoints} onChange={setUsePoints}>
          Оплатить часть процентов бонусными баллами (на счёте {pointsText(points)}; 1&nbsp;балл = 1&nbsp;₽, не меньше 1&nbsp;₽ — картой)
        </Checkbox>
      )}
      <LoadStatus state={state} onRetry={() => setAttempt((n) => n + 1)} loadingText="Считаем продление…" />
      <div aria-live="polite" class="prolongation-offer">
        {state.kind === 'refused' && (
          <p class="note" data-testid="prolongation-refused">
            {state.message}
          </p>
        )}
        {state.kind === 'ready' && (
          <FigureList
            class="facts facts-grid prolongation-figures"
            figures={[
              { label: 'Новая дата возврата', name: 'new-due-date', date: state.offer.newDueDate },
              { label: 'Оплатить проценты сейчас', name: 'prolongation-interest', kopecks: state.offer.interestKopecks },
              state.offer.bonusPoints > 0 && { label: `Баллами (${pointsText(state.offer.bonusPoints)})`, name: 'prolongation-bonus', kopecks: state.offer.bonusKopecks },
              state.offer.bonusPoints > 0 && { label: 'Картой', name: 'prolongation-card', kopecks: state.offer.cardKopecks },
              {
                label: 'Продлений осталось',
                name: 'prolongations-left',
                value: state.offer.remaining,
                content: `${state.offer.remaining} из ${loan.prolongations.used + loan.prolongations.left}`,
                class: 'facts-wide',
              },
            ]}
          />
        )}
      </div>
      {state.kind === 'ready' && <AddendumStep key={state.offer.sha256} loan={loan} offer={state.offer} />}
    </div>
  );
};

/** The addendum as it will be signed, then the SMS code; signed, it goes to pay the interest. */
const AddendumStep = ({ loan, offer }: { loan: Loan; offer: ProlongationOffer }) => (
  <>
    <h3 id="addendum-text-title">Дополнительное соглашение № {offer.sequence}</h3>
    <DocumentText text={offer.text} labelledBy="addendum-text-title" />
    <CodeForm
      id="prolongation-code"
      intro={
        <p class="muted small">
          Подписывая соглашение кодом из SMS, вы соглашаетесь с новой датой возврата. Затем откроется страница оплаты
          процентов; дата перенесётся, когда платёж пройдёт.
        </p>
      }
      startLabel="Подписать кодом из SMS"
      submitLabel="Подписать и перейти к оплате"
      busyLabel="Подписываем…"
      requestCode={() => api.requestProlongationCode(loan.id, offer.days, offer.bonusPoints)}
      submit={async (code) => {
        const signed = await api.signProlongation(loan.id, offer.days, code, offer.bonusPoints);
        goToPayment(loan.id, signed.paymentId, signed.confirmationUrl);
      }}
    />
  </>
);
