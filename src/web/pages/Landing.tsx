import { useEffect, useState } from 'preact/hooks';
import { Layout } from '../components/Layout';
import { fetchMe } from '../lib/api';
import { useDocumentTitle } from '../lib/hooks';
import { Link } from '../lib/router';

const STEPS = [
  'Выберите сумму и срок в калькуляторе — сразу видно переплату и дату возврата.',
  'Нажмите «Получить займ» и войдите по номеру телефона: личный кабинет создастся сам.',
  'Заполните анкету: паспорт, адрес и доходы. Решение придёт по SMS и в личный кабинет.',
  'Прочитайте договор в кабинете и подпишите его кодом из SMS.',
];

export const Landing = () => {
  useDocumentTitle('CarCapital');
  const [isSignedIn, setSignedIn] = useState(false);

  useEffect(() => {
    let active = true;
    fetchMe()
      .then((me) => {
        if (active) setSignedIn(me !== null);
      })
      .catch(() => {
        // Unknown session state: «Войти» still works, /login sends a signed-in customer on.
      });
    return () => {
      active = false;
    };
  }, []);

  const headerActions = isSignedIn ? (
    <Link href="/cabinet" class="btn btn-secondary btn-header">
      Личный кабинет
    </Link>
  ) : (
    <Link href="/login" class="btn btn-secondary btn-header">
      Войти
    </Link>
  );

  return (
    <Layout headerActions={headerActions}>
      <section class="hero" aria-labelledby="hero-title">
        <div class="container">
          <h1 id="hero-title">
            Займы онлайн без визита в офис
          </h1>
          <p class="lead">
            Заявка с телефона за несколько минут. Сумму к возврату, переплату и дату возврата вы увидите
            до подписания договора.
          </p>
          <Link href="/login?next=/cabinet" class="btn btn-primary btn-large">
            Получить займ
          </Link>
          <ul class="benefits">
            <li>Вход по номеру телефона и коду из SMS — без паролей</li>
            <li>Решение приходит по SMS и в личный кабинет</li>
            <li>Договор подписывается кодом из SMS, без визита в офис</li>
            <li>Оплата и история операций — в личном кабинете, круглосуточно</li>
          </ul>
        </div>
      </section>

      <CalculatorPlaceholder />

      <section class="section" aria-labelledby="steps-title">
        <div class="container">
          <h2 id="steps-title">Как получить займ</h2>
          <ol class="steps">
            {STEPS.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      </section>
    </Layout>
  );
};

/**
 * PLACEHOLDER: the loan calculator arrives with a later issue and replaces this component. Keep the
 * `id="calculator"` anchor: the cabinet's «Получить займ» links to `/#calculator`.
 */
const CalculatorPlaceholder = () => (
  <section id="calculator" class="section section-muted" aria-labelledby="calculator-title" tabindex={-1}>
    <div class="container">
      <h2 id="calculator-title">Калькулятор займа</h2>
      <div class="card card-placeholder">
        <p>
          Скоро здесь появится калькулятор: выберите сумму и срок и сразу увидите переплату и дату
          возврата.
        </p>
        <p class="muted">Пока можно войти в личный кабинет — он создастся по номеру телефона.</p>
      </div>
    </div>
  </section>
);
