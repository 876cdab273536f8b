import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply } from '../auth/auth.schemas';
import { QuoteSchema } from '../pricing/pricing.schemas';
import { getLoanChoice, saveLoanChoice, type LoanChoiceDeps } from './loan-choices.service';

const LoanChoiceBody = z.strictObject({
  product: z.string({ error: 'Выберите продукт.' }).max(40),
  amount: z.number({ error: 'Сумма — целое число рублей.' }).int({ error: 'Сумма — целое число рублей.' }),
  term: z.number({ error: 'Срок — целое число.' }).int({ error: 'Срок — целое число.' }),
});

const LoanChoiceReply = z.union([
  z.object({
    choice: z.object({ product: z.string(), amount: z.number().int(), term: z.number().int(), savedAt: z.iso.datetime() }),
    quote: QuoteSchema.nullable(),
  }),
  z.object({ choice: z.null() }),
]);

export function loanChoiceRoutes(deps: LoanChoiceDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'PUT',
      url: '/api/cabinet/loan-choice',
      tag: 'cabinet',
      summary: 'Keep the loan picked in the calculator (amount in ₽, term in the product unit)',
      auth: 'customer',
      body: LoanChoiceBody,
      responses: { 200: LoanChoiceReply, 400: ErrorReply, 401: ErrorReply },
      handler: ({ actor, body }) => saveLoanChoice(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cabinet/loan-choice',
      tag: 'cabinet',
      summary: 'The kept loan choice with figures recomputed for today',
      auth: 'customer',
      responses: { 200: LoanChoiceReply, 401: ErrorReply },
      handler: ({ actor }) => getLoanChoice(deps, actor),
    }),
  ];
}
