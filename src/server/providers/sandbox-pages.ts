import type { FastifyInstance } from 'fastify';
import type { SandboxAcquiring } from './acquiring/sandbox';
import { addSandboxPaymentPage } from './acquiring/sandbox-payment-page';
import type { SandboxPayouts } from './payouts/sandbox';
import { addSandboxCardPage } from './payouts/sandbox-card-page';

/**
 * The pages the sandbox acquirer serves for itself: the card page of payouts and the payment page of
 * repayments. A real acquirer serves them on its own domain; here they live under /sandbox/acquirer
 * of this process so that a demo and the Playwright journeys walk the same redirects. Their forms post
 * urlencoded — the only routes that accept that type, in their own Fastify scope — and nothing they
 * receive is logged (the access log has the path only).
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
button.secondary{background:#fff;color:#0b5cad;border:1px solid #0b5cad}
.note{color:#3d4a5c;font-size:.9rem}
.sms{background:#fffbe6;border:1px solid #a37b00;border-radius:.5rem;padding:.75rem}
`;

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function sandboxPage(title: string, body: string): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/sandbox/acquirer/page.css"></head><body><main>${body}</main></body></html>`;
}

export const formatKopecks = (kopecks: number) => `${Math.floor(kopecks / 100)},${String(kopecks % 100).padStart(2, '0')} ₽`;

export const gonePage = () =>
  sandboxPage('Песочница эквайера', '<h1>Ссылка устарела</h1><p>Эта страница уже использована или не существует. Вернитесь в CarCapital и начните заново.</p>');

export function registerSandboxPages(app: FastifyInstance, sandboxes: { payouts: SandboxPayouts | null; acquiring: SandboxAcquiring | null }) {
  if (!sandboxes.payouts && !sandboxes.acquiring) return;
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('Cache-Control', 'no-store');
      return payload;
    });
    scope.get('/sandbox/acquirer/page.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE));
    if (sandboxes.payouts) addSandboxCardPage(scope, sandboxes.payouts);
    if (sandboxes.acquiring) addSandboxPaymentPage(scope, sandboxes.acquiring);
  });
}
