import { z } from 'zod';

export const SessionItem = z.object({
  id: z.uuid(),
  createdAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  /** The last part hidden: `203.0.113.*`. */
  ip: z.string(),
  /** The browser and system in words: «Chrome на Android». */
  device: z.string(),
  /** The session this request came with. */
  current: z.boolean(),
});

export const SessionsReply = z.object({ items: z.array(SessionItem) });

export const EndedReply = z.object({
  /** How many sessions ended. */
  ended: z.number().int(),
  /** True when the session of this request was ended: the browser is logged out. */
  loggedOut: z.boolean(),
});
