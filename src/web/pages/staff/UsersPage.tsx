/**
 * `/staff/users` (administrators): the staff list, a new member (e-mail, name, roles) whose temporary
 * password is shown once, here, to hand over in person; disabling (ends their sessions), enabling,
 * and changing roles.
 */
import type { TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Checkbox, Field } from '../../components/fields';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { ROLE_LABELS, formatDay, isEmail, rolesText } from './format';
import { type CreatedUser, ROLES, type Role, type StaffMe, type StaffUser, staffApi } from './staff-api';
import { Badge, LoadState, Notice, TableWrap, useLoad } from './ui';

export const UsersPage = ({ me }: { me: StaffMe }) => {
  useDocumentTitle('Сотрудники');
  const { state, reload, setData } = useLoad(() => staffApi.users(), 'users');
  const [created, setCreated] = useState<(CreatedUser & { reset?: boolean }) | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const replace = (user: StaffUser) => {
    if (state.kind === 'ready') setData(state.data.map((existing) => (existing.id === user.id ? user : existing)));
  };

  return (
    <>
      <h1 class="page-title">Сотрудники</h1>
      <div class="staff-stack staff-page-stack">
        <div class="staff-narrow">
          {created ? (
            <TemporaryPassword created={created} onDone={() => setCreated(null)} />
          ) : (
            <CreateForm
              onCreated={(result) => {
                setCreated(result);
                if (state.kind === 'ready') setData([...state.data, result.user]);
                else reload();
              }}
            />
          )}
        </div>
        <section class="staff-stack" aria-labelledby="users-title">
          <h2 id="users-title">Все сотрудники</h2>
          <Notice message={notice} />
          <LoadState state={state} onRetry={reload} loadingText="Загружаем сотрудников…" />
          {state.kind === 'ready' && (
            <UsersTable
              users={state.data}
              me={me}
              onChanged={(user, message) => {
                replace(user);
                setNotice(message);
              }}
              onReset={(user, temporaryPassword) => {
                setNotice(null);
                setCreated({ user: { ...user, totpEnrolled: false }, temporaryPassword, reset: true });
                replace({ ...user, totpEnrolled: false });
                window.scrollTo(0, 0);
              }}
            />
          )}
        </section>
      </div>
    </>
  );
};

type Errors = { email?: string; fullName?: string; roles?: string };

const RoleBoxes = ({ idPrefix, roles, onChange, error }: { idPrefix: string; roles: Role[]; onChange: (roles: Role[]) => void; error?: string | undefined }) => (
  <fieldset class="staff-roles-field" aria-describedby={error ? `${idPrefix}-error` : undefined}>
    <legend>Роли</legend>
    {ROLES.map((role) => (
      <Checkbox
        key={role}
        id={`${idPrefix}-${role}`}
        checked={roles.includes(role)}
        invalid={Boolean(error)}
        onChange={(checked) => onChange(checked ? ROLES.filter((r) => r === role || roles.includes(r)) : roles.filter((r) => r !== role))}
      >
        {ROLE_LABELS[role]}
      </Checkbox>
    ))}
    {error && (
      <p id={`${idPrefix}-error`} class="field-error">
        {error}
      </p>
    )}
  </fieldset>
);

