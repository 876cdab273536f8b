import type { FastifyInstance } from 'fastify';
import { escapeHtml, formatKopecks, gonePage, sandboxPage as page } from '../sandbox-pages';
import type { SandboxPayouts } from './sandbox';

/**
 * The sandbox acquirer's hosted card page. A real acquirer serves this on its own domain and we never
 * see the card number (SECURITY.md PAY-3); in the sandbox it is served by this process under
 * /sandbox/acquirer so a demo and the Playwright journeys can walk the same redirect. The form posts
 * urlencoded (the only route that accepts that type, in its own Fastify scope); the number and CVC
 * are checked, masked and dropped, never stored or logged. After the "bank" holds a random amount,
 * the page shows it the way the issuer's SMS would, with the way back to the lender.
 */

type Values = { holder?: string; expiry?: string };

function cardForm(bindingId: string, fields: Record<string, string> = {}, values: Values = {}): string {
  const field = (name: string, label: string, attrs: string, value = '') => {
    const error = fields[name];
    const errorId = `${name}-error`;
    return `<div><label for="${name}">${label}</label><input id="${name}" name="${name}" ${attrs} value="${escapeHtml(value)}"${error ? ` aria-invalid="true" aria-describedby="${errorId}"` : ''}>${error ? `<p class="error" id="${errorId}">${escapeHtml(error)}</p>` : ''}</div>`;
  };
  return page(
    'Песочница эквайера — данные карты',
    `<h1>Песочница эквайера: привязка карты</h1>
<p class="note">Это страница платёжного сервиса. CarCapital не видит номер карты. Банк заблокирует на карте случайную сумму до 10 ₽, чтобы вы подтвердили, что карта ваша; сумма вернётся.</p>
<form class="card" method="post" action="/sandbox/acquirer/cards/${bindingId}" novalidate>
${field('pan', 'Номер карты', 'inputmode="numeric" autocomplete="cc-number" maxlength="23" required')}
<div class="row">${field('expiry', 'Срок действия (ММ/ГГ)', 'inputmode="numeric" autocomplete="cc-exp" maxlength="5" required', values.expiry)}${field('cvc', 'CVC', 'inputmode="numeric" autocomplete="cc-csc" maxlength="3" required')}</div>
${field('holder', 'Имя и фамилия латиницей, как на карте', 'autocomplete="cc-name" maxlength="50" required', values.holder)}
<button type="submit">Привязать карту</button>
</form>
<p class="note">Тестовые карты: 4111 1111 1111 1111 — проходит; 4000 0000 0000 0002 — банк отклоняет.</p>`,
  );
}

/** Adds the card page's routes to the sandbox pages' scope (sandbox-pages.ts). */
export function addSandboxCardPage(scope: FastifyInstance, sandbox: SandboxPayouts) {
  scope.get<{ Params: { id: string } }>('/sandbox/acquirer/cards/:id', async (request, reply) => {
    const binding = await sandbox.cardPage(request.params.id);
    reply.type('text/html; charset=utf-8');
    if (!binding) return reply.code(404).send(gonePage());
    return reply.send(cardForm(request.params.id));
  });

  scope.post<{ Params: { id: string }; Body: Record<string, string> }>('/sandbox/acquirer/cards/:id', async (request, reply) => {
    const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
    const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
    const outcome = await sandbox.submitCardPage(request.params.id, { pan: text('pan'), expiry: text('expiry'), cvc: text('cvc'), holder: text('holder') });
    reply.type('text/html; charset=utf-8');
    if (!outcome) return reply.code(404).send(gonePage());
    if (!outcome.ok && 'fields' in outcome) {
      return reply.code(400).send(cardForm(request.params.id, outcome.fields, { holder: text('holder'), expiry: text('expiry') }));
    }
    if (!outcome.ok) {
      return reply.send(
        page(
          'Песочница эквайера — карта отклонена',
          `<h1>Банк отклонил карту</h1><p>Попробуйте другую карту или другой способ получения.</p><a class="button" href="${escapeHtml(outcome.returnUrl)}">Вернуться в CarCapital</a>`,
        ),
      );
    }
    return reply.send(
      page(
        'Песочница эквайера — сумма заблокирована',
        `<h1>Карта ${escapeHtml(outcome.maskedPan.slice(-4).padStart(8, '•'))} принята</h1>
<div class="sms" role="status"><p><strong>SMS от вашего банка (песочница):</strong></p><p>Блокировка <span id="hold-amount">${formatKopecks(outcome.holdKopecks)}</span>. CARD-CHECK.</p></div>
<p>Запомните сумму: её нужно ввести в CarCapital, чтобы подтвердить, что карта ваша. Сумма вернётся на карту.</p>
<a class="button" href="${escapeHtml(outcome.returnUrl)}">Вернуться в CarCapital</a>`,
      ),
    );
  });
}
