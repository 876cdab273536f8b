/**
 * `/staff/…`, the back office, loaded on demand (a dynamic `import()` in App.tsx): its own chunk, so
 * the customer's pages carry none of it. Holds the staff session (`GET /api/staff/me`), sends to the
 * login without one, to the password change while the password is temporary, and picks the
 * workspace by the path — only those the member's roles open (docs/backoffice.md «Roles»).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../../lib/api';
import { safeNextPath } from '../../lib/next-path';
import { navigate, useRoute } from '../../lib/router';
import { LoadStatus } from '../../components/LoadStatus';
import { AuditPage } from './AuditPage';
import { ApplicationDetail, ApplicationQueue } from './Applications';
import { CustomerCardPage, CustomerSearch } from './Customers';
import { DashboardPage } from './DashboardPage';
import { DeletionPage } from './DeletionPage';
import { canOpen } from './format';
import { LoansPage } from './LoansPage';
import { PledgesPage } from './PledgesPage';
import { ProductsPage } from './ProductsPage';
import { HeldRecordsPage, RetentionPage } from './RetentionPage';
import { PasswordPage, StaffLogin } from './StaffLogin';
import { type StaffMe, fetchStaffMe, setSessionHandlers, staffApi } from './staff-api';
import { TicketInbox, TicketThread } from './Tickets';
import { Forbidden, NotFoundHere, StaffFrame } from './ui';
import { UsersPage } from './UsersPage';
import './staff.css';

type Session = { kind: 'loading' } | { kind: 'out' } | { kind: 'in'; me: StaffMe } | { kind: 'failed'; message: string };

const here = () => window.location.pathname + window.location.search;
const loginPath = (next: string) => (next === '/staff' ? '/staff/login' : `/staff/login?next=${encodeURIComponent(next)}`);
const passwordPath = (next: string) => (next === '/staff' ? '/staff/password' : `/staff/password?next=${encodeURIComponent(next)}`);
/** Where to go after the login or the password: a staff page only. */
const staffNext = (value: string | null): string => {
  const next = safeNextPath(value, '/staff');
  return next === '/staff' || next.startsWith('/staff/') || next.startsWith('/staff?') ? next : '/staff';
};

export const StaffApp = ({ path }: { path: string }) => {
  const route = useRoute();
  const [session, setSession] = useState<Session>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<string | null>(null);

  // Any request that finds the session gone (idle 15 min, ended elsewhere) brings the login back.
  useEffect(() => {
    setSessionHandlers({
      lost: () => setSession({ kind: 'out' }),
      passwordRequired: () => setSession((current) => (current.kind === 'in' ? { kind: 'in', me: { ...current.me, mustChangePassword: true } } : current)),
    });
    return () => setSessionHandlers(null);
  }, []);

  useEffect(() => {
    let active = true;
    fetchStaffMe()
      .then((me) => {
        if (active) setSession(me ? { kind: 'in', me } : { kind: 'out' });
      })
      .catch((error: unknown) => {
        if (active) setSession({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [attempt]);

  const isLogin = path === '/staff/login';
  const isPassword = path === '/staff/password';
  const next = staffNext(route.query.get('next'));

  useEffect(() => {
    if (session.kind === 'out' && !isLogin) navigate(loginPath(here()), { replace: true });
    if (session.kind !== 'in') return;
    if (session.me.mustChangePassword && !isPassword) navigate(passwordPath(isLogin ? next : here()), { replace: true });
    else if (isLogin) navigate(next, { replace: true });
  }, [session, path]);

  const signedIn = (me: StaffMe) => {
    setSession({ kind: 'in', me });
    navigate(me.mustChangePassword ? passwordPath(next) : next, { replace: true });
  };

  const logout = async () => {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await staffApi.logout();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        setLogoutError(errorMessage(error));
        setLoggingOut(false);
        return;
      }
    }
    setLoggingOut(false);
    navigate('/staff/login');
    setSession({ kind: 'out' });
  };

  if (isLogin) {
    return (
      <StaffFrame path={path}>
        <StaffLogin onSignedIn={signedIn} />
      </StaffFrame>
    );
  }

  if (session.kind !== 'in') {
    return (
      <StaffFrame path={path}>
        <h1 class="page-title">Бэк-офис</h1>
        <LoadStatus
          state={session.kind === 'failed' ? session : { kind: 'loading' }}
          onRetry={() => setAttempt((n) => n + 1)}
          loadingText="Проверяем вход…"
        />
      </StaffFrame>
    );
  }

  const { me } = session;
  const frame = (content: ComponentChildren) => (
    <StaffFrame me={me} path={path} onLogout={() => void logout()} loggingOut={loggingOut} logoutError={logoutError}>
      {content}
    </StaffFrame>
  );

  if (isPassword || me.mustChangePassword) {
    return frame(
      <PasswordPage
        forced={me.mustChangePassword}
        onDone={() => {
          setSession({ kind: 'in', me: { ...me, mustChangePassword: false } });
          navigate(next, { replace: true });
        }}
      />,
    );
  }

  if (!canOpen(me.roles, path)) return frame(<Forbidden />);
  return frame(<Workspace path={path} me={me} />);
};

const idAfter = (path: string, prefix: string): string | null => {
  if (!path.startsWith(prefix)) return null;
  const rest = path.slice(prefix.length);
  return rest !== '' && !rest.includes('/') ? decodeURIComponent(rest) : null;
};

const Workspace = ({ path, me }: { path: string; me: StaffMe }) => {
  switch (path) {
    case '/staff':
      return <DashboardPage me={me} />;
    case '/staff/applications':
      return <ApplicationQueue />;
    case '/staff/customers':
      return <CustomerSearch />;
    case '/staff/tickets':
      return <TicketInbox me={me} />;
    case '/staff/deletion':
      return <DeletionPage />;
    case '/staff/loans':
      return <LoansPage me={me} />;
    case '/staff/pledges':
      return <PledgesPage />;
    case '/staff/users':
      return <UsersPage me={me} />;
    case '/staff/products':
      return <ProductsPage />;
    case '/staff/audit':
      return <AuditPage />;
    case '/staff/retention':
      return <RetentionPage />;
    default:
      break;
  }
  const application = idAfter(path, '/staff/applications/');
  if (application) return <ApplicationDetail key={application} id={application} />;
  const customer = idAfter(path, '/staff/customers/');
  if (customer) return <CustomerCardPage key={customer} id={customer} me={me} />;
  const ticket = idAfter(path, '/staff/tickets/');
  if (ticket) return <TicketThread key={ticket} id={ticket} me={me} />;
  const held = idAfter(path, '/staff/retention/');
  if (held) return <HeldRecordsPage key={held} customerId={held} />;
  return <NotFoundHere />;
};
