import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { ErrorReply, OtpRequestReply } from '../auth/auth.schemas';
import * as signing from './signing.service';

const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;
const meta = (request: { ip: string; headers: Record<string, unknown> }) => ({ ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') });

const PAYOUT_TYPES = ['card', 'sbp', 'wallet', 'cash'] as const;

const PayoutMethodBody = z.strictObject({
  type: z.enum(PAYOUT_TYPES, { error: 'Выберите способ получения денег.' }),
  bankId: z.string().max(20).optional(),
  walletNumber: z
    .string()
    .max(40)
    .transform((value) => value.replace(/[\s-]/g, ''))
    .optional(),
});

const MethodView = z.object({
  type: z.enum(PAYOUT_TYPES),
  state: z.enum(['awaiting_card', 'awaiting_hold', 'ready']),
  bank: z.string().optional(),
  recipientName: z.string().optional(),
  maskedPan: z.string().optional(),
  walletMasked: z.string().optional(),
  problem: z.string().optional(),
});

/** "7,43" or "7.43" or "7" rubles → kopecks; the hold is at most 10 ₽. */
const HoldAmount = z
  .string({ error: 'Введите сумму, заблокированную на карте.' })
  .trim()
  .regex(/^\d{1,2}([.,]\d{1,2})?$/, { error: 'Сумма в рублях и копейках, например 7,43.' })
  .transform((value) => {
    const [rubles, kopecks = ''] = value.replace(',', '.').split('.');
    return Number(rubles) * 100 + Number(kopecks.padEnd(2, '0'));
  })
  .refine((kopecks) => kopecks >= 1 && kopecks <= 1000, { error: 'Заблокированная сумма — от 0,01 до 10,00 ₽.' });

export function signingRoutes(deps: signing.SigningDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/payout-method',
      tag: 'signing',
      summary:
        'Choose how to receive the money. СБП: without bankId → the bank list, with it → the holder is checked. Card: → the acquirer page URL. Wallet: walletNumber is checked. Cash: nothing else.',
      auth: 'customer',
      body: PayoutMethodBody,
      responses: {
        200: z.object({
          type: z.enum(PAYOUT_TYPES),
          next: z.enum(['sign', 'choose_bank', 'card_page']),
          banks: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
          bank: z.string().optional(),
          recipientName: z.string().optional(),
          hostedPageUrl: z.url().optional(),
          walletMasked: z.string().optional(),
        }),
        400: ErrorReply,
        404: ErrorReply,
        409: ErrorReply,
        503: ErrorReply,
      },
      handler: ({ actor, request, body }) => signing.choosePayoutMethod(deps, actor, idOf(request), body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications/:id/payout-method',
      tag: 'signing',
      summary: 'The methods available and the chosen one with its state (a card: awaiting_card → awaiting_hold → ready)',
      auth: 'customer',
      responses: { 200: z.object({ available: z.array(z.enum(PAYOUT_TYPES)), method: MethodView.nullable() }), 404: ErrorReply, 409: ErrorReply, 503: ErrorReply },
      handler: ({ actor, request }) => signing.getPayoutMethod(deps, actor, idOf(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/payout-method/card/confirm',
      tag: 'signing',
      summary: 'Confirm the card with the amount held on it (3 tries); the holder name is then checked with the issuer',
      auth: 'customer',
      body: z.strictObject({ amount: HoldAmount }),
      responses: { 200: MethodView.extend({ next: z.literal('sign') }), 400: ErrorReply, 404: ErrorReply, 409: ErrorReply, 503: ErrorReply },
      handler: ({ actor, request, body }) => signing.confirmCardHold(deps, actor, idOf(request), body.amount),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications/:id/contract',
      tag: 'signing',
      summary: 'The individual terms exactly as they would be signed now, with their SHA-256',
      auth: 'customer',
      responses: {
        200: z.object({
          number: z.string(),
          sha256: z.string(),
          text: z.string(),
          keyFacts: z.object({ amountKopecks: z.number(), pskPercent: z.number(), pskKopecks: z.number(), totalKopecks: z.number(), returnDate: z.string() }),
          coolingOffHours: z.number(),
          pdnWarningRequired: z.boolean(),
        }),
        404: ErrorReply,
        409: ErrorReply,
      },
      handler: ({ actor, request }) => signing.getContract(deps, actor, idOf(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/sign/otp',
      tag: 'signing',
      summary: 'Send the signing code, bound to this document and this session',
      auth: 'customer',
      responses: { 200: OtpRequestReply, 404: ErrorReply, 409: ErrorReply, 429: ErrorReply },
      handler: ({ actor, request }) => signing.requestSigningCode(deps, actor, idOf(request), meta(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/applications/:id/sign',
      tag: 'signing',
      summary: 'Sign the contract with the code: creates the loan; the payout follows (after cooling-off if any)',
      auth: 'customer',
      body: z.strictObject({ code: z.string({ error: 'Введите код из SMS.' }).regex(/^\d{6}$/, { error: 'Код — это 6 цифр из SMS.' }) }),
      responses: { 200: z.object({ loanId: z.uuid(), payoutAt: z.iso.datetime() }), 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, body }) => signing.signContract(deps, actor, idOf(request), body.code, meta(request)),
    }),
  ];
}
