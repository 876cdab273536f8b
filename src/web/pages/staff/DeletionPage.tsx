/**
 * `/staff/deletion?status=…`: customers' requests to delete their accounts (support, admin;
 * docs/backoffice.md «Deletion requests»). Each pending request shows a live debt check; «Удалить
 * аккаунт» asks once more and the server checks the debt again before it ends the customer's sessions
 * and closes the login; «Отказать» sends the comment to the customer in the request's ticket.
 */
import type { TargetedEvent } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { formatInteger } from '../../lib/loan-format';
import { Link, useRoute } from '../../lib/router';
import { formatDateTime, formatKopecks } from './format';
import { type DeletionRequest, type DeletionStatus, staffApi } from './staff-api';
import { Badge, LoadState, Notice, TableWrap, useLoad } from './ui';

const TABS: readonly { id: DeletionStatus; label: string }[] = [
  { id: 'pending', label: 'Ждут решения' },
  { id: 'confirmed', label: 'Удалены' },
  { id: 'refused', label: 'Отказано' },
];

/** The shortest refusal comment the server takes (it is sent to the customer). */
export const REFUSAL_MIN = 10;

type Action = { kind: 'confirm' | 'refuse'; request: DeletionRequest };

export const DeletionPage = () => {
  useDocumentTitle('Удаление аккаунтов');
  const route = useRoute();
  const requested = route.query.get('status');
  const status: DeletionStatus = TABS.some((t) => t.id === requested) ? (requested as DeletionStatus) : 'pending';
  const { state, reload } = useLoad(() => staffApi.deletionRequests(status), status);
  const [action, setAction] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const open = (next: Action) => {
    setAction(next);
    setNotice(null);
    dialog.current?.showModal();
  };

  return (
    <>
      <h1 class="page-title">Удаление аккаунтов</h1>
      <p class="lead-small">
        Удаление не списывает долг: пока у клиента есть незакрытый заём, незавершённый платёж или заявка, удалить аккаунт нельзя. Перед
        удалением проверка повторяется.
      </p>
      <nav class="staff-tabs" aria-label="Запросы на удаление">
        <ul>
          {TABS.map((t) => (
            <li key={t.id}>
              <Link href={t.id === 'pending' ? '/staff/deletion' : `/staff/deletion?status=${t.id}`} aria-current={t.id === status ? 'page' : undefined}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section class="staff-section" aria-labelledby="deletion-count">
        <Notice message={notice} />
        <LoadState state={state} onRetry={reload} loadingText="Загружаем запросы…" />
        {state.kind === 'ready' && (
          <>
            <div class="staff-toolbar">
              <p id="deletion-count" class="staff-count" role="status">
                {state.data.length === 0 ? 'Запросов нет' : `Всего: ${formatInteger(state.data.length)}`}
              </p>
              <button type="button" class="btn btn-secondary btn-small" onClick={reload}>
                Обновить
              </button>
            </div>
            {state.data.length > 0 && (
              <TableWrap label="Запросы на удаление аккаунта">
                <table class="staff-table" data-testid="deletion-requests">
                  <thead>
                    <tr>
                      <th scope="col">Запрошено</th>
                      <th scope="col">Клиент</th>
                      <th scope="col">Обращение</th>
                      <th scope="col">Проверка долга</th>
                      {status === 'pending' ? (
                        <th scope="col">
                          <span class="sr-only">Действия</span>
                        </th>
                      ) : (
                        <th scope="col">Решение</th>
                      )}
                    </tr>
                  </thead>
                  <tbody>
                    {state.data.map((item) => (
                      <tr key={item.id} data-id={item.id} data-status={item.status}>
                        <td class="nowrap">{formatDateTime(item.requestedAt)}</td>
                        <td class="nowrap">
                          <Link href={`/staff/customers/${item.customerId}`}>{item.phoneMasked}</Link>
                        </td>
                        <td>
                          <Link href={`/staff/tickets/${item.ticketId}`}>Открыть обращение</Link>
                        </td>
                        <td>
                          <DebtCell item={item} />
                        </td>
                        {status === 'pending' ? (
                          <td>
                            <div class="staff-stack">
                              <button
                                type="button"
                                class="btn btn-danger btn-small"
                                disabled={!item.debtCheck.clear}
                                onClick={() => open({ kind: 'confirm', request: item })}
                              >
                                Удалить аккаунт<span class="sr-only"> клиента {item.phoneMasked}</span>
                              </button>
                              <button type="button" class="btn btn-secondary btn-small" onClick={() => open({ kind: 'refuse', request: item })}>
                                Отказать<span class="sr-only"> клиенту {item.phoneMasked}</span>
                              </button>
                            </div>
                          </td>
                        ) : (
                          <td>
                            <p class="nowrap">{formatDateTime(item.decidedAt)}</p>
                            {item.decidedBy && <p class="muted small">{item.decidedBy.fullName}</p>}
                            {item.comment && <p class="staff-cell-note">{item.comment}</p>}
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </>
        )}
      </section>
      <dialog
        ref={dialog}
        class="confirm-dialog staff-dialog"
        aria-labelledby="deletion-dialog-title"
        onClose={() => setAction(null)}
      >
        {action?.kind === 'confirm' && (
          <ConfirmStep
            key={action.request.id}
            request={action.request}
            onCancel={() => dialog.current?.close()}
            onDone={(message) => {
              dialog.current?.close();
              setNotice(message);
              reload();
            }}
            onStale={reload}
          />
        )}
        {action?.kind === 'refuse' && (
          <RefuseStep
            key={action.request.id}
            request={action.request}
            onCancel={() => dialog.current?.close()}
            onDone={(message) => {
              dialog.current?.close();
              setNotice(message);
              reload();
            }}
          />
        )}
      </dialog>
    </>
  );
};

const DebtCell = ({ item }: { item: DeletionRequest }) => {
  const check = item.debtCheck;
  if (check.clear) {
    return (
      <Badge tone="success" status="clear">
        Долгов нет
      </Badge>
    );
  }
  return (
    <>
      <Badge tone="danger" status="debt">
        {check.debtKopecks > 0 ? `Долг ${formatKopecks(check.debtKopecks)}` : 'Есть препятствия'}
      </Badge>
      <ul class="staff-cell-note" data-testid="deletion-reasons">
        {check.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
    </>
  );
};

type StepProps = { request: DeletionRequest; onCancel: () => void; onDone: (notice: string) => void };

/** The confirmation step: what happens, then the server's own check. */
const ConfirmStep = ({ request, onCancel, onDone, onStale }: StepProps & { onStale: () => void }) => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await staffApi.confirmDeletion(request.id);
      onDone(`Аккаунт клиента ${request.phoneMasked} удалён: сессии завершены, вход закрыт, клиенту отправлено SMS (и письмо, если почта подтверждена).`);
    } catch (failure) {
      setError(errorMessage(failure));
      // A debt appeared or someone decided first: the list shows it as it is now.
      if (failure instanceof ApiError && failure.status === 409) onStale();
      setBusy(false);
    }
  };

  return (
    <>
      <h2 id="deletion-dialog-title">Удалить аккаунт клиента {request.phoneMasked}?</h2>
      <ul>
        <li>Все сессии клиента завершатся сразу, войти по SMS будет нельзя.</li>
        <li>В обращение уйдёт ответ, клиенту — SMS и письмо (на подтверждённую почту) об удалении.</li>
        <li>
          Данные без законного основания (почта, согласие на рекламу, обращения, устройства, незаключённые заявки, номер телефона) будут уничтожены в
          течение 30 дней. Займы, платежи и документы не меняются и хранятся 5 лет; видит их только комплаенс.
        </li>
        <li>Действие записывается в журнал аудита и не отменяется.</li>
      </ul>
      <Alert message={error} />
      <div class="dialog-actions dialog-actions-row">
        <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
          {busy ? 'Удаляем…' : 'Удалить аккаунт'}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
          Отмена
        </button>
      </div>
    </>
  );
};

/** The refusal: a comment the customer reads in the ticket. */
const RefuseStep = ({ request, onCancel, onDone }: StepProps) => {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    if ([...comment.trim()].length < REFUSAL_MIN) {
      setError(`Объясните клиенту причину: не короче ${REFUSAL_MIN} символов.`);
      document.getElementById('refusal-comment')?.focus();
      return;
    }
    setError(null);
    setFormError(null);
    setBusy(true);
    try {
      await staffApi.refuseDeletion(request.id, comment.trim());
      onDone(`Клиенту ${request.phoneMasked} отказано в удалении; комментарий отправлен в обращение.`);
    } catch (failure) {
      if (failure instanceof ApiError && failure.fields?.comment) {
        setError(failure.fields.comment);
        document.getElementById('refusal-comment')?.focus();
      } else {
        setFormError(errorMessage(failure));
      }
      setBusy(false);
    }
  };

  return (
    <>
      <h2 id="deletion-dialog-title">Отказать в удалении аккаунта {request.phoneMasked}</h2>
      <form class="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field id="refusal-comment" label="Комментарий для клиента" error={error ?? undefined} hint={`Клиент прочтёт его в обращении. Не короче ${REFUSAL_MIN} символов.`}>
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={4}
              maxLength={4000}
              value={comment}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setComment(event.currentTarget.value);
                setError(null);
              }}
            />
          )}
        </Field>
        <Alert message={formError} />
        <div class="dialog-actions dialog-actions-row">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? 'Отправляем…' : 'Отказать'}
          </button>
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
            Отмена
          </button>
        </div>
      </form>
    </>
  );
};
