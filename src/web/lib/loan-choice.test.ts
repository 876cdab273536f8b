import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS } from '../../core/pricing/products';
import {
  calculatorPathFor,
  cabinetPathFor,
  fitChoice,
  hasChoiceParams,
  initialChoice,
  loginPathFor,
  parseChoiceQuery,
  parseWholeNumber,
  snapToRange,
} from './loan-choice';

const query = (text: string) => new URLSearchParams(text);

describe('parseChoiceQuery', () => {
  it('reads a product code and two whole numbers', () => {
    expect(parseChoiceQuery(query('product=pdl&amount=10000&term=30'))).toEqual({ product: 'pdl', amount: 10_000, term: 30 });
    expect(parseChoiceQuery(query('?term=24&product=car&amount=300000&utm=x'))).toEqual({ product: 'car', amount: 300_000, term: 24 });
  });

  it.each([
    [''],
    ['product=pdl&amount=10000'],
    ['product=pdl&term=30'],
    ['amount=10000&term=30'],
    ['product=pdl&amount=10000.5&term=30'],
    ['product=pdl&amount=-10000&term=30'],
    ['product=pdl&amount=1e4&term=30'],
    ['product=pdl&amount=&term=30'],
    ['product=pdl&amount=10%20000&term=30'],
    ['product=PDL%3Cscript%3E&amount=10000&term=30'],
    ['product=&amount=10000&term=30'],
    ['product=pdl&amount=9999999999999&term=30'],
  ])('refuses %j', (text) => {
    expect(parseChoiceQuery(query(text))).toBeNull();
  });

  it('tells whether any of the keys is there', () => {
    expect(hasChoiceParams(query('amount=abc'))).toBe(true);
    expect(hasChoiceParams(query('tab=loans'))).toBe(false);
  });
});

describe('paths', () => {
  const choice = { product: 'pdl', amount: 10_000, term: 30 };

  it('builds the cabinet, login and calculator addresses', () => {
    expect(cabinetPathFor(choice)).toBe('/cabinet?product=pdl&amount=10000&term=30');
    expect(loginPathFor(choice)).toBe('/login?next=%2Fcabinet%3Fproduct%3Dpdl%26amount%3D10000%26term%3D30');
    expect(calculatorPathFor(choice)).toBe('/?product=pdl&amount=10000&term=30#calculator');
  });

  it('round-trips through the query string', () => {
    const url = new URL(calculatorPathFor(choice), 'https://carcapital.example');
    expect(parseChoiceQuery(url.searchParams)).toEqual(choice);
    const login = new URL(loginPathFor(choice), 'https://carcapital.example');
    const next = new URL(login.searchParams.get('next')!, 'https://carcapital.example');
    expect(next.pathname).toBe('/cabinet');
    expect(parseChoiceQuery(next.searchParams)).toEqual(choice);
  });
});

describe('parseWholeNumber', () => {
  it.each([
    ['10000', 10_000],
    ['10 000', 10_000],
    ['10\u00a0000', 10_000],
    ['10\u202f000', 10_000],
    [' 1 000 000 ', 1_000_000],
    ['030', 30],
    ['0', 0],
  ])('%j → %d', (text, expected) => {
    expect(parseWholeNumber(text)).toBe(expected);
  });

  it.each([[''], ['   '], ['10,5'], ['10.5'], ['-5'], ['+5'], ['1e4'], ['10 000 ₽'], ['десять'], ['1234567890123']])('%j → null', (text) => {
    expect(parseWholeNumber(text)).toBeNull();
  });
});

describe('snapToRange', () => {
  it.each([
    [10_000, 10_000],
    [10_250, 10_500], // half a step rounds up
    [10_249, 10_000],
    [999, 1_000],
    [0, 1_000],
    [30_001, 30_000],
    [Number.NaN, 1_000],
  ])('%d → %d (1 000…30 000 by 500)', (value, expected) => {
    expect(snapToRange(value, 1_000, 30_000, 500)).toBe(expected);
  });

  it('never passes the last value on the grid when max is off the grid', () => {
    expect(snapToRange(52, 8, 53, 2)).toBe(52);
    expect(snapToRange(60, 8, 53, 2)).toBe(52);
  });
});

describe('initialChoice and fitChoice', () => {
  it('starts from the first product and its defaults', () => {
    expect(initialChoice(DEFAULT_PRODUCTS, null)).toEqual({ product: 'pdl', amount: 10_000, term: 30 });
  });

  it('takes a choice from the address and moves it onto the offered values', () => {
    expect(initialChoice(DEFAULT_PRODUCTS, { product: 'car', amount: 300_000, term: 24 })).toEqual({ product: 'car', amount: 300_000, term: 24 });
    expect(initialChoice(DEFAULT_PRODUCTS, { product: 'installment', amount: 5, term: 25 })).toEqual({
      product: 'installment',
      amount: 30_000,
      term: 26,
    });
    expect(initialChoice(DEFAULT_PRODUCTS, { product: 'unknown', amount: 5, term: 5 })).toEqual({ product: 'pdl', amount: 10_000, term: 30 });
    expect(initialChoice([], null)).toBeNull();
  });

  it('keeps a choice against a new catalogue when it can', () => {
    const narrower = DEFAULT_PRODUCTS.map((p) => (p.code === 'pdl' ? { ...p, amount: { ...p.amount, maxRubles: 20_000 } } : p));
    expect(fitChoice(narrower, { product: 'pdl', amount: 25_000, term: 30 })).toEqual({ product: 'pdl', amount: 20_000, term: 30 });
    expect(fitChoice(DEFAULT_PRODUCTS.slice(1), { product: 'pdl', amount: 10_000, term: 30 })).toEqual({
      product: 'installment',
      amount: 50_000,
      term: 24,
    });
  });
});
