/**
 * «Сеансы и устройства» in the profile: where the cabinet is open now (browser, when, a masked IP)
 * and «Завершить» for any of them — the other browser is logged out at once; ending this one logs
 * out here. «Завершить все остальные» keeps only this one.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { LoadStatus } from '../../components/LoadStatus';
import { errorMessage } from '../../lib/api';
import { formatMoscowDateTime, pluralRu } from '../../lib/loan-format';
import { navigate } from '../../lib/router';
import { profileApi, type SessionItem } from './profile-api';

type Load = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; items: SessionItem[] };
/** What is being ended: one session by id, or all the others. */
type Busy = { kind: 'one'; id: string } | { kind: 'others' } | null;

export const SessionsSection = ({ onUnauthorized }: { onUnauthorized: (failure: unknown) => boolean }) => {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    let active = true;
    profileApi
      .sessions()
      .then((items) => {
        if (active) setLoad({ kind: 'ready', items });
      })
      .catch((failure: unknown) => {
        if (active && !onUnauthorized(failure)) setLoad((previous) => (previous.kind === 'ready' ? previous : { kind: 'failed', message: errorMessage(failure) }));
      });
    return () => {
      active = false;
    };
  }, [round]);

  const done = (message: string) => {
    setNotice(message);
    setRound((n) => n + 1);
    // The button pressed is gone: the message takes the focus, so keyboard users stay in place.
    window.requestAnimationFrame(() => noticeRef.current?.focus());
  };

  const endOne = async (session: SessionItem) => {
    if (busy) return;
    setBusy({ kind: 'one', id: session.id });
    setError(null);
    setNotice(null);
    try {
      const result = await profileApi.endSession(session.id);
      if (result.loggedOut) {
        navigate('/login', { replace: true });
        return;
      }
      done(`Сеанс «${session.device}» завершён.`);
    } catch (failure) {
      if (onUnauthorized(failure)) return;
      setError(errorMessage(failure));
      setRound((n) => n + 1);
    } finally {
      setBusy(null);
    }
  };

  const endOthers = async () => {
    if (busy) return;
    setBusy({ kind: 'others' });
    setError(null);
    setNotice(null);
    try {
      const { ended } = await profileApi.endOtherSessions();
      done(ended === 0 ? 'Других сеансов нет.' : `Завершено ${ended} ${pluralRu(ended, 'сеанс', 'сеанса', 'сеансов')}.`);
    } catch (failure) {
      if (!onUnauthorized(failure)) setError(errorMessage(failure));
    } finally {
      setBusy(null);
    }
  };

  const items = load.kind === 'ready' ? load.items : [];
  const others = items.filter((s) => !s.current).length;

  return (
    <section class="card" aria-labelledby="sessions-title" data-testid="sessions-section">
      <h2 id="sessions-title">Сеансы и устройства</h2>
      <p class="muted">Где сейчас открыт ваш личный кабинет. Не узнаёте устройство — завершите сеанс и напишите в поддержку.</p>
      <LoadStatus state={load} onRetry={() => setRound((n) => n + 1)} loadingText="Загружаем сеансы…" />
      <Alert message={error} />
      {notice && (
        <p role="status" class="profile-notice" tabIndex={-1} ref={noticeRef}>
          {notice}
        </p>
      )}
      {items.length > 0 && (
        <ul class="item-list" data-testid="sessions">
          {items.map((session) => {
            const ending = busy?.kind === 'one' && busy.id === session.id;
            const since = formatMoscowDateTime(session.createdAt);
            return (
              <li key={session.id} class="list-item" data-id={session.id} data-current={session.current ? 'true' : 'false'}>
                <div class="list-item-head">
                  <span class="profile-title">{session.device}</span>
                  {session.current && <span class="badge badge-success">Этот сеанс</span>}
                </div>
                <dl class="facts profile-facts">
                  <div>
                    <dt>Вход:</dt>
                    <dd>{since}</dd>
                  </div>
                  <div>
                    <dt>Активность:</dt>
                    <dd>{formatMoscowDateTime(session.lastSeenAt)}</dd>
                  </div>
                  <div>
                    <dt>IP-адрес:</dt>
                    <dd>{session.ip}</dd>
                  </div>
                </dl>
                <button type="button" class="btn btn-secondary btn-block" disabled={busy !== null} onClick={() => void endOne(session)}>
                  {ending ? 'Завершаем…' : session.current ? 'Завершить и выйти' : 'Завершить'}
                  <span class="sr-only">
                    : {session.device}, вход {since}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {others > 0 && (
        <button type="button" class="btn btn-primary btn-block" disabled={busy !== null} onClick={() => void endOthers()}>
          {busy?.kind === 'others' ? 'Завершаем…' : 'Завершить все остальные'}
        </button>
      )}
    </section>
  );
};
