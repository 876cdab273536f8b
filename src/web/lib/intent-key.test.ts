import { describe, expect, it } from 'vitest';
import { forgetIntentKey, intentKey } from './intent-key';

describe('idempotency keys per payment intent', () => {
  it('repeats the key while the intent is the same, and makes a new one for another intent', () => {
    const first = intentKey('loan-a', '300000:card');
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(intentKey('loan-a', '300000:card')).toBe(first);
    const other = intentKey('loan-a', '300000:sbp');
    expect(other).not.toBe(first);
    expect(intentKey('loan-b', '300000:sbp')).not.toBe(other);
  });

  it('forgets the key once the payment was made', () => {
    const first = intentKey('loan-c', '100:card');
    forgetIntentKey('loan-c');
    expect(intentKey('loan-c', '100:card')).not.toBe(first);
  });
});