const CreateForm = ({ onCreated }: { onCreated: (created: CreatedUser) => void }) => {
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const found: Errors = {};
    if (email.trim() === '') found.email = 'Введите рабочий e-mail сотрудника.';
    else if (!isEmail(email)) found.email = 'Проверьте e-mail: например, ivanova@carcapital.ru.';
    if (fullName.trim() === '') found.fullName = 'Введите имя и фамилию сотрудника.';
    if (roles.length === 0) found.roles = 'Выберите хотя бы одну роль.';
    setErrors(found);
    setFormError(null);
    const first = found.email ? 'new-user-email' : found.fullName ? 'new-user-name' : found.roles ? `new-user-role-${ROLES[0]}` : null;
    if (first) {
      document.getElementById(first)?.focus();
      return;
    }
    setBusy(true);
    try {
      onCreated(await staffApi.createUser({ email: email.trim(), fullName: fullName.trim(), roles }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setErrors({ email: 'Сотрудник с таким e-mail уже есть.' });
        document.getElementById('new-user-email')?.focus();
      } else if (error instanceof ApiError && error.fields) {
        setErrors({ email: error.fields.email, fullName: error.fields.fullName, roles: error.fields.roles });
        if (!error.fields.email && !error.fields.fullName && !error.fields.roles) setFormError(errorMessage(error));
      } else {
        setFormError(errorMessage(error));
      }
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">Новый сотрудник</h2>
      <form class="form staff-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field id="new-user-email" label="E-mail" error={errors.email}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="email"
              autocomplete="off"
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
        <Field id="new-user-name" label="Имя и фамилия" error={errors.fullName}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="text"
              autocomplete="off"
              maxLength={200}
              value={fullName}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setFullName(event.currentTarget.value);
                setErrors((previous) => ({ ...previous, fullName: undefined }));
              }}
            />
          )}
        </Field>
        <RoleBoxes
          idPrefix="new-user-role"
          roles={roles}
          onChange={(next) => {
            setRoles(next);
            setErrors((previous) => ({ ...previous, roles: undefined }));
          }}
          error={errors.roles}
        />
        <Alert message={formError} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Создаём…' : 'Создать сотрудника'}
        </button>
      </form>
    </section>
  );
};

/** Shown once, right after creating: the server never returns this password again. */
const TemporaryPassword = ({ created, onDone }: { created: CreatedUser & { reset?: boolean }; onDone: () => void }) => {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => heading.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.temporaryPassword);
      setCopied('Пароль скопирован в буфер обмена.');
    } catch {
      // No clipboard (plain http, a refused permission): select the text for Ctrl+C instead.
      const node = document.getElementById('temporary-password');
      const selection = window.getSelection();
      if (node && selection) {
        selection.selectAllChildren(node);
        setCopied('Пароль выделен: нажмите Ctrl+C, чтобы скопировать.');
      }
    }
  };

  return (
    <section class="card staff-created" aria-labelledby="created-title" data-testid="created-user">
      <h2 id="created-title" tabindex={-1} ref={heading}>
        {created.reset ? 'Пароль сброшен' : 'Сотрудник создан'}: {created.user.fullName}
      </h2>
      <p>
        {created.user.email} · {rolesText(created.user.roles)}
      </p>
      <p>Временный пароль:</p>
      <p class="staff-secret" id="temporary-password" data-testid="temporary-password">
        {created.temporaryPassword}
      </p>
      <div class="note">
        <p>
          <strong>Скопируйте пароль сейчас — он показывается только один раз.</strong> Передайте его сотруднику лично. При первом входе
          сотрудник сменит пароль и подключит приложение-аутентификатор.
        </p>
      </div>
      <div class="staff-actions">
        <button type="button" class="btn btn-secondary" onClick={() => void copy()}>
          Скопировать пароль
        </button>
        <button type="button" class="btn btn-primary" onClick={onDone}>
          Готово
        </button>
      </div>
      <p class="muted small" role="status">
        {copied}
      </p>
    </section>
  );
};

type TableProps = {
  users: StaffUser[];
  me: StaffMe;
  onChanged: (user: StaffUser, message: string) => void;
  onReset: (user: StaffUser, temporaryPassword: string) => void;
};

const UsersTable = ({ users, me, onChanged, onReset }: TableProps) => {
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <TableWrap label="Сотрудники">
      <table class="staff-table" data-testid="users">
        <thead>
          <tr>
            <th scope="col">Сотрудник</th>
            <th scope="col">Роли</th>
            <th scope="col">Вход по коду</th>
            <th scope="col">Статус</th>
            <th scope="col">Создан</th>
            <th scope="col">
              <span class="sr-only">Действия</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <UserRow
              key={user.id}
              user={user}
              self={user.id === me.id}
              editing={editing === user.id}
              onEdit={(open) => setEditing(open ? user.id : null)}
              onChanged={(fresh, message) => {
                setEditing(null);
                onChanged(fresh, message);
              }}
              onReset={(temporaryPassword) => onReset(user, temporaryPassword)}
            />
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
};

