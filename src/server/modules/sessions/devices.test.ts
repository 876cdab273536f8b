import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDeviceCookie, newDeviceSmsText } from './devices';

async function setCookieLine(secure: boolean, token: string) {
  const app = Fastify();
  await app.register(fastifyCookie);
  const cookie = createDeviceCookie(secure);
  app.get('/', async (_request, reply) => {
    cookie.set(reply, token);
    return 'ok';
  });
  const response = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return String(response.headers['set-cookie']);
}

describe('the device cookie', () => {
  const token = 'A'.repeat(43);

  it('is HttpOnly, SameSite=Lax, host-only and lives a year', async () => {
    expect(await setCookieLine(false, token)).toBe(`did=${token}; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('behind https is __Host-did and Secure', async () => {
    expect(await setCookieLine(true, token)).toBe(`__Host-did=${token}; Max-Age=31536000; Path=/; HttpOnly; Secure; SameSite=Lax`);
  });
});

describe('the new-device SMS', () => {
  it('names the browser and the Moscow day and time, and carries no code or link', () => {
    const text = newDeviceSmsText('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36', new Date('2026-12-31T21:05:00Z'));
    expect(text).toBe(
      'CarCapital: вход в личный кабинет с нового устройства (Chrome на Android) 01.01 в 00:05 мск. Если это были не вы, завершите сеансы в разделе «Профиль» и напишите в поддержку.',
    );
    expect(text).not.toMatch(/\d{6}|https?:/);
  });
});
