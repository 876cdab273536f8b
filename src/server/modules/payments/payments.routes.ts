import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_KOPECKS } from '../../../core/money';
import { defineRoute, type AnyRouteSpec } from '../../http/routes';
import { WEBHOOK_PATH } from '../../providers/acquiring/sandbox';
import { ErrorReply } from '../auth/auth.schemas';
import { closingCertificatePdf, receiptPdf } from './documents';
import * as payments from './payments.service';

const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

const Allocation = z.object({ interestKopecks: z.number().int(), principalKopecks: z.number().int(), penaltyKopecks: z.number().int(), overpaymentKopecks: z.number().int() });

const PaymentReply = z.object({
  id: z.uuid(),
  loanId: z.uuid(),
  status: z.enum(['created', 'pending', 'succeeded', 'canceled']),
  amountKopecks: z.number().int(),
  method: z.enum(['card', 'sbp']),
  createdAt: z.iso.datetime(),
  paidAt: z.iso.datetime().nullable(),
  confirmationUrl: z.string().nullable(),
  allocation: Allocation.nullable(),
});

const PayBody = z.strictObject({
  amountKopecks: z
    .number({ error: 'Укажите сумму в копейках.' })
    .int({ error: 'Сумма — целое число копеек.' })
    .min(1, { error: 'Сумма должна быть больше нуля.' })
    .max(MAX_KOPECKS, { error: 'Слишком большая сумма.' }),
  method: z.enum(['card', 'sbp'], { error: 'Способ оплаты — карта или СБП.' }).default('card'),
});

export function paymentRoutes(deps: payments.PaymentDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/loans/:id/payments',
      tag: 'payments',
      summary:
        'Start a repayment (header Idempotency-Key required: the same key and body give the same payment; another body → 422; while the first is running → 409). Answers the acquirer page URL.',
      auth: 'customer',
      body: PayBody,
      responses: {
        201: z.object({ paymentId: z.uuid(), status: z.enum(['created', 'pending', 'succeeded', 'canceled']), confirmationUrl: z.string().nullable(), amountKopecks: z.number().int() }),
        400: ErrorReply,
        404: ErrorReply,
        409: ErrorReply,
        422: ErrorReply,
        503: ErrorReply,
      },
      handler: async ({ actor, request, body }) => {
        const key = request.headers['idempotency-key'];
        const payment = await payments.initiatePayment(deps, actor, idOf(request), typeof key === 'string' ? key : undefined, body);
        return { paymentId: payment.id, status: payment.status, confirmationUrl: payment.confirmationUrl, amountKopecks: payment.amountKopecks };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/payments/:id',
      tag: 'payments',
      summary: 'One payment of the customer: status, amount, and how it paid the debt once credited',
      auth: 'customer',
      responses: { 200: PaymentReply, 404: ErrorReply },
      handler: ({ actor, request }) => payments.getPayment(deps, actor, idOf(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/payments/:id/receipt.pdf',
      tag: 'payments',
      summary: 'The receipt of a credited payment (PDF)',
      auth: 'customer',
      responses: { 200: null, 404: ErrorReply, 409: ErrorReply },
      handler: async ({ actor, request, reply }) => {
        const { fileName, pdf } = await receiptPdf(deps.db, actor, idOf(request), deps.clock.now());
        return reply.type('application/pdf').header('content-disposition', `inline; filename="${fileName}"`).send(pdf);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/loans/:id/closing-certificate.pdf',
      tag: 'payments',
      summary: 'The certificate that the loan is repaid (справка о погашении), once it is closed (PDF)',
      auth: 'customer',
      responses: { 200: null, 404: ErrorReply, 409: ErrorReply },
      handler: async ({ actor, request, reply }) => {
        const { fileName, pdf } = await closingCertificatePdf(deps.db, actor, idOf(request), deps.clock.now());
        return reply.type('application/pdf').header('content-disposition', `inline; filename="${fileName}"`).send(pdf);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/loans/:id/payments',
      tag: 'payments',
      summary: 'The payments of one loan, newest first',
      auth: 'customer',
      responses: { 200: z.array(PaymentReply) },
      handler: ({ actor, request }) => payments.listLoanPayments(deps, actor, idOf(request)),
    }),
  ];
}

/**
 * The acquirer's notifications: `POST /api/webhooks/acquiring/<provider>`. Outside the JSON route
 * list on purpose: the body must be verified as the exact bytes received (PAY-5), before parsing.
 * Answers 200 to what it accepts (including duplicates), 401 to what it cannot authenticate.
 */
export function registerAcquiringWebhook(app: FastifyInstance, deps: payments.PaymentDeps) {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    scope.post<{ Params: { provider: string } }>(`${WEBHOOK_PATH}/:provider`, async (request, reply) => {
      if (request.params.provider !== deps.acquiring.name) return reply.code(404).send({ error: { code: 'not_found', message: 'Не найдено.' } });
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const accepted = await payments.handleNotification(deps, { rawBody, headers: request.headers, ip: request.ip });
      if (!accepted) {
        request.log.warn({ provider: request.params.provider }, 'acquirer notification refused: not authentic');
        return reply.code(401).send({ error: { code: 'unauthorized', message: 'Уведомление не прошло проверку.' } });
      }
      return reply.code(200).type(deps.acquiring.notificationReply.contentType).send(deps.acquiring.notificationReply.body);
    });
  });
}
