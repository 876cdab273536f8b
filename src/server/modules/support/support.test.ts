import { describe, expect, it } from 'vitest';
import { staffFirstName, SUPPORT_SIGNATURE } from './support.service';

describe('the name a customer sees for a staff reply', () => {
  it.each([
    ['Петров Иван Сергеевич', 'Иван'],
    ['Иван Сергеевич Петров', 'Иван'],
    ['Ольга Агентова', 'Ольга'],
    ['Алиев Рашид Ильхам оглы', 'Рашид'],
    ['Мария', 'Мария'],
    ['ivan.petrov@carcapital.ru', SUPPORT_SIGNATURE],
    ['  ', SUPPORT_SIGNATURE],
    ['007', SUPPORT_SIGNATURE],
  ])('%s → %s', (fullName, shown) => {
    expect(staffFirstName(fullName)).toBe(shown);
  });
});
