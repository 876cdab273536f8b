import { hmacSha256, openWith, sealWith, type Keys } from './crypto';

/**
 * Personal data at rest: each field sealed on its own (AES-256-GCM), bound to table, column and row,
 * so a ciphertext copied to another row or column does not open. Lookups go through a keyed hash.
 */

export function sealField(keys: Keys, where: { table: string; column: string; rowId: string }, value: string): Buffer {
  return sealWith(keys, value, `${where.table}.${where.column}:${where.rowId}`);
}

export function openField(keys: Keys, where: { table: string; column: string; rowId: string }, sealed: Uint8Array): string {
  return openWith(keys, sealed, `${where.table}.${where.column}:${where.rowId}`);
}

/** Keyed hash for finding the same passport or ИНН again without storing it in clear. */
export function lookupHash(keys: Keys, kind: 'passport' | 'inn', value: string): Buffer {
  return hmacSha256(keys.lookupKey, `${kind}:${value}`);
}

/** `4510 123456` → `45** ***456`: what screens may show once an application is submitted. */
export function maskPassport(series: string, number: string): string {
  return `${series.slice(0, 2)}** ***${number.slice(-3)}`;
}

export function maskInn(inn: string): string {
  return `********${inn.slice(-4)}`;
}
