import { useEffect, useState } from 'preact/hooks';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import { Calculator } from '../components/Calculator';
import { CabinetLink, Layout } from '../components/Layout';
import { fetchMe } from '../lib/api';
import { useDocumentTitle } from '../lib/hooks';
import { type LoanChoice, cabinetPathFor, initialChoice, loginPathFor, parseChoiceQuery } from '../lib/loan-choice';
import { Link, useRoute } from '../lib/router';

const STEPS = [
  'Выберите сумму и срок в калькуляторе — сразу видно переплату и дату возврата.',
  'Нажмите «Получить займ» и войдите по номеру телефона: личный кабинет создастся сам.',
  'Заполните анкету: паспорт, адрес и доходы. Решение придёт по SMS и в личный кабинет.',
  'Прочитайте договор в кабинете и подпишите его кодом из SMS.',
];

export const Landing = () => {
  useDocumentTitle('CarCapital');
  const [isSignedIn, setSignedIn] = useState(false);
  const route = useRoute();
  // The choice in the address (the cabinet's «Изменить») is read once, when the page opens.
  const [fromQuery] = useState(() => parseChoiceQuery(route.query));
  const [choice, setChoice] = useState<LoanChoice>(() => initialChoice(DEFAULT_PRODUCTS, fromQuery)!);
  // Both «Получить займ» carry the choice: through the login, or straight to the cabinet.
  const loanHref = isSignedIn ? cabinetPathFor : loginPathFor;
  // Same values, same object: no re-render of the page for a choice that did not change.
  const onChoiceChange = (next: LoanChoice) =>
    setChoice((current) =>
      current.product === next.product && current.amount === next.amount && current.term === next.term ? current : next,
    );
  // The calculator's first render (every figure and the ПСК range) is the page's largest piece of
  // script work: it runs in a task of its own after the first paint, so the page answers input
  // sooner. A visitor sent straight to #calculator gets it in the first render.
  const [isCalculatorShown, setCalculatorShown] = useState(() => route.hash === 'calculator');
  useEffect(() => {
    if (isCalculatorShown) return;
    const timer = window.setTimeout(() => setCalculatorShown(true), 0);
    return () => window.clearTimeout(timer);
  }, []);

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
    <CabinetLink />
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
          <Link href={loanHref(choice)} class="btn btn-primary btn-large">
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

      {isCalculatorShown ? (
        <Calculator fromQuery={fromQuery} loanHref={loanHref} onChoiceChange={onChoiceChange} />
      ) : (
        <CalculatorShell />
      )}

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

/** Holds the calculator's place (and its `#calculator` anchor) for the moment before it renders. */
const CalculatorShell = () => (
  <section id="calculator" class="section section-muted" aria-labelledby="calculator-title" tabindex={-1}>
    <div class="container">
      <h2 id="calculator-title">Калькулятор займа</h2>
      <div class="calc calc-shell" />
    </div>
  </section>
);
