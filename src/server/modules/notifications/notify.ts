import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema';
import { confirmedEmailOf } from '../email/email.service';
import { queueEmail, type EmailOutboxDeps } from './email-outbox';
import { queueSms } from './sms-outbox';

/**
 * A notice to a customer on every channel they have: always an SMS to their phone, and an email
 * too when one is given and the customer has a confirmed address (an unconfirmed one is never used:
 * anyone can type someone else's address).
 */
export async function notifyCustomer(
  deps: EmailOutboxDeps,
  trx: Transaction<DB>,
  customerId: string,
  message: { sms: string; email?: { subject: string; text: string } },
): Promise<void> {
  const customer = await trx.selectFrom('customers').select('phone').where('id', '=', customerId).executeTakeFirstOrThrow();
  // A destroyed account (retention job) has no phone left: nothing to send it to.
  const phone: string | null = customer.phone;
  if (phone) await queueSms(deps, trx, { to: phone, text: message.sms, kind: 'notice' });
  if (!message.email) return;
  const address = await confirmedEmailOf(trx, deps.keys, customerId);
  if (address) await queueEmail(deps, trx, { to: address, subject: message.email.subject, text: message.email.text, kind: 'notice' });
}
