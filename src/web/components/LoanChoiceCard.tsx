import { useEffect, useState } from 'preact/hooks';
import { LoanFigures } from './LoanFigures';
import { formatRubles } from '../../core/money';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import type { Quote } from '../../core/pricing/quote';
import { type SavedLoanChoice, api } from '../lib/api';
import type { newApplicationBlock } from '../lib/application-status';
import { calculatorPathFor } from '../lib/loan-choice';
import { formatDate } from '../lib/loan-format';
import { Link } from '../lib/router';

/** The product's name from the server's catalogue, else the bundled one, else its code. */
const useProductName = (code: string): string => {
  const bundled = DEFAULT_PRODUCTS.find((p) => p.code === code)?.name ?? code;
  const [name, setName] = useState(bundled);
  useEffect(() => {
    let active = true;
    api
      .pricing()
      .then((pricing) => {
        const found = Array.isArray(pricing?.products) ? pricing.products.find((p) => p.code === code) : undefined;
        if (active && found && typeof found.name === 'string') setName(found.name);
      })
      .catch(() => {
        // The bundled name stays.
      });
    return () => {
      active = false;
    };
  }, [code]);
  return name;
};

type ApplicationBlock = ReturnType<typeof newApplicationBlock>;

type LoanChoiceCardProps = {
  choice: SavedLoanChoice;
  quote: Quote | null;
  /** Why a new application cannot start now (one is being checked, or a decline's wait), if so. */
  block: ApplicationBlock;
};

/**
 * The loan picked in the calculator, priced by the server for today (the figures may differ from
 * the day it was picked), and the way to apply for it.
 */
export const LoanChoiceCard = ({ choice, quote: q, block }: LoanChoiceCardProps) => {
  const name = useProductName(choice.product);
  return (
    <section class="card choice-card" aria-labelledby="choice-title" data-product={choice.product}>
      <h2 id="choice-title">Выбранный займ</h2>
      <p class="choice-product">{name}</p>
      {q ? (
        <ChoiceFigures quote={q} />
      ) : (
        <p class="calc-unavailable">
          Условия изменились: займ {formatRubles(choice.amount * 100)} на выбранный срок сейчас недоступен. Выберите сумму и
          срок заново.
        </p>
      )}
      {block?.kind === 'scoring' ? (
        <p class="soon-note">
          <strong>Заявка на проверке.</strong> Новую можно будет подать после решения по{' '}
          <Link href={`/application/${block.application.id}`}>текущей заявке</Link>.
        </p>
      ) : block?.kind === 'reapply' ? (
        <p class="soon-note" data-reapply-after={block.after}>
          Подать новую заявку можно с {formatDate(block.after)}
        </p>
      ) : (
        q && (
          <Link href="/application" class="btn btn-primary btn-block">
            Оформить заявку
          </Link>
        )
      )}
      <Link href={calculatorPathFor(choice)} class="btn btn-secondary btn-block">
        Изменить
      </Link>
    </section>
  );
};

const ChoiceFigures = ({ quote: q }: { quote: Quote }) => {
  return (
    <>
      <LoanFigures quote={q} />
      <p class="muted small">
        Расчёт на сегодня, <span data-figure="start-date" data-value={q.startDate}>{formatDate(q.startDate)}</span>: если
        оформить займ позже, даты и суммы пересчитаются.
      </p>
    </>
  );
};