type RowProps = {
  user: StaffUser;
  self: boolean;
  editing: boolean;
  onEdit: (open: boolean) => void;
  onChanged: (user: StaffUser, message: string) => void;
  onReset: (temporaryPassword: string) => void;
};

const UserRow = ({ user, self, editing, onEdit, onChanged, onReset }: RowProps) => {
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const update = async (patch: { roles?: Role[]; disabled?: boolean }, message: string) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await staffApi.updateUser(user.id, patch), message);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.fields?.roles ? failure.fields.roles : errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  const reset = async () => {
    if (!window.confirm(`Сбросить пароль сотрудника ${user.fullName}? Его сеансы закончатся, вход по коду придётся подключить заново.`)) return;
    setBusy(true);
    setError(null);
    try {
      onReset((await staffApi.resetUser(user.id)).temporaryPassword);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  const saveRoles = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (roles.length === 0) {
      setError('Выберите хотя бы одну роль.');
      return;
    }
    void update({ roles }, `Роли сотрудника ${user.fullName}: ${rolesText(roles)}.`);
  };

  return (
    <>
      <tr data-id={user.id} data-email={user.email}>
        <td>
          <strong>{user.fullName}</strong>
          {self && <span class="muted"> (вы)</span>}
          <br />
          <span class="muted small">{user.email}</span>
        </td>
        <td>{rolesText(user.roles)}</td>
        <td>{user.totpEnrolled ? 'подключён' : 'ещё нет'}</td>
        <td>
          {user.disabled ? (
            <Badge tone="muted" status="disabled">
              Отключён
            </Badge>
          ) : (
            <Badge tone="success" status="active">
              Активен
            </Badge>
          )}
        </td>
        <td class="nowrap">{formatDay(user.createdAt)}</td>
        <td>
          {!self && (
            <div class="staff-row-actions">
              <button type="button" class="btn btn-secondary btn-small" aria-expanded={editing} disabled={busy} onClick={() => onEdit(!editing)}>
                Роли<span class="sr-only"> сотрудника {user.fullName}</span>
              </button>
              <button
                type="button"
                class="btn btn-secondary btn-small"
                disabled={busy}
                onClick={() =>
                  void update(
                    { disabled: !user.disabled },
                    user.disabled ? `${user.fullName}: доступ снова открыт.` : `${user.fullName}: доступ закрыт, сеансы завершены.`,
                  )
                }
              >
                {user.disabled ? 'Включить' : 'Отключить'}
                <span class="sr-only"> {user.fullName}</span>
              </button>
              <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={() => void reset()}>
                Сбросить пароль<span class="sr-only"> {user.fullName}</span>
              </button>
            </div>
          )}
          {!editing && <Alert message={error} />}
        </td>
      </tr>
      {editing && (
        <tr class="staff-edit-row">
          <td colSpan={6}>
            <form class="staff-inline-form" onSubmit={saveRoles} noValidate aria-label={`Роли сотрудника ${user.fullName}`}>
              <RoleBoxes idPrefix={`roles-${user.id}`} roles={roles} onChange={setRoles} error={error ?? undefined} />
              <div class="staff-actions">
                <button type="submit" class="btn btn-primary btn-small" disabled={busy}>
                  {busy ? 'Сохраняем…' : 'Сохранить роли'}
                </button>
                <button
                  type="button"
                  class="btn btn-secondary btn-small"
                  onClick={() => {
                    setRoles(user.roles);
                    setError(null);
                    onEdit(false);
                  }}
                >
                  Отмена
                </button>
              </div>
            </form>
          </td>
        </tr>
      )}
    </>
  );
};
