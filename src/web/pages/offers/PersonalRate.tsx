import type { TargetedKeyboardEvent } from 'preact';
import { useState } from 'preact/hooks';
import type { Rate } from '../../../core/loyalty/personal';
import { Field } from '../../components/fields';
import { ApiError, type Application, type ApplicationPricing, errorMessage } from '../../lib/api';
import { formatRate } from '../../lib/loan-format';
import { offersApi } from './offers-api';
import './offers.css';

/**
 * The personal rate on the application's pages: the rate the figures are priced at and, when it is
 * lower than the product's, why («Ставка 0,76 % в день вместо 0,8 % — уровень «Серебро»»).
 */

/** The personal rate to price `productCode` with on the client: the application's, while it is for that product. */
export const personalRateOf = (application: Pick<Application, 'product' | 'pricing'>, productCode: string): Rate | null => {
  const pricing = application.pricing;
  return pricing && application.product === productCode ? { ppm: pricing.rate.ppm, per: pricing.rate.per } : null;
};

export const RateLine = ({ rate, note }: { rate: { percent: number; per: 'day' | 'month' }; note: string | null | undefined }) => (
  <div class="personal-rate" data-testid="personal-rate">
    <p>
      Ставка:{' '}
      <strong class="nowrap" data-testid="personal-rate-value" data-percent={rate.percent} data-per={rate.per}>
        {formatRate(rate)}
      </strong>
    </p>
    {note && (
      <p class="personal-rate-note" data-testid="personal-rate-note">
        {note}
      </p>
    )}
  </div>
);

type PromoCodeFieldProps = {
  applicationId: string;
  pricing: ApplicationPricing | null | undefined;
  onApplication: (application: Application) => void;
};

/**
 * The optional promo code on the loan step. It is checked by the server at once (an unknown or
 * used-up code is refused on this field); a code that works shows what it did to the rate.
 * Inside the questionnaire's form: Enter here applies the code instead of going to the next step.
 */
export const PromoCodeField = ({ applicationId, pricing, onApplication }: PromoCodeFieldProps) => {
  const kept = pricing?.promoCode ?? null;
  const [text, setText] = useState(kept?.code ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (code: string | null) => {
    setBusy(true);
    setError(null);
    try {
      onApplication(await offersApi.promoCode(applicationId, code));
      if (code === null) setText('');
    } catch (failure) {
      setError(failure instanceof ApiError ? (failure.fields?.promoCode ?? errorMessage(failure)) : errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  const apply = () => {
    const code = text.trim();
    if (busy) return;
    if (code === '') {
      setError('Введите промокод.');
      return;
    }
    void send(code);
  };

  const onKeyDown = (event: TargetedKeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    apply();
  };

  return (
    <div class="promo-code" data-testid="promo-code">
      <Field id="loan-promo-code" label="Промокод" optional hint="Если у вас есть промокод акции, ставка по нему будет ниже." error={error ?? undefined}>
        {({ id, describedBy, invalid }) => (
          <div class="promo-code-row">
            <input
              id={id}
              class="input promo-code-input"
              type="text"
              inputmode="text"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              maxlength={40}
              value={text}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setText(event.currentTarget.value);
                setError(null);
              }}
              onKeyDown={onKeyDown}
            />
            <button type="button" class="btn btn-secondary" onClick={apply} disabled={busy} aria-busy={busy}>
              {busy ? 'Проверяем…' : 'Применить'}
            </button>
          </div>
        )}
      </Field>
      <div role="status" class="promo-code-status">
        {kept && !error && (
          <p class={kept.status === 'applied' ? 'note promo-code-applied' : 'note'} data-status={kept.status}>
            {kept.code}: {kept.message}{' '}
            <button type="button" class="btn btn-link" onClick={() => void send(null)} disabled={busy}>
              Убрать промокод
            </button>
          </p>
        )}
      </div>
    </div>
  );
};
