/**
 * The loan a visitor picked in the calculator, as it travels between pages: in the query string
 * of `/cabinet?product=pdl&amount=10000&term=30` (after «Получить займ», through the login) and of
 * `/?product=…&amount=…&term=…#calculator` (the cabinet's «Изменить»). Pure functions, no DOM.
 */
import type { Product } from '../../core/pricing/products';

export type LoanChoice = {
  product: string;
  /** Whole rubles. */
  amount: number;
  /** In the product's unit (days, weeks or months). */
  term: number;
};

export const CHOICE_KEYS = ['product', 'amount', 'term'] as const;

const PRODUCT_CODE = /^[a-z0-9_-]{1,40}$/;
const DIGITS = /^\d{1,12}$/;

/**
 * The choice in a query string, or null when it is absent or malformed. Only the shape is checked
 * here (a product code and two whole numbers): whether they fit a product is the server's (or the
 * calculator's) business.
 */
export const parseChoiceQuery = (query: URLSearchParams): LoanChoice | null => {
  const product = query.get('product');
  const amount = query.get('amount');
  const term = query.get('term');
  if (product === null || amount === null || term === null) return null;
  if (!PRODUCT_CODE.test(product) || !DIGITS.test(amount) || !DIGITS.test(term)) return null;
  return { product, amount: Number(amount), term: Number(term) };
};

/** Whether the query mentions a choice at all (so the page should tidy its address afterwards). */
export const hasChoiceParams = (query: URLSearchParams): boolean => CHOICE_KEYS.some((key) => query.has(key));

export const choiceQuery = (choice: LoanChoice): string =>
  new URLSearchParams({ product: choice.product, amount: String(choice.amount), term: String(choice.term) }).toString();

/** Where «Получить займ» leads a signed-in customer: the cabinet, which saves the choice. */
export const cabinetPathFor = (choice: LoanChoice): string => `/cabinet?${choiceQuery(choice)}`;

/** Where «Получить займ» leads everyone else: the login, continuing to the cabinet with the choice. */
export const loginPathFor = (choice: LoanChoice): string => `/login?next=${encodeURIComponent(cabinetPathFor(choice))}`;

/** The calculator with the choice preselected (the cabinet's «Изменить»). */
export const calculatorPathFor = (choice: LoanChoice): string => `/?${choiceQuery(choice)}#calculator`;

/**
 * The number typed into an amount or term field: digits with optional spaces between groups
 * («10 000», «10 000» with a no-break space, « 30 »). Null for anything else, including
 * fractions, signs and empty text.
 */
export const parseWholeNumber = (text: string): number | null => {
  const compact = text.replace(/[\s\u00a0\u202f\u2009]/g, '');
  if (!/^\d{1,12}$/.test(compact)) return null;
  return Number(compact);
};

/** The nearest offered value: inside [min, max] and on the step grid counted from min. */
export const snapToRange = (value: number, min: number, max: number, step: number): number => {
  if (!Number.isFinite(value) || value <= min) return min;
  if (value >= max) {
    // The largest grid value not above max (max itself when the grid reaches it).
    return min + Math.floor((max - min) / step) * step;
  }
  const snapped = min + Math.round((value - min) / step) * step;
  return Math.min(snapped, min + Math.floor((max - min) / step) * step);
};

/**
 * The choice to start the calculator from: the one in the address when it names a product the
 * catalogue has (amount and term moved to the nearest offered values), else the first product
 * with its defaults.
 */
export const initialChoice = (products: readonly Product[], fromQuery: LoanChoice | null): LoanChoice | null => {
  const first = products[0];
  if (!first) return null;
  const product = (fromQuery && products.find((p) => p.code === fromQuery.product)) || null;
  if (!product || !fromQuery) return defaultChoice(first);
  return {
    product: product.code,
    amount: snapToRange(fromQuery.amount, product.amount.minRubles, product.amount.maxRubles, product.amount.stepRubles),
    term: snapToRange(fromQuery.term, product.term.min, product.term.max, product.term.step),
  };
};

export const defaultChoice = (product: Product): LoanChoice => ({
  product: product.code,
  amount: product.amount.defaultRubles,
  term: product.term.default,
});

/**
 * The same choice against a new catalogue (the server's replacing the bundled one): kept when the
 * product still exists, with amount and term moved inside its ranges; otherwise the first product.
 */
export const fitChoice = (products: readonly Product[], choice: LoanChoice): LoanChoice | null => {
  const product = products.find((p) => p.code === choice.product);
  if (!product) return products[0] ? defaultChoice(products[0]) : null;
  const fits = (value: number, min: number, max: number, step: number) =>
    Number.isSafeInteger(value) ? snapToRange(value, min, max, step) : value;
  return {
    product: product.code,
    amount: fits(choice.amount, product.amount.minRubles, product.amount.maxRubles, product.amount.stepRubles),
    term: fits(choice.term, product.term.min, product.term.max, product.term.step),
  };
};
