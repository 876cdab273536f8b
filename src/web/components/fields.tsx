import type { ComponentChildren, Ref, TargetedEvent, TargetedInputEvent } from 'preact';
import { useRef } from 'preact/hooks';
import './fields.css';
import type { MaskResult } from '../lib/masks';
import type { FieldPath } from '../lib/questionnaire-form';

/** The element id of a questionnaire field: `passport.series` → `q-passport-series`. */
export const fieldId = (path: string): string => `q-${path.replace(/\./g, '-')}`;

/**
 * Drops what `unwanted` matches from a field as it is typed, writing the field itself: a stray letter
 * leaves the state unchanged, so no re-render would take it out.
 */
export const keepOnly = (input: HTMLInputElement, unwanted: RegExp): string => {
  const value = input.value.replace(unwanted, '');
  if (value !== input.value) input.value = value;
  return value;
};

type FieldProps = (
  | { path: FieldPath; id?: never }
  /** A field outside the questionnaire names its control's id itself. */
  | { id: string; path?: never }
) & {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  optional?: boolean;
  class?: string;
  /** Renders the control with the ids it must carry. */
  children: (control: { id: string; describedBy: string | undefined; invalid: boolean }) => ComponentChildren;
};

/**
 * A labelled field: the label (with «необязательно» for optional ones), the control, a hint and the
 * error, both linked to the control by `aria-describedby`; the error also sets `aria-invalid`.
 */
export const Field = ({ path, id: ownId, label, hint, error, optional = false, class: className, children }: FieldProps) => {
  const id = ownId ?? fieldId(path as FieldPath);
  const hintId = hint ? `${id}-hint` : '';
  const errorId = error ? `${id}-error` : '';
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={className ? `field ${className}` : 'field'}>
      <label for={id}>
        {label}
        {optional && <span class="optional"> (необязательно)</span>}
      </label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
};

type InputFieldProps = {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  value: string;
  inputMode: 'numeric' | 'decimal' | 'text';
  maxLength: number;
  /** `input-amount`, `input-code`: the input's class besides `input`. */
  size?: string;
  autoComplete?: string;
  pattern?: string;
  inputRef?: Ref<HTMLInputElement>;
  /** The input as typed (`keepOnly` may clean it first). */
  onInput: (input: HTMLInputElement) => void;
};

/**
 * A one-line field outside the questionnaire (an amount, a wallet number, an SMS code): labelled,
 * with its hint and error, never autocompleted (unless told, as a one-time code is) or spell-checked.
 */
export const InputField = ({ id, label, hint, error, value, inputMode, maxLength, size, autoComplete = 'off', pattern, inputRef, onInput }: InputFieldProps) => (
  <Field id={id} label={label} hint={hint} error={error}>
    {({ id: inputId, describedBy, invalid }) => (
      <input
        ref={inputRef}
        id={inputId}
        class={size ? `input ${size}` : 'input'}
        type="text"
        inputmode={inputMode}
        autocomplete={autoComplete}
        pattern={pattern}
        spellcheck={false}
        maxlength={maxLength}
        value={value}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy}
        onInput={(event) => onInput(event.currentTarget)}
      />
    )}
  </Field>
);

type InputProps = {
  path: FieldPath;
  label: string;
  value: string;
  hint?: string | undefined;
  error?: string | undefined;
  optional?: boolean;
  class?: string;
  type?: 'text' | 'email';
  inputMode?: 'text' | 'numeric' | 'email';
  autoComplete?: string;
  autoCapitalize?: 'off' | 'words' | 'sentences';
  placeholder?: string;
  maxLength?: number;
  multiline?: boolean;
  onValue: (value: string) => void;
  onLeave: () => void;
  /** Reshapes what was typed (digits only, a mask); the caret is kept after the same digit. */
  mask?: (previous: string, raw: string, caret: number, inputType: string) => MaskResult;
};

