import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/web', import.meta.url));
/** Where `npm run dev` listens; override to point the dev server at another API. */
const apiTarget = process.env.API_PROXY_TARGET ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  plugins: [preact()],
  build: {
    outDir,
    emptyOutDir: true,
    // The server's CSP allows no inline script; the polyfill is not needed by the browsers we target.
    modulePreload: { polyfill: false },
    // Assets stay files under /assets: no data: URLs to reason about under the CSP.
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': {
        target: apiTarget,
        // The API refuses state changes whose Origin is not its own (SECURITY.md WEB-4). Behind this
        // dev proxy the browser's Origin is Vite's; the forwarded `Sec-Fetch-Site: same-origin` still
        // vouches for the request, so drop the Origin header rather than forge one.
        configure: (proxy) => {
          proxy.on('proxyReq', (proxyRequest) => proxyRequest.removeHeader('origin'));
        },
      },
    },
  },
});
