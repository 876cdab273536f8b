import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, type OtpSent, errorMessage, fieldOrMessage } from '../lib/api';
import { formatSeconds, useSecondsLeft } from '../lib/hooks';
import { Alert } from './Alert';
import { InputField, keepOnly } from './fields';

const CODE_LENGTH = 6;
const deadlineIn = (seconds: number) => Date.now() + seconds * 1000;

type CodeFormProps = {
  /** The code field's id (its error is `<id>-error`). */
  id: string;
  /** What signing by the code means, shown before the code is asked for. */
  intro: ComponentChildren;
  /** The button that sends the code: «Подписать кодом из SMS». */
  startLabel: string;
  /** The button that checks the code: «Подписать договор». */
  submitLabel: string;
  /** The same button while the code is checked: «Подписываем…». */
  busyLabel: string;
  requestCode: () => Promise<OtpSent>;
  /**
   * Signs with the code. Resolves once the page moves on (to the loan, to the acquirer's page): the
   * button stays busy. A refused code (400, 401) is shown under the field, anything else above the button.
   */
  submit: (code: string) => Promise<void>;
};

/**
 * Signing by an SMS code (the contract, a prolongation): the code asked for, typed, checked; a
 * refusal says what to do, a wait shows its countdown, a resend is offered once allowed.
 */
export const CodeForm = ({ id, intro, startLabel, submitLabel, busyLabel, requestCode, submit }: CodeFormProps) => {
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState('');
  const [resendAt, setResendAt] = useState<number | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'send' | 'sign' | null>(null);
  const [status, setStatus] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);
  const resendLeft = useSecondsLeft(resendAt);
  const waitLeft = useSecondsLeft(waitUntil);

  const sendCode = async () => {
    if (busy) return;
    setBusy('send');
    setError(null);
    setCodeError(null);
    try {
      const reply = await requestCode();
      setSent(true);
      setWaitUntil(null);
      setCode('');
      setResendAt(deadlineIn(reply.resendAfterSec));
      setStatus('Код отправлен по SMS.');
      window.requestAnimationFrame(() => codeRef.current?.focus());
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 429 && failure.retryAfterSec) {
        setWaitUntil(deadlineIn(failure.retryAfterSec));
      }
      setError(errorMessage(failure));
    } finally {
      setBusy(null);
    }
  };

  const sign = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (!new RegExp(`^\\d{${CODE_LENGTH}}$`).test(code)) {
      setCodeError('Код — это 6 цифр из SMS.');
      codeRef.current?.focus();
      return;
    }
    setBusy('sign');
    setCodeError(null);
    setError(null);
    try {
      await submit(code);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 401 || failure.status === 400)) {
        setCodeError(fieldOrMessage(failure, 'code'));
        codeRef.current?.focus();
      } else {
        setError(errorMessage(failure));
      }
      setBusy(null);
    }
  };

  const isWaiting = waitLeft > 0;

  if (!sent) {
    return (
      <div class="code-start">
        {intro}
        <Alert message={error} />
        {isWaiting && (
          <p class="muted" role="timer">
            Запросить код можно через {formatSeconds(waitLeft)}
          </p>
        )}
        <button type="button" class="btn btn-primary btn-block" disabled={busy !== null || isWaiting} onClick={() => void sendCode()}>
          {busy === 'send' ? 'Отправляем код…' : startLabel}
        </button>
      </div>
    );
  }

  return (
    <form class="code-form" onSubmit={(event) => void sign(event)} noValidate>
      <p class="sr-only" role="status">
        {status}
      </p>
      <InputField
        id={id}
        label="Код из SMS"
        error={codeError ?? undefined}
        value={code}
        inputMode="numeric"
        maxLength={CODE_LENGTH}
        size="input-code"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        inputRef={codeRef}
        onInput={(input) => setCode(keepOnly(input, /\D/g).slice(0, CODE_LENGTH))}
      />
      <Alert message={error} />
      <button type="submit" class="btn btn-primary btn-block" disabled={busy !== null}>
        {busy === 'sign' ? busyLabel : submitLabel}
      </button>
      <div class="resend">
        {resendLeft > 0 || isWaiting ? (
          <p class="muted" role="timer">
            Повторно через {formatSeconds(Math.max(resendLeft, waitLeft))}
          </p>
        ) : (
          <button type="button" class="btn btn-secondary btn-block" disabled={busy !== null} onClick={() => void sendCode()}>
            Отправить код ещё раз
          </button>
        )}
      </div>
    </form>
  );
};
