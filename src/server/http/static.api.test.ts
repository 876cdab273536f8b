import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTestSystem } from '../testing/test-system';

/** A tiny built web app: the shell, one hashed asset and its pre-compressed copy. */
function webRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'cc-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><html lang="ru"><script type="module" src="/assets/app-1a2b.js"></script></html>');
  const js = `console.log(${JSON.stringify('x'.repeat(2000))});`;
  writeFileSync(join(root, 'assets', 'app-1a2b.js'), js);
  writeFileSync(join(root, 'assets', 'app-1a2b.js.br'), brotliCompressSync(js));
  return root;
}

const system = useTestSystem({ webRoot: webRoot() });

describe('one origin: the API and the built web app', () => {
  it('serves the app shell for client routes, with the strict CSP and no caching', async () => {
    for (const path of ['/', '/login', '/cabinet', '/dev/sms?phone=1']) {
      const response = await system.get(path);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.body).toContain('<html lang="ru">');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets pre-compressed and cached for a year', async () => {
    const response = await system.get('/assets/app-1a2b.js', { 'accept-encoding': 'br, gzip' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const plain = await system.get('/assets/app-1a2b.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('console.log');
  });

  it('a missing file is a 404, an unknown API path a JSON 404, never the shell', async () => {
    expect((await system.get('/assets/missing-9z.js')).statusCode).toBe(404);
    const api = await system.get('/api/missing');
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
    const traversal = await system.get('/assets/../../../etc/passwd');
    expect(traversal.body).not.toContain('root:');
  });
});
