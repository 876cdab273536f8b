/**
 * `/profile` «Профиль и безопасность», loaded on demand (a dynamic `import()` in App.tsx): the email
 * address, the consents, the sessions and devices, «Скачать мои данные (JSON)» and the way to
 * delete the account (on the support page). Without a session: to the login and back here.
 */
import { useEffect, useState } from 'preact/hooks';
import { moscowDate } from '../../../core/dates';
import { formatPhone } from '../../../core/phone';
import { Alert } from '../../components/Alert';
import { CabinetLink, Layout } from '../../components/Layout';
import { LoadStatus } from '../../components/LoadStatus';
import { ApiError, errorMessage, fetchMe, type Me } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { Link, navigate } from '../../lib/router';
import { ConsentsSection } from './ConsentsSection';
import { EmailSection } from './EmailSection';
import { profileApi } from './profile-api';
import { SessionsSection } from './SessionsSection';
import './profile.css';

type Load = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; me: Me };

const toLogin = () => navigate(`/login?next=${encodeURIComponent('/profile')}`, { replace: true });

/** A 401 anywhere on the page: the session has ended, so log in again and come back. */
const onUnauthorized = (failure: unknown): boolean => {
  if (failure instanceof ApiError && failure.status === 401) {
    toLogin();
    return true;
  }
  return false;
};

export const ProfilePage = () => {
  useDocumentTitle('Профиль и безопасность');
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [round, setRound] = useState(0);

  useEffect(() => {
    let active = true;
    setLoad({ kind: 'loading' });
    fetchMe()
      .then((me) => {
        if (!active) return;
        if (me === null) toLogin();
        else setLoad({ kind: 'ready', me });
      })
      .catch((failure: unknown) => {
        if (active) setLoad({ kind: 'failed', message: errorMessage(failure) });
      });
    return () => {
      active = false;
    };
  }, [round]);

  return (
    <Layout headerActions={<CabinetLink />}>
      <div class="container narrow profile-page">
        <h1 class="page-title">Профиль и безопасность</h1>
        <LoadStatus state={load} onRetry={() => setRound((n) => n + 1)} loadingText="Загружаем профиль…" />
        {load.kind === 'ready' && (
          <>
            <p class="lead-small">
              Телефон для входа: <span class="nowrap">{formatPhone(load.me.phone)}</span>
            </p>
            <EmailSection />
            <ConsentsSection onUnauthorized={onUnauthorized} />
            <SessionsSection onUnauthorized={onUnauthorized} />
            <DataSection />
            <section class="card" aria-labelledby="delete-title" data-testid="profile-deletion">
              <h2 id="delete-title">Удаление аккаунта</h2>
              <p class="muted">
                Удалить аккаунт можно, когда займы погашены и платежи завершены. Запрос рассматривает поддержка; после удаления вход закрывается, а
                документы по займам мы храним столько, сколько требует закон.
              </p>
              <Link href="/support" class="btn btn-secondary btn-block">
                Перейти к удалению аккаунта
              </Link>
            </section>
          </>
        )}
      </div>
    </Layout>
  );
};

/** Saves a text as a file through a temporary link (the page has the data already). */
const saveFile = (name: string, text: string) => {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
};

/** «Мои данные»: the export fetched with progress shown, then saved as a dated JSON file. */
const DataSection = () => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const download = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const data = await profileApi.dataExport();
      const name = `carcapital-my-data-${moscowDate(new Date())}.json`;
      saveFile(name, JSON.stringify(data, null, 2));
      setSaved(name);
    } catch (failure) {
      if (!onUnauthorized(failure)) setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="data-title" data-testid="data-export">
      <h2 id="data-title">Мои данные</h2>
      <p class="muted">
        Файл со всем, что мы храним о вас: анкеты, согласия, займы с графиками и платежами, история операций, обращения в поддержку, сеансы.
        Храните его бережно: в нём паспортные данные.
      </p>
      <Alert message={error} />
      <button type="button" class="btn btn-secondary btn-block" disabled={busy} aria-describedby={saved ? 'data-saved' : undefined} onClick={() => void download()}>
        {busy ? 'Готовим файл…' : 'Скачать мои данные (JSON)'}
      </button>
      <p id="data-saved" role="status" class={saved ? 'profile-notice' : 'sr-only'}>
        {saved ? `Файл ${saved} скачан.` : ''}
      </p>
    </section>
  );
};
