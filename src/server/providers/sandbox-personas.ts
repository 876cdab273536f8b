import { personalInnWithCheckDigits } from '../../core/questionnaire';

/**
 * Test personas for the sandbox providers, like card networks' test numbers: the outcome is decided
 * by the passport number (and, for the self-ban, by the ИНН, the only thing a bureau is asked).
 * Listed in the README. Any other valid data is a clean adult with a short, healthy history.
 */
export const PERSONAS = {
  invalidPassport: { passportNumber: '000001', what: 'паспорт в списке недействительных (МВД)' },
  heavyOverdue: { passportNumber: '000003', what: 'просрочка 90 дней по действующему займу' },
  bankruptcy: { passportNumber: '000004', what: 'банкротство' },
  thinFile: { passportNumber: '000005', what: 'нет кредитной истории' },
  highDebtLoad: { passportNumber: '000006', what: 'платежи по другим займам 45 000 ₽ в месяц (высокий ПДН)' },
  expensiveLoans: { passportNumber: '000007', what: 'два непогашенных займа с ПСК выше 200 %' },
  bureauTimeout: { passportNumber: '000008', what: 'бюро не отвечает (таймаут)' },
  bureauMalformed: { passportNumber: '000009', what: 'бюро отвечает некорректными данными' },
  selfBan: { inn: personalInnWithCheckDigits('7700000002'), what: 'самозапрет на займы (по ИНН)' },
} as const;

export function personaByPassport(number: string): keyof typeof PERSONAS | null {
  for (const [key, persona] of Object.entries(PERSONAS)) {
    if ('passportNumber' in persona && persona.passportNumber === number) return key as keyof typeof PERSONAS;
  }
  return null;
}
