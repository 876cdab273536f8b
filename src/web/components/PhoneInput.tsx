import type { TargetedInputEvent } from 'preact';
import { useRef } from 'preact/hooks';
import { applyPhoneMask } from '../lib/phone';

type PhoneInputProps = {
  id: string;
  value: string;
  onValueChange: (value: string) => void;
  invalid?: boolean;
  describedBy?: string | undefined;
  autoComplete?: string;
  disabled?: boolean;
  inputRef?: { current: HTMLInputElement | null };
};

/**
 * A phone field that formats as the user types: `+7 (912) 345-67-89`. Pasted `8 912 345-67-89`,
 * `+79123456789` and browser autofill are accepted too.
 */
export const PhoneInput = ({
  id,
  value,
  onValueChange,
  invalid = false,
  describedBy,
  autoComplete = 'tel',
  disabled = false,
  inputRef,
}: PhoneInputProps) => {
  const previous = useRef(value);
  previous.current = value;

  const onInput = (event: TargetedInputEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const inputType = (event as unknown as InputEvent).inputType ?? 'insertText';
    const caret = input.selectionStart ?? input.value.length;
    const masked = applyPhoneMask(previous.current, input.value, caret, inputType);
    // Write straight to the element: when the masked value equals the old state (a letter was typed),
    // no re-render happens and the letter would otherwise stay in the field.
    input.value = masked.value;
    if (document.activeElement === input) input.setSelectionRange(masked.caret, masked.caret);
    previous.current = masked.value;
    onValueChange(masked.value);
  };

  return (
    <input
      id={id}
      ref={inputRef}
      class="input input-phone"
      type="tel"
      inputmode="tel"
      autocomplete={autoComplete}
      placeholder="+7 (900) 000-00-00"
      value={value}
      onInput={onInput}
      aria-invalid={invalid ? 'true' : undefined}
      aria-describedby={describedBy}
      disabled={disabled}
    />
  );
};
