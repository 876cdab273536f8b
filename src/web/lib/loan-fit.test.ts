import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import { fitAmount, fitTerm } from './loan-fit';

const pdl = DEFAULT_PRODUCTS.find((p) => p.code === 'pdl')!;
const installment = DEFAULT_PRODUCTS.find((p) => p.code === 'installment')!;
/** The app writes figures with no-break spaces. */
const plain = (text: string | null) => text?.replace(/\u00a0/g, ' ') ?? null;

describe('fitting a typed amount', () => {
  it('keeps an offered amount as typed', () => {
    expect(fitAmount('15 000', pdl.amount, 10_000)).toEqual({ value: 15_000, note: null, typedExactly: true });
  });

  it('moves an amount onto the step grid, saying so', () => {
    const fitted = fitAmount('12345', pdl.amount, 10_000);
    expect(fitted.value).toBe(12_500);
    expect(plain(fitted.note)).toBe('Сумма меняется с шагом 500 ₽. Поставили 12 500 ₽.');
  });

  it('clamps an amount into the range', () => {
    const fitted = fitAmount('50000', pdl.amount, 10_000);
    expect(fitted.value).toBe(30_000);
    expect(plain(fitted.note)).toBe('Сумма — от 1 000 ₽ до 30 000 ₽. Поставили 30 000 ₽.');
  });

  it('keeps the last good amount for text that is no number', () => {
    const fitted = fitAmount('много', pdl.amount, 10_000);
    expect(fitted.value).toBe(10_000);
    expect(plain(fitted.note)).toBe('Введите сумму цифрами, например 10 000. Оставили 10 000 ₽.');
  });
});

describe('fitting a typed term', () => {
  it('keeps an offered term', () => {
    expect(fitTerm('20', pdl.term, 30)).toEqual({ value: 20, note: null, typedExactly: true });
  });

  it('moves a term onto the step grid, in the product’s unit', () => {
    const fitted = fitTerm('25', installment.term, 24);
    expect(fitted.value).toBe(26);
    expect(plain(fitted.note)).toBe('Срок меняется с шагом 2 недели. Поставили 26 недель.');
  });

  it('clamps a term into the range', () => {
    expect(plain(fitTerm('90', pdl.term, 30).note)).toBe('Срок — от 5 до 30 дней. Поставили 30 дней.');
  });

  it('keeps the last good term for text that is no number', () => {
    expect(fitTerm('месяц', pdl.term, 30)).toMatchObject({ value: 30, typedExactly: false });
  });
});
