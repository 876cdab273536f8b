/**
 * The staff login (docs/backoffice.md «Login»): e-mail and password, then the authenticator's code —
 * or, the first time, the key to add to an authenticator app and its first code. And the password
 * change, forced while the password is the temporary one an administrator handed over.
 */
import type { TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { PASSWORD_MIN, groupSecret, isEmail } from './format';
import { type Enrollment, type StaffMe, staffApi } from './staff-api';

const CODE_LENGTH = 6;

type Errors = Record<string, string | undefined>;

const minutes = (seconds: number | undefined): string | null =>
  seconds !== undefined && seconds > 0 ? `Попробуйте через ${Math.max(1, Math.ceil(seconds / 60))} мин.` : null;

/** The server's refusal of one of our fields, if it named one. */
const serverField = (error: unknown, field: string): string | undefined =>
  error instanceof ApiError ? error.fields?.[field] : undefined;

const focusById = (id: string) => window.requestAnimationFrame(() => document.getElementById(id)?.focus());

type PasswordInputProps = {
  id: string;
  label: string;
  value: string;
  error?: string | undefined;
  hint?: string;
  autoComplete: string;
  onValue: (value: string) => void;
};

const PasswordInput = ({ id, label, value, error, hint, autoComplete, onValue }: PasswordInputProps) => (
  <Field id={id} label={label} error={error} hint={hint}>
    {({ id: inputId, describedBy, invalid }) => (
      <input
        id={inputId}
        class="input"
        type="password"
        autocomplete={autoComplete}
        value={value}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
    )}
  </Field>
);

export const StaffLogin = ({ onSignedIn }: { onSignedIn: (me: StaffMe) => void }) => {
  useDocumentTitle('Вход в бэк-офис');
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pending = useRef(false);

  useEffect(() => {
    if (step === 'code') focusById('staff-code');
  }, [step]);

  const submitPassword = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending.current) return;
    const found: Errors = {};
    if (email.trim() === '') found.email = 'Введите рабочий e-mail.';
    else if (!isEmail(email)) found.email = 'Проверьте e-mail: например, ivanova@carcapital.ru.';
    if (password === '') found.password = 'Введите пароль.';
    setErrors(found);
    setFormError(null);
    if (found.email || found.password) {
      focusById(found.email ? 'staff-email' : 'staff-password');
      return;
    }
    pending.current = true;
    setBusy(true);
    try {
      const reply = await staffApi.login(email.trim(), password);
      setEnrollment(reply.next === 'enroll' ? reply.enrollment : null);
      setPassword('');
      setCode('');
      setStep('code');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setErrors({ password: serverField(error, 'password') ?? 'Неверный e-mail или пароль.' });
        setPassword('');
        focusById('staff-password');
      } else if (error instanceof ApiError && error.status === 429) {
        setFormError(error.message || ['Слишком много неудачных попыток: вход временно закрыт.', minutes(error.retryAfterSec)].filter(Boolean).join(' '));
      } else if (serverField(error, 'email') || serverField(error, 'password')) {
        setErrors({ email: serverField(error, 'email'), password: serverField(error, 'password') });
        focusById(serverField(error, 'email') ? 'staff-email' : 'staff-password');
      } else {
        setFormError(errorMessage(error));
      }
    } finally {
      pending.current = false;
      setBusy(false);
    }
  };

  const restart = (message: string) => {
    setStep('password');
    setEnrollment(null);
    setCode('');
    setErrors({});
    setFormError(message);
    focusById('staff-password');
  };

  const submitCode = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending.current) return;
    if (!new RegExp(`^\\d{${CODE_LENGTH}}$`).test(code)) {
      setErrors({ code: code === '' ? 'Введите код из приложения.' : 'Код — 6 цифр из приложения-аутентификатора.' });
      focusById('staff-code');
      return;
    }
    setErrors({});
    setFormError(null);
    pending.current = true;
    setBusy(true);
    try {
      onSignedIn(await staffApi.totp(code));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && error.code === 'unauthorized') {
        restart(error.message || 'Вход прерван: неверных кодов было слишком много или прошло много времени. Войдите снова.');
      } else if (error instanceof ApiError && error.status === 429) {
        restart(error.message || ['Слишком много неверных кодов.', minutes(error.retryAfterSec) ?? 'Войдите снова.'].join(' '));
      } else if (error instanceof ApiError && (error.status === 400 || error.status === 401)) {
        setErrors({ code: serverField(error, 'code') ?? 'Код неверный или уже использован. Введите новый код из приложения.' });
        setCode('');
        focusById('staff-code');
      } else {
        setFormError(errorMessage(error));
      }
    } finally {
      pending.current = false;
      setBusy(false);
    }
  };

  if (step === 'code') {
    return (
      <div class="card auth-card staff-auth">
        <h1>{enrollment ? 'Подключение входа по коду' : 'Код из приложения'}</h1>
        {enrollment ? (
          <EnrollmentSteps enrollment={enrollment} />
        ) : (
          <p class="muted">Откройте приложение-аутентификатор и введите 6-значный код для CarCapital.</p>
        )}
        <form class="form" onSubmit={(event) => void submitCode(event)} noValidate>
          <Field id="staff-code" label="Код из приложения" error={errors.code} hint="6 цифр; код меняется каждые 30 секунд">
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input input-code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxLength={CODE_LENGTH}
                value={code}
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => {
                  const digits = event.currentTarget.value.replace(/\D/g, '').slice(0, CODE_LENGTH);
                  event.currentTarget.value = digits;
                  setCode(digits);
                  setErrors({});
                }}
              />
            )}
          </Field>
          <Alert message={formError} />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Проверяем…' : enrollment ? 'Подключить и войти' : 'Войти'}
          </button>
          <button type="button" class="btn btn-link" onClick={() => restart('')} disabled={busy}>
            Войти под другим e-mail
          </button>
        </form>
      </div>
    );
  }

  return (
    <div class="card auth-card staff-auth">
      <h1>Вход для сотрудников</h1>
      <p class="muted">Рабочий e-mail и пароль, затем код из приложения-аутентификатора.</p>
      <form class="form" onSubmit={(event) => void submitPassword(event)} noValidate>
        <Field id="staff-email" label="E-mail" error={errors.email}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="email"
              inputmode="email"
              autocomplete="username"
              spellcheck={false}
              value={email}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setEmail(event.currentTarget.value);
                setErrors((previous) => ({ ...previous, email: undefined }));
              }}
            />
          )}
        </Field>
        <PasswordInput
          id="staff-password"
          label="Пароль"
          value={password}
          error={errors.password}
          autoComplete="current-password"
          onValue={(value) => {
            setPassword(value);
            setErrors((previous) => ({ ...previous, password: undefined }));
          }}
        />
        <Alert message={formError} />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Проверяем…' : 'Продолжить'}
        </button>
      </form>
    </div>
  );
};

