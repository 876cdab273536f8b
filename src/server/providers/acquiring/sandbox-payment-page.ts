import type { FastifyInstance } from 'fastify';
import { escapeHtml, formatKopecks, gonePage, sandboxPage } from '../sandbox-pages';
import type { SandboxAcquiring } from './sandbox';

/**
 * The sandbox acquirer's payment page: the amount, and «Оплатить» or «Отменить». Paying queues the
 * signed notification to our webhook (as a real acquirer's server would send it) and shows the way
 * back; the cabinet then reads the payment's state from our API. No card data is asked for: a real
 * acquirer takes it on its own page (PAY-3).
 */
export function addSandboxPaymentPage(scope: FastifyInstance, sandbox: SandboxAcquiring) {
  scope.get<{ Params: { id: string } }>('/sandbox/acquirer/payments/:id', async (request, reply) => {
    const payment = await sandbox.paymentPage(request.params.id);
    reply.type('text/html; charset=utf-8');
    if (!payment) return reply.code(404).send(gonePage());
    const how = payment.method === 'sbp' ? 'через СБП (в приложении банка)' : 'картой';
    if (payment.status !== 'pending') {
      const done = payment.status === 'succeeded' ? 'Платёж уже оплачен.' : 'Платёж отменён.';
      return reply.send(sandboxPage('Песочница эквайера — платёж', `<h1>${done}</h1><a class="button" href="${escapeHtml(payment.returnUrl)}">Вернуться в CarCapital</a>`));
    }
    return reply.send(
      sandboxPage(
        'Песочница эквайера — оплата',
        `<h1>Оплата ${how}</h1>
<div class="card"><p>${escapeHtml(payment.description)}</p><p>К оплате: <strong id="pay-amount">${formatKopecks(payment.amountKopecks)}</strong></p>
<form method="post" action="/sandbox/acquirer/payments/${escapeHtml(request.params.id)}"><input type="hidden" name="outcome" value="succeeded"><button type="submit">Оплатить</button></form>
<form method="post" action="/sandbox/acquirer/payments/${escapeHtml(request.params.id)}"><input type="hidden" name="outcome" value="canceled"><button type="submit" class="secondary">Отменить</button></form></div>
<p class="note">Это страница платёжного сервиса (песочница): деньги не списываются.</p>`,
      ),
    );
  });

  scope.post<{ Params: { id: string }; Body: Record<string, string> }>('/sandbox/acquirer/payments/:id', async (request, reply) => {
    const outcome = typeof request.body === 'object' && request.body?.outcome === 'canceled' ? 'canceled' : 'succeeded';
    const done = await sandbox.completeOnPage(request.params.id, outcome);
    reply.type('text/html; charset=utf-8');
    if (!done) return reply.code(404).send(gonePage());
    const title = outcome === 'succeeded' ? 'Оплачено' : 'Платёж отменён';
    return reply.send(
      sandboxPage(`Песочница эквайера — ${title}`, `<h1 role="status">${title}</h1><a class="button" href="${escapeHtml(done.returnUrl)}">Вернуться в CarCapital</a>`),
    );
  });
}
