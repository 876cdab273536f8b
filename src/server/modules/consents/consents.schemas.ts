import { z } from 'zod';

const Kind = z.enum(['personal_data', 'credit_history', 'simple_signature', 'marketing']);

/** One grant as the customer sees it: what, which text, when given, when withdrawn, for which application. */
export const ConsentItem = z.object({
  id: z.uuid(),
  kind: Kind,
  title: z.string(),
  required: z.boolean(),
  /** The version (hash) of the exact text agreed to. */
  version: z.string(),
  /** Whether that text is still the one offered today. */
  currentVersion: z.boolean(),
  /** Where to read that exact text: GET of this path. */
  documentUrl: z.string(),
  grantedAt: z.iso.datetime(),
  withdrawnAt: z.iso.datetime().nullable(),
  /** The application it was given in; null when given in the consents centre. */
  applicationId: z.uuid().nullable(),
});

export const ConsentsReply = z.object({
  items: z.array(ConsentItem),
  /** The optional marketing consent today: given (not withdrawn) or not. */
  marketing: z.object({ given: z.boolean() }),
});

export const ConsentDocumentVersion = z.object({
  kind: Kind,
  title: z.string(),
  required: z.boolean(),
  version: z.string(),
  /** False for an older wording kept because someone agreed to it. */
  current: z.boolean(),
  text: z.string(),
});
