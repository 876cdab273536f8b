import type { FastifyInstance } from 'fastify';
import type { SandboxPayouts } from './sandbox';

/**
 * The sandbox acquirer's hosted card page. A real acquirer serves this on its own domain and we never
 * see the card number (SECURITY.md PAY-3); in the sandbox it is served by this process under
 * /sandbox/acquirer so a demo and the Playwright journeys can walk the same redirect. The form posts
 * urlencoded (the only route that accepts that type, in its own Fastify scope); the number and CVC
 * are checked, masked and dropped, never stored or logged. After the "bank" holds a random amount,
 * the page shows it the way the issuer's SMS would, with the way back to the lender.
 */

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#eef2f6;color:#1b2430}
main{max-width:26rem;margin:0 auto;padding:1rem}
h1{font-size:1.25rem}
.card{background:#fff;border-radius:.75rem;padding:1rem;box-shadow:0 1px 3px #0002}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{box-sizing:border-box;width:100%;font-size:1.1rem;padding:.6rem;border:1px solid #5a6677;border-radius:.5rem}
.row{display:flex;gap:.75rem}.row>div{flex:1}
button,.button{display:block;box-sizing:border-box;width:100%;margin-top:1rem;padding:.8rem;font-size:1.05rem;border:0;border-radius:.5rem;background:#0b5cad;color:#fff;text-align:center;text-decoration:none}
.error{color:#a4161a;margin:.25rem 0 0}
.note{color:#3d4a5c;font-size:.9rem}
.sms{background:#fffbe6;border:1px solid #a37b00;border-radius:.5rem;padding:.75rem}
`;

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/sandbox/acquirer/page.css"></head><body><main>${body}</main></body></html>`;
}

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

const formatKopecks = (kopecks: number) => `${Math.floor(kopecks / 100)},${String(kopecks % 100).padStart(2, '0')} ₽`;

export function registerSandboxCardPage(app: FastifyInstance, sandbox: SandboxPayouts) {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('Cache-Control', 'no-store');
      return payload;
    });

    scope.get('/sandbox/acquirer/page.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE));

    const gone = () => page('Песочница эквайера', '<h1>Ссылка устарела</h1><p>Эта страница уже использована или не существует. Вернитесь в CarCapital и начните заново.</p>');

    scope.get<{ Params: { id: string } }>('/sandbox/acquirer/cards/:id', async (request, reply) => {
      const binding = await sandbox.cardPage(request.params.id);
      reply.type('text/html; charset=utf-8');
      if (!binding) return reply.code(404).send(gone());
      return reply.send(cardForm(request.params.id));
    });

    scope.post<{ Params: { id: string }; Body: Record<string, string> }>('/sandbox/acquirer/cards/:id', async (request, reply) => {
      const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
      const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
      const outcome = await sandbox.submitCardPage(request.params.id, { pan: text('pan'), expiry: text('expiry'), cvc: text('cvc'), holder: text('holder') });
      reply.type('text/html; charset=utf-8');
      if (!outcome) return reply.code(404).send(gone());
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
  });
}
