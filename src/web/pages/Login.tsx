import type { TargetedEvent, TargetedInputEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../components/Alert';
import { Layout } from '../components/Layout';
import { PhoneInput } from '../components/PhoneInput';
import { ApiError, api, errorMessage, fetchMe } from '../lib/api';
import { formatSeconds, useDevSms, useDocumentTitle, useSecondsLeft } from '../lib/hooks';
import { NATIONAL_LENGTH, formatNational, nationalDigits } from '../lib/phone';
import { safeNextPath } from '../lib/next-path';
import { Link, navigate, useRoute } from '../lib/router';

const CODE_LENGTH = 6;

type Step = 'phone' | 'code';
type Busy = 'send' | 'resend' | 'verify' | null;

/** A refusal that says when to try again: the server's message, a countdown, and what it blocks. */
type Wait = { action: 'send' | 'verify'; message: string; until: number };

const deadlineIn = (seconds: number | undefined): number | null =>
  seconds !== undefined && seconds > 0 ? Date.now() + seconds * 1000 : null;

export const Login = () => {
  useDocumentTitle('Вход');
  const route = useRoute();
  const next = safeNextPath(route.query.get('next'), '/cabinet');
  const devSms = useDevSms();

  const [step, setStep] = useState<Step>('phone');
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<Busy>(null);
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [wait, setWait] = useState<Wait | null>(null);
  const [resendAt, setResendAt] = useState<number | null>(null);
  const [expiresInSec, setExpiresInSec] = useState<number | null>(null);
  const [status, setStatus] = useState('');

  const phoneRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  // `busy` disables the buttons only after the next render; this stops a double tap before that.
  const isRequestPending = useRef(false);

  const waitLeft = useSecondsLeft(wait?.until ?? null);
  const resendLeft = useSecondsLeft(resendAt);
  const isSendBlocked = wait?.action === 'send' && waitLeft > 0;
  const isVerifyBlocked = wait?.action === 'verify' && waitLeft > 0;

  // A customer who is already signed in has nothing to do here.
  useEffect(() => {
    let active = true;
    fetchMe()
      .then((me) => {
        if (active && me) navigate(next, { replace: true });
      })
      .catch(() => {
        // Stay on the form; the next request will report the problem.
      });
    return () => {
      active = false;
    };
  }, [next]);

  useEffect(() => {
    if (step === 'code') codeRef.current?.focus();
  }, [step]);

  useEffect(() => {
    if (step === 'code' && resendAt !== null && resendLeft === 0) setStatus('Можно запросить код повторно.');
  }, [step, resendAt, resendLeft]);

  /** Shows a failure next to the field it concerns, or above the button. */
  const showError = (error: unknown, field: 'phone' | 'code') => {
    if (error instanceof ApiError && error.code === 'too_many_requests') {
      const until = deadlineIn(error.retryAfterSec);
      const action = field === 'phone' ? 'send' : 'verify';
      setWait(until === null ? null : { action, message: error.message, until });
      setFormError(until === null ? error.message : null);
      // A refused resend hides the resend button: keep focus in the form.
      if (step === 'code') codeRef.current?.focus();
      return;
    }
    if (field === 'phone' && step === 'phone' && error instanceof ApiError && (error.code === 'phone_invalid' || error.fields?.phone)) {
      setPhoneError(error.fields?.phone ?? error.message);
      phoneRef.current?.focus();
      return;
    }
    if (field === 'code' && error instanceof ApiError && (error.code === 'otp_invalid' || error.fields?.code)) {
      setCodeError(error.fields?.code ?? error.message);
      codeRef.current?.select();
      return;
    }
    setFormError(errorMessage(error));
  };

  const clearErrors = () => {
    setPhoneError(null);
    setCodeError(null);
    setFormError(null);
    setWait(null);
  };

  const sendCode = async (kind: 'send' | 'resend') => {
    if (isRequestPending.current) return;
    isRequestPending.current = true;
    clearErrors();
    setBusy(kind);
    try {
      const sent = await api.requestOtp(phone);
      setResendAt(deadlineIn(sent.resendAfterSec));
      setExpiresInSec(sent.expiresInSec > 0 ? sent.expiresInSec : null);
      setCode('');
      setStep('code');
      setStatus(kind === 'send' ? '' : 'Новый код отправлен. Предыдущий больше не действует.');
      if (kind === 'resend') codeRef.current?.focus();
    } catch (error) {
      showError(error, 'phone');
    } finally {
      isRequestPending.current = false;
      setBusy(null);
    }
  };

  const onPhoneSubmit = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || isSendBlocked) return;
    const digits = nationalDigits(phone);
    if (digits.length === 0) {
      setPhoneError('Введите номер мобильного телефона.');
      phoneRef.current?.focus();
      return;
    }
    if (digits.length < NATIONAL_LENGTH) {
      setPhoneError('Номер неполный: после +7 нужно 10 цифр.');
      phoneRef.current?.focus();
      return;
    }
    void sendCode('send');
  };

  const onCodeInput = (event: TargetedInputEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const digits = input.value.replace(/\D/g, '').slice(0, CODE_LENGTH);
    input.value = digits;
    setCode(digits);
    if (codeError) setCodeError(null);
  };

  const onCodeSubmit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || isVerifyBlocked) return;
    if (code.length !== CODE_LENGTH) {
      setCodeError('Введите 6 цифр из SMS.');
      codeRef.current?.focus();
      return;
    }
    if (isRequestPending.current) return;
    isRequestPending.current = true;
    clearErrors();
    setBusy('verify');
    try {
      await api.verifyOtp(phone, code);
      navigate(next, { replace: true });
    } catch (error) {
      showError(error, 'code');
      setBusy(null);
    } finally {
      isRequestPending.current = false;
    }
  };

  const changePhone = () => {
    clearErrors();
    setStep('phone');
    setCode('');
    setResendAt(null);
    setStatus('');
    // The phone field is rendered again on the next frame.
    window.requestAnimationFrame(() => phoneRef.current?.focus());
  };

  const shownPhone = formatNational(nationalDigits(phone));
  const phoneDescribedBy = ['phone-hint', phoneError ? 'phone-error' : ''].filter(Boolean).join(' ');
  const codeDescribedBy = ['code-sent', 'code-hint', codeError ? 'code-error' : ''].filter(Boolean).join(' ');

  return (
    <Layout>
      <div class="container narrow">
        <div class="card auth-card">
          <h1>Вход в личный кабинет</h1>

          {step === 'phone' ? (
            <>
              <p class="lead-small">
                Укажите номер мобильного телефона — пришлём SMS с кодом. Если вы у нас впервые, личный
                кабинет создастся автоматически.
              </p>
              <form class="form" noValidate onSubmit={onPhoneSubmit} aria-busy={busy === 'send'}>
                <div class="field">
                  <label for="phone">Номер телефона</label>
                  <PhoneInput
                    id="phone"
                    inputRef={phoneRef}
                    value={phone}
                    onValueChange={(value) => {
                      setPhone(value);
                      if (phoneError) setPhoneError(null);
                    }}
                    invalid={phoneError !== null}
                    describedBy={phoneDescribedBy}
                  />
                  <p id="phone-hint" class="hint">
                    Российский мобильный номер, например +7 (912) 345-67-89
                  </p>
                  <div aria-live="polite">
                    {phoneError && (
                      <p id="phone-error" class="field-error">
                        {phoneError}
                      </p>
                    )}
                  </div>
                </div>
                <Alert message={formError} />
                <WaitNotice wait={wait} secondsLeft={waitLeft} />
                <button type="submit" class="btn btn-primary btn-block" disabled={busy !== null || isSendBlocked}>
                  {busy === 'send' ? 'Отправляем…' : 'Получить код'}
                </button>
              </form>
            </>
          ) : (
            <>
              <p class="lead-small" id="code-sent">
                Код отправлен на <strong class="nowrap">{shownPhone}</strong>
              </p>
              <button type="button" class="btn btn-link" onClick={changePhone} disabled={busy !== null}>
                Изменить номер
              </button>
              <form class="form" noValidate onSubmit={onCodeSubmit} aria-busy={busy === 'verify'}>
                <div class="field">
                  <label for="code">Код из SMS</label>
                  <input
                    id="code"
                    ref={codeRef}
                    class="input input-code"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9]*"
                    maxlength={CODE_LENGTH}
                    value={code}
                    onInput={onCodeInput}
                    aria-invalid={codeError ? 'true' : undefined}
                    aria-describedby={codeDescribedBy}
                  />
                  <p id="code-hint" class="hint">
                    6 цифр{expiresInSec ? `. Код действует ${Math.round(expiresInSec / 60)} мин.` : ''}
                  </p>
                  <div aria-live="polite">
                    {codeError && (
                      <p id="code-error" class="field-error">
                        {codeError}
                      </p>
                    )}
                  </div>
                </div>
                <Alert message={formError} />
                <WaitNotice wait={wait} secondsLeft={waitLeft} />
                <button type="submit" class="btn btn-primary btn-block" disabled={busy !== null || isVerifyBlocked}>
                  {busy === 'verify' ? 'Проверяем…' : 'Войти'}
                </button>
              </form>
              {/* While a send limit counts down, its notice above holds the only countdown. */}
              {!isSendBlocked && (
                <div class="resend">
                  {resendLeft > 0 ? (
                    <p class="muted" role="timer" id="resend-timer">
                      Повторно через {formatSeconds(resendLeft)}
                    </p>
                  ) : (
                    <button
                      type="button"
                      class="btn btn-secondary btn-block"
                      onClick={() => void sendCode('resend')}
                      disabled={busy !== null}
                    >
                      {busy === 'resend' ? 'Отправляем…' : 'Получить код повторно'}
                    </button>
                  )}
                </div>
              )}
            </>
          )}

          <p class="sr-only" aria-live="polite">
            {status}
          </p>

          <p class="auth-help">
            <Link href="/support/sms">Не приходит SMS?</Link>
          </p>

          {devSms && (
            <p class="dev-note">
              Песочница: SMS не уходят на телефон, их видно на странице{' '}
              <a href="/dev/sms" target="_blank" rel="noopener" class="dev-link">
                Тестовые SMS<span class="sr-only"> (откроется в новой вкладке)</span>
              </a>
              .
            </p>
          )}
        </div>
        <p class="back-home">
          <Link href="/">← На главную</Link>
        </p>
      </div>
    </Layout>
  );
};

type WaitNoticeProps = { wait: Wait | null; secondsLeft: number };

/**
 * A limit was hit: the server's message (announced once) and a countdown to the next try (not
 * announced every second; `role="timer"` is polite-off by design).
 */
const WaitNotice = ({ wait, secondsLeft }: WaitNoticeProps) => (
  <div class="wait-slot" role="alert">
    {wait && secondsLeft > 0 ? (
      <div class="alert">
        <p>{wait.message}</p>
        <p role="timer" class="alert-timer">
          Попробовать снова можно через {formatSeconds(secondsLeft)}
        </p>
      </div>
    ) : null}
  </div>
);
