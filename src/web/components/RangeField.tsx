import type { TargetedEvent, TargetedKeyboardEvent } from 'preact';

type RangeFieldProps = {
  /** Id of the text field; the slider, scale and message ids derive from it. */
  id: string;
  /** Visible label of the text field, with the unit: «Сумма, ₽». */
  label: string;
  /** Accessible name of the slider: «Сумма». */
  sliderName: string;
  min: number;
  max: number;
  step: number;
  /** The slider's position (always a value the product offers). */
  sliderValue: number;
  /** What the slider announces: «10 000 рублей», «30 дней». */
  valueText: string;
  /** The text field's content, as typed. */
  text: string;
  /** «1 000 ₽», «30 000 ₽» under the slider. */
  minLabel: string;
  maxLabel: string;
  /** The value cannot be priced (red, aria-invalid). */
  error?: string | null | undefined;
  /** A correction made on leaving the field («Поставили 30 000 ₽»). */
  note?: string | null | undefined;
  onSlide: (value: number) => void;
  onType: (text: string) => void;
  /** Leaving the field (or Enter): clamp and round to the offered values. */
  onCommit: () => void;
};

/**
 * A slider paired with a text field for the same number. The slider moves by the product's step
 * (arrows, Home/End, drag); the field takes any typed number, prices it at once when it fits, and
 * is put right on blur with a message saying what changed.
 */
export const RangeField = (props: RangeFieldProps) => {
  const { id, min, max, step, sliderValue, error, note } = props;
  const scaleId = `${id}-scale`;
  const messageId = `${id}-message`;
  const message = error ?? note ?? null;
  const fill = max > min ? ((sliderValue - min) / (max - min)) * 100 : 0;

  const onKeyDown = (event: TargetedKeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') props.onCommit();
  };

  return (
    <div class="calc-field">
      <div class="calc-field-head">
        <label for={id}>{props.label}</label>
        <input
          id={id}
          class="input calc-input"
          type="text"
          inputmode="numeric"
          autocomplete="off"
          enterkeyhint="done"
          spellcheck={false}
          value={props.text}
          onInput={(event: TargetedEvent<HTMLInputElement>) => props.onType(event.currentTarget.value)}
          onBlur={props.onCommit}
          onKeyDown={onKeyDown}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={message ? `${scaleId} ${messageId}` : scaleId}
        />
      </div>
      <input
        id={`${id}-range`}
        class="calc-range"
        type="range"
        min={min}
        max={max}
        step={step}
        value={sliderValue}
        aria-label={props.sliderName}
        aria-valuetext={props.valueText}
        onInput={(event: TargetedEvent<HTMLInputElement>) => props.onSlide(Number(event.currentTarget.value))}
        // The unfilled part of the track is drawn from this property (set through the CSSOM, which
        // the CSP allows; no style attribute reaches the HTML).
        style={{ '--fill': `${fill}%` }}
      />
      <p class="calc-scale" id={scaleId}>
        <span>
          <span class="sr-only">от </span>
          {props.minLabel}
        </span>
        <span>
          <span class="sr-only">до </span>
          {props.maxLabel}
        </span>
      </p>
      <div aria-live="polite">
        {message && (
          <p id={messageId} class={error ? 'field-error' : 'field-note'}>
            {message}
          </p>
        )}
      </div>
    </div>
  );
};
