import type { ComponentChildren } from 'preact';
import { useDevSms } from '../lib/hooks';
import { Link } from '../lib/router';

type LayoutProps = {
  /** Right-hand side of the header: «Войти», the phone and «Выйти», ... */
  headerActions?: ComponentChildren;
  /** Extra class on the header (the cabinet's header holds more). */
  headerClass?: string;
  children: ComponentChildren;
};

/** The header's way back to the cabinet, on every page of a signed-in customer. */
export const CabinetLink = () => (
  <Link href="/cabinet" class="btn btn-secondary btn-header">
    Личный кабинет
  </Link>
);

/** The page frame: skip link, header with the logo, main content, footer with the legal text. */
export const Layout = ({ headerActions, headerClass, children }: LayoutProps) => (
  <>
    <a class="skip-link" href="#main">
      Перейти к содержанию
    </a>
    <header class={headerClass ? `site-header ${headerClass}` : 'site-header'}>
      <div class="container header-inner">
        <Link href="/" class="logo">
          <span class="logo-mark" aria-hidden="true">
            C
          </span>
          <span class="logo-text">
            Car<span class="logo-accent">Capital</span>
          </span>
        </Link>
        {headerActions}
      </div>
    </header>
    <main id="main" class="site-main" tabindex={-1}>
      {children}
    </main>
    <Footer />
  </>
);

const Footer = () => {
  const devSms = useDevSms();
  return (
    <footer class="site-footer">
      <div class="container">
        <p class="footer-brand">© {new Date().getFullYear()} CarCapital</p>
        <p>
          Микрофинансовая организация. Полное наименование, ИНН, ОГРН и регистрационный номер в
          государственном реестре МФО — реквизиты будут здесь.
        </p>
        <p>
          Займ — это обязательство. Перед подачей заявки оцените, сможете ли вы вернуть его в срок.
        </p>
        <p>
          <Link href="/faq">Вопросы и ответы</Link>
        </p>
        {devSms && (
          <p>
            <Link href="/dev/sms" class="dev-link">
              Тестовые SMS
            </Link>
            {' · '}
            <Link href="/dev/email" class="dev-link">
              Тестовые письма
            </Link>
          </p>
        )}
      </div>
    </footer>
  );
};
