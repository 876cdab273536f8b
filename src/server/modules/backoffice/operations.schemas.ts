import { z } from 'zod';

export const OverdueLoan = z.object({
  id: z.uuid(),
  loanId: z.uuid(),
  number: z.string(),
  customerId: z.uuid(),
  fullName: z.string().nullable(),
  phoneMasked: z.string(),
  productCode: z.string(),
  principalKopecks: z.number().int(),
  debtKopecks: z.number().int(),
  dueDate: z.string(),
  overdueSince: z.string(),
  daysOverdue: z.number().int(),
});

export const PendingPayment = z.object({
  id: z.uuid(),
  loanId: z.uuid(),
  loanNumber: z.string(),
  customerId: z.uuid(),
  phoneMasked: z.string(),
  amountKopecks: z.number().int(),
  method: z.string(),
  status: z.enum(['created', 'pending']),
  provider: z.string(),
  providerPaymentId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  minutesWaiting: z.number().int(),
});

export const FailedPayout = z.object({
  id: z.uuid(),
  loanId: z.uuid(),
  number: z.string(),
  customerId: z.uuid(),
  fullName: z.string().nullable(),
  phoneMasked: z.string(),
  amountKopecks: z.number().int(),
  payoutType: z.string(),
  provider: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  signedAt: z.iso.datetime(),
  createdAt: z.iso.datetime().nullable(),
});

export const RetryReply = z.object({ loanId: z.uuid(), status: z.literal('disbursing') });
