import { describe, expect, it } from 'vitest';
import { checkPaymentAmount, parseRubles } from './amount';

const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('rubles typed by hand', () => {
  it('reads rubles with spaces and kopecks after a comma or a dot', () => {
    expect(parseRubles('3000')).toBe(300_000);
    expect(parseRubles('3 000')).toBe(300_000);
    expect(parseRubles('3\u00a0000,5')).toBe(300_050);
    expect(parseRubles('2500.05')).toBe(250_005);
    expect(parseRubles(' 0,01 ')).toBe(1);
  });

  it('refuses anything else', () => {
    for (const text of ['', 'abc', '1,234', '-5', '1e3', '1,', ',5', '3 000 ₽']) expect(parseRubles(text)).toBeNull();
  });
});

describe('a part payment', () => {
  const debt = 1_051_234;

  it('is between 1 ₽ and the debt', () => {
    expect(checkPaymentAmount('3 000', debt)).toEqual({ kopecks: 300_000 });
    expect(checkPaymentAmount('10512,34', debt)).toEqual({ kopecks: debt });
    expect(checkPaymentAmount('1', debt)).toEqual({ kopecks: 100 });
  });

  it('says what is wrong', () => {
    const error = (text: string) => {
      const result = checkPaymentAmount(text, debt);
      return 'error' in result ? plain(result.error) : null;
    };
    expect(error(' ')).toBe('Введите сумму платежа.');
    expect(error('три')).toBe('Сумма — в рублях и копейках, например 3000 или 2500,50.');
    expect(error('0,99')).toBe('Сумма — не меньше 1 ₽.');
    expect(error('10512,35')).toBe('Сумма больше долга: сегодня нужно 10 512,34 ₽.');
  });
});