/** The key to add, by link (on a phone) or typed in groups of four, then its first code. */
const EnrollmentSteps = ({ enrollment }: { enrollment: Enrollment }) => (
  <div class="staff-enroll">
    <p>Вход в бэк-офис — по паролю и коду из приложения-аутентификатора (Яндекс Ключ, Google Authenticator, Aegis и другие).</p>
    <h2 class="staff-enroll-title">Добавьте ключ в приложение-аутентификатор</h2>
    <p>Введите ключ вручную (тип — «по времени»):</p>
    <p class="totp-secret" data-testid="totp-secret">
      {groupSecret(enrollment.secret)}
    </p>
    <p>Или откройте ссылку на устройстве с приложением:</p>
    <p class="totp-link">
      <a href={enrollment.otpauthUrl}>{enrollment.otpauthUrl}</a>
    </p>
    <p>Затем введите код, который покажет приложение: первый верный код включит вход по коду.</p>
  </div>
);

/** The password change: forced after a temporary password, or chosen from the header. */
export const PasswordPage = ({ forced, onDone }: { forced: boolean; onDone: () => void }) => {
  useDocumentTitle('Смена пароля');
  const [current, setCurrent] = useState('');
  const [fresh, setFresh] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const found: Errors = {};
    if (current === '') found.current = forced ? 'Введите временный пароль, с которым вы вошли.' : 'Введите текущий пароль.';
    if (fresh.length < PASSWORD_MIN) found.fresh = `Новый пароль — не короче ${PASSWORD_MIN} символов.`;
    else if (fresh === current) found.fresh = 'Новый пароль должен отличаться от текущего.';
    if (!found.fresh && repeat !== fresh) found.repeat = 'Пароли не совпадают.';
    setErrors(found);
    setFormError(null);
    const first = (['current', 'fresh', 'repeat'] as const).find((key) => found[key]);
    if (first) {
      focusById(`staff-password-${first}`);
      return;
    }
    setBusy(true);
    try {
      await staffApi.changePassword(current, fresh);
      onDone();
    } catch (error) {
      const currentError = serverField(error, 'currentPassword');
      const freshError = serverField(error, 'newPassword');
      if (currentError || freshError) {
        setErrors({ current: currentError, fresh: freshError });
        focusById(currentError ? 'staff-password-current' : 'staff-password-fresh');
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 403) && error.code !== 'unauthorized') {
        setErrors({ current: 'Текущий пароль неверный.' });
        setCurrent('');
        focusById('staff-password-current');
      } else {
        setFormError(errorMessage(error));
      }
      setBusy(false);
    }
  };

  return (
    <div class="card auth-card staff-auth">
      <h1>{forced ? 'Задайте свой пароль' : 'Смена пароля'}</h1>
      {forced && <p class="muted">Вы вошли с временным паролем. Прежде чем начать работу, замените его своим.</p>}
      <form class="form" onSubmit={(event) => void submit(event)} noValidate>
        <PasswordInput
          id="staff-password-current"
          label={forced ? 'Временный пароль' : 'Текущий пароль'}
          value={current}
          error={errors.current}
          autoComplete="current-password"
          onValue={setCurrent}
        />
        <PasswordInput
          id="staff-password-fresh"
          label="Новый пароль"
          value={fresh}
          error={errors.fresh}
          hint={`Не короче ${PASSWORD_MIN} символов. Удобно взять 3–4 случайных слова.`}
          autoComplete="new-password"
          onValue={setFresh}
        />
        <PasswordInput id="staff-password-repeat" label="Новый пароль ещё раз" value={repeat} error={errors.repeat} autoComplete="new-password" onValue={setRepeat} />
        <Alert message={formError} />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Сохраняем…' : 'Сохранить пароль'}
        </button>
      </form>
    </div>
  );
};