/** A text field (or a text area), masked when a mask is given. */
export const TextField = (props: InputProps) => {
  const previous = useRef(props.value);
  previous.current = props.value;
  const { mask, onValue } = props;

  const onInput = (event: TargetedInputEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    const input = event.currentTarget;
    if (!mask) {
      onValue(input.value);
      return;
    }
    const inputType = (event as unknown as InputEvent).inputType ?? 'insertText';
    const caret = input.selectionStart ?? input.value.length;
    const masked = mask(previous.current, input.value, caret, inputType);
    // Written straight to the element: when the masked text equals the old state (a letter was
    // typed into a digits field), no re-render happens and the letter would stay.
    input.value = masked.value;
    if (document.activeElement === input) input.setSelectionRange(masked.caret, masked.caret);
    previous.current = masked.value;
    onValue(masked.value);
  };

  return (
    <Field path={props.path} label={props.label} hint={props.hint} error={props.error} optional={props.optional ?? false} class={props.class}>
      {({ id, describedBy, invalid }) => {
        const common = {
          id,
          name: props.path,
          value: props.value,
          onInput,
          onBlur: props.onLeave,
          'aria-invalid': invalid ? ('true' as const) : undefined,
          'aria-describedby': describedBy,
          'aria-required': props.optional ? undefined : ('true' as const),
          autocomplete: props.autoComplete ?? 'off',
          maxLength: props.maxLength,
          spellcheck: false,
        };
        if (props.multiline) {
          return <textarea {...common} class="input textarea" rows={3} autocapitalize={props.autoCapitalize ?? 'sentences'} />;
        }
        const line = {
          ...common,
          class: 'input',
          inputmode: props.inputMode ?? 'text',
          autocapitalize: props.autoCapitalize ?? 'off',
          placeholder: props.placeholder,
        };
        return props.type === 'email' ? <input {...line} type="email" /> : <input {...line} type="text" />;
      }}
    </Field>
  );
};

type ChoiceProps = {
  name: string;
  legend: string;
  options: readonly { value: string; label: string }[];
  value: string;
  error?: string | undefined;
  /** Id of the first radio, for focusing the group on an error. */
  id: string;
  onValue: (value: string) => void;
};

/** Radio buttons as large, whole-row tap targets in a fieldset; the error is tied to the group. */
export const RadioGroup = ({ name, legend, options, value, error, id, onValue }: ChoiceProps) => {
  const errorId = `${id}-error`;
  return (
    <fieldset
      class="choice-group"
      role="radiogroup"
      aria-required="true"
      aria-describedby={error ? errorId : undefined}
      aria-invalid={error ? 'true' : undefined}
    >
      <legend>{legend}</legend>
      <div class="choice-list">
        {options.map((option, index) => (
          <label key={option.value} class={option.value === value ? 'choice choice-checked' : 'choice'}>
            <input
              type="radio"
              id={index === 0 ? id : undefined}
              name={name}
              value={option.value}
              checked={option.value === value}
              onChange={(event: TargetedEvent<HTMLInputElement>) => onValue(event.currentTarget.value)}
            />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
};

type CheckboxProps = {
  id: string;
  checked: boolean;
  disabled?: boolean;
  describedBy?: string | undefined;
  invalid?: boolean;
  onChange: (checked: boolean) => void;
  children: ComponentChildren;
};

/** A checkbox with its label as one tap target of at least 44 px. */
export const Checkbox = ({ id, checked, disabled = false, describedBy, invalid = false, onChange, children }: CheckboxProps) => (
  <label class={disabled ? 'check check-disabled' : 'check'} for={id}>
    <input
      id={id}
      type="checkbox"
      checked={checked}
      disabled={disabled}
      aria-describedby={describedBy}
      aria-invalid={invalid ? 'true' : undefined}
      onChange={(event: TargetedEvent<HTMLInputElement>) => onChange(event.currentTarget.checked)}
    />
    <span>{children}</span>
  </label>
);
