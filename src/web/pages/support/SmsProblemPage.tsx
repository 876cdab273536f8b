/**
 * `/support/sms`, without a login: what to check when the login code does not arrive (the brief's
 * FAQ), and a form that sends a «Не приходит SMS» request to support (`POST
 * /api/support/public/sms-problem`). The reply is the same for any number: the page never says
 * whether the number has an account.
 */
import type { TargetedEvent } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { Layout } from '../../components/Layout';
import { PhoneInput } from '../../components/PhoneInput';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { NATIONAL_LENGTH, formatNational, nationalDigits } from '../../lib/phone';
import { Link } from '../../lib/router';
import { formatDueDate } from '../../lib/tickets';
import { supportApi } from './support-api';
import './support.css';
import { SUPPORT_PHONE, SUPPORT_PHONE_HREF } from '../../lib/contacts';


type Errors = { phone?: string | undefined; message?: string | undefined; contact?: string | undefined };

export const SmsProblemPage = () => {
  useDocumentTitle('Не приходит SMS');
  const [phone, setPhone] = useState('');
  const [message, setMessage] = useState('');
  const [contact, setContact] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [accepted, setAccepted] = useState<{ id: string; dueDate?: string | undefined; phone: string } | null>(null);
  const phoneRef = useRef<HTMLInputElement>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const digits = nationalDigits(phone);
    const phoneProblem = digits.length === 0 ? 'Введите номер, на который не приходит SMS.' : digits.length < NATIONAL_LENGTH ? 'Номер неполный: после +7 нужно 10 цифр.' : undefined;
    setErrors({ phone: phoneProblem });
    setFormError(null);
    if (phoneProblem) {
      phoneRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const reply = await supportApi.smsProblem({
        phone: `+7${digits}`,
        ...(message.trim() ? { message: message.trim() } : {}),
        ...(contact.trim() ? { contact: contact.trim() } : {}),
      });
      setAccepted({ id: reply.id, dueDate: reply.dueDate, phone: formatNational(digits) });
      window.requestAnimationFrame(() => doneRef.current?.focus());
    } catch (error) {
      const fields = error instanceof ApiError ? (error.fields ?? {}) : {};
      if (fields.phone || fields.message || fields.contact) {
        setErrors({ phone: fields.phone, message: fields.message, contact: fields.contact });
        const first = (['phone', 'message', 'contact'] as const).find((key) => fields[key]);
        document.getElementById(`sms-${first}`)?.focus();
      } else {
        setFormError(errorMessage(error));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Layout
      headerActions={
        <Link href="/login" class="btn btn-secondary btn-header">
          Войти
        </Link>
      }
    >
      <div class="container narrow support-page">
        <h1 class="page-title">Не приходит SMS с кодом</h1>
        <section class="card" aria-labelledby="sms-check-title">
          <h2 id="sms-check-title">Сначала проверьте</h2>
          <ol class="sms-checklist">
            <li>
              <strong>Номер.</strong> Он введён без ошибок и лишних цифр, в формате +7 9XX XXX-XX-XX, и это ваш номер — тот, что вы
              указывали при регистрации.
            </li>
            <li>
              <strong>Подождите минуту.</strong> Обычно код приходит за несколько секунд, но бывает, что сообщение задерживается. Через 60
              секунд на странице входа появится кнопка «Получить код повторно».
            </li>
            <li>
              <strong>Телефон.</strong> Он включён, есть сеть, не включён режим полёта, в памяти есть место для сообщений, а на счёте —
              деньги, если ваш тариф требует этого для входящих SMS.
            </li>
            <li>
              <strong>Запрет коротких номеров.</strong> У некоторых операторов можно запретить SMS от сервисов и коротких номеров
              («запрет контента», блокировка рассылок), а в телефоне — отправлять такие сообщения в спам. Проверьте папку «Спам» и
              снимите запрет в приложении оператора, в его личном кабинете или по телефону оператора.
            </li>
            <li>
              <strong>Перезагрузите телефон</strong> или переставьте SIM-карту в другой телефон и запросите код ещё раз.
            </li>
          </ol>
          <p>
            Не помогло? Оставьте заявку ниже или позвоните нам: <a href={SUPPORT_PHONE_HREF}>{SUPPORT_PHONE}</a>. Назовите номер телефона и
            оператора связи — так мы быстрее найдём, где застревает сообщение.
          </p>
        </section>

        {accepted ? (
          <section class="card" aria-labelledby="sms-done-title" role="status">
            <h2 id="sms-done-title" tabindex={-1} ref={doneRef}>
              Заявка принята
            </h2>
            <p>
              Проверим доставку SMS на номер <strong class="nowrap">{accepted.phone}</strong> и свяжемся с вами
              {accepted.dueDate ? ` не позднее ${formatDueDate(accepted.dueDate)}` : ' в течение 15 рабочих дней'} — обычно быстрее.
            </p>
            <p class="muted small">Номер заявки: {accepted.id.slice(0, 8).toUpperCase()}</p>
            <Link href="/login" class="btn btn-primary btn-block">
              Ко входу
            </Link>
          </section>
        ) : (
          <section class="card" aria-labelledby="sms-form-title">
            <h2 id="sms-form-title">Заявка в поддержку</h2>
            <p class="muted small">Входить в кабинет не нужно. Ответ придёт по контакту, который вы оставите, или мы позвоним.</p>
            <form class="form" noValidate onSubmit={(event) => void submit(event)} aria-busy={busy}>
              <Field id="sms-phone" label="Номер, на который не приходит SMS" error={errors.phone}>
                {({ id, describedBy, invalid }) => (
                  <PhoneInput
                    id={id}
                    inputRef={phoneRef}
                    value={phone}
                    invalid={invalid}
                    describedBy={describedBy}
                    onValueChange={(value) => {
                      setPhone(value);
                      setErrors((previous) => ({ ...previous, phone: undefined }));
                    }}
                  />
                )}
              </Field>
              <Field id="sms-message" label="Что происходит" optional error={errors.message} hint="Например: оператор МТС, код не приходит с утра, другие SMS приходят">
                {({ id, describedBy, invalid }) => (
                  <textarea
                    id={id}
                    class="input textarea"
                    rows={4}
                    maxLength={2000}
                    value={message}
                    aria-invalid={invalid ? 'true' : undefined}
                    aria-describedby={describedBy}
                    onInput={(event) => {
                      setMessage(event.currentTarget.value);
                      setErrors((previous) => ({ ...previous, message: undefined }));
                    }}
                  />
                )}
              </Field>
              <Field id="sms-contact" label="Как с вами связаться" optional error={errors.contact} hint="Почта или другой телефон, если этот не принимает SMS">
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    class="input"
                    type="text"
                    autocomplete="email"
                    maxLength={200}
                    value={contact}
                    aria-invalid={invalid ? 'true' : undefined}
                    aria-describedby={describedBy}
                    onInput={(event) => {
                      setContact(event.currentTarget.value);
                      setErrors((previous) => ({ ...previous, contact: undefined }));
                    }}
                  />
                )}
              </Field>
              <p class="hint">Не пишите коды из SMS и данные карты: мы их никогда не спрашиваем.</p>
              <Alert message={formError} />
              <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
                {busy ? 'Отправляем…' : 'Отправить заявку'}
              </button>
            </form>
          </section>
        )}
        <p class="support-back">
          <Link href="/faq">Вопросы и ответы</Link>
        </p>
      </div>
    </Layout>
  );
};
