import { useEffect, useState } from 'preact/hooks';
import { Alert } from '../components/Alert';
import { Layout } from '../components/Layout';
import { ApiError, type Me, api, errorMessage, fetchMe } from '../lib/api';
import { useDocumentTitle } from '../lib/hooks';
import { formatPhone } from '../../core/phone';
import { Link, navigate } from '../lib/router';

type State = { kind: 'loading' } | { kind: 'ready'; me: Me } | { kind: 'failed'; message: string };

const LOGIN_PATH = '/login?next=/cabinet';

const formatDate = (iso: string): string | null => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric' }).format(date);
};

export const Cabinet = () => {
  useDocumentTitle('Личный кабинет');
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [isLoggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    setState({ kind: 'loading' });
    fetchMe()
      .then((me) => {
        if (!active) return;
        if (me === null) navigate(LOGIN_PATH, { replace: true });
        else setState({ kind: 'ready', me });
      })
      .catch((error: unknown) => {
        if (active) setState({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [attempt]);

  const logout = async () => {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await api.logout();
      navigate('/');
    } catch (error) {
      // Without a session there is nothing to end: the customer is out already.
      if (error instanceof ApiError && error.status === 401) {
        navigate('/');
        return;
      }
      setLogoutError(errorMessage(error));
      setLoggingOut(false);
    }
  };

  const headerActions =
    state.kind === 'ready' ? (
      <div class="header-user">
        <span class="header-phone">
          <span class="sr-only">Вы вошли как </span>
          <span class="nowrap" data-testid="header-phone">
            {formatPhone(state.me.phone)}
          </span>
        </span>
        <button type="button" class="btn btn-secondary btn-header" onClick={() => void logout()} disabled={isLoggingOut}>
          {isLoggingOut ? 'Выходим…' : 'Выйти'}
        </button>
      </div>
    ) : null;

  return (
    <Layout headerActions={headerActions} headerClass="site-header-cabinet">
      <div class="container">
        <h1 class="page-title">Личный кабинет</h1>
        <Alert message={logoutError} />

        {state.kind === 'loading' && (
          <p class="muted" role="status">
            Загружаем данные…
          </p>
        )}

        {state.kind === 'failed' && (
          <Alert message={state.message}>
            <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
              Повторить
            </button>
          </Alert>
        )}

        {state.kind === 'ready' && <Dashboard me={state.me} />}
      </div>
    </Layout>
  );
};

const Dashboard = ({ me }: { me: Me }) => {
  const since = formatDate(me.createdAt);
  return (
    <>
      <p class="lead-small">Здравствуйте! Здесь будут ваши займы, платежи и история операций.</p>
      <div class="cards">
        <section class="card" aria-labelledby="loans-title">
          <h2 id="loans-title">Мои займы</h2>
          <p class="empty">У вас пока нет займов</p>
          <p class="muted">Выберите сумму и срок в калькуляторе — переплату и дату возврата видно сразу.</p>
          <Link href="/#calculator" class="btn btn-primary btn-block">
            Получить займ
          </Link>
        </section>
        <section class="card" aria-labelledby="history-title">
          <h2 id="history-title">История операций</h2>
          <p class="empty">Операций пока нет</p>
          <p class="muted">Здесь появятся выдачи, платежи и изменения по займам.</p>
        </section>
        <section class="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Профиль</h2>
          <dl class="facts">
            <div>
              <dt>Телефон</dt>
              <dd class="nowrap">{formatPhone(me.phone)}</dd>
            </div>
            {since && (
              <div>
                <dt>Клиент с</dt>
                <dd>{since}</dd>
              </div>
            )}
          </dl>
        </section>
      </div>
    </>
  );
};
