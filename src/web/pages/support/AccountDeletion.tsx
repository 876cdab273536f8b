/**
 * «Удалить аккаунт» at the bottom of the support page: what deletion does and does not do, a
 * confirmation step, then `POST /api/account/deletion` — the request (a support ticket staff answer)
 * or the reason it cannot be made yet (409 `debt_outstanding`: a loan, a payment or an application).
 */
import { useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { ApiError, errorMessage, request } from '../../lib/api';
import { Link, navigate } from '../../lib/router';

type Step = { kind: 'idle' } | { kind: 'confirming' } | { kind: 'sent'; ticketId: string };

export const AccountDeletion = ({ onRequested }: { onRequested: () => void }) => {
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const question = useRef<HTMLParagraphElement>(null);

  const ask = () => {
    setError(null);
    setStep({ kind: 'confirming' });
    window.requestAnimationFrame(() => question.current?.focus());
  };

  const send = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const reply = await request<{ ticketId: string; status: string }>('POST', '/api/account/deletion', {});
      setStep({ kind: 'sent', ticketId: reply.ticketId });
      onRequested();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401) {
        navigate(`/login?next=${encodeURIComponent('/support')}`, { replace: true });
        return;
      }
      setStep({ kind: 'idle' });
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="deletion-title" data-testid="account-deletion">
      <h2 id="deletion-title">Удалить аккаунт</h2>
      <p class="muted">
        Мы закроем вход в личный кабинет и завершим все сеансы. Удаление не списывает долг: запрос можно отправить, когда займы погашены,
        платежи завершены и нет заявок на рассмотрении. Договоры и платёжные документы храним столько, сколько требует закон.
      </p>
      <p class="muted">Запрос рассмотрит сотрудник поддержки, ответ придёт в обращение и по SMS.</p>
      <Alert message={error} />
      {step.kind === 'idle' && (
        <button type="button" class="btn btn-secondary btn-block" onClick={ask}>
          Удалить аккаунт
        </button>
      )}
      {step.kind === 'confirming' && (
        <>
          <p ref={question} tabindex={-1}>
            <strong>Отправить запрос на удаление аккаунта?</strong> После удаления войти в личный кабинет будет нельзя.
          </p>
          <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void send()}>
            {busy ? 'Отправляем…' : 'Да, удалить аккаунт'}
          </button>
          <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => setStep({ kind: 'idle' })}>
            Отмена
          </button>
        </>
      )}
      {step.kind === 'sent' && (
        <p role="status">
          Запрос на удаление отправлен. <Link href={`/support/${step.ticketId}`}>Открыть обращение</Link>
        </p>
      )}
    </section>
  );
};
