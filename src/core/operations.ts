/**
 * The customer's operation history as the borrower reads it: the kinds of operation and their
 * statuses in Russian. One table for the cabinet's history page and the CSV/PDF exports, so a
 * status reads the same on the screen and in the file.
 */

export const OPERATION_TYPES = ['application', 'decision', 'signing', 'payout', 'refusal', 'accrual', 'payment', 'prolongation', 'closing', 'support', 'bonus', 'pledge'] as const;

export type OperationType = (typeof OPERATION_TYPES)[number];

/** Each kind as a filter option reads: «Платежи», «Продления». */
export const OPERATION_TYPE_LABELS: Record<OperationType, string> = {
  application: 'Заявки',
  decision: 'Решения по заявкам',
  signing: 'Подписание договоров',
  payout: 'Выдача денег',
  refusal: 'Отказы от займа',
  accrual: 'Начисления',
  payment: 'Платежи',
  prolongation: 'Продления',
  closing: 'Погашение',
  support: 'Обращения в поддержку',
  bonus: 'Бонусные баллы',
  pledge: 'Залог автомобиля',
};

/** Statuses as the borrower reads them (the API gives the codes). */
export const OPERATION_STATUS_TEXT: Record<string, string> = {
  submitted: 'отправлена',
  approved: 'одобрена',
  declined: 'отказ',
  manual_review: 'на проверке',
  signed: 'подписан',
  refused: 'отказ от займа',
  created: 'создан',
  pending: 'ожидает оплаты',
  succeeded: 'выполнено',
  canceled: 'не прошёл',
  posted: 'начислено',
  closed: 'закрыт',
  awaiting_payment: 'ждёт оплаты',
  applied: 'применено',
  void: 'не состоялось',
  spent: 'списано',
  expired: 'сгорели',
  registered: 'зарегистрирован',
  released: 'снят',
};
