/**
 * The profile's consents, sessions and data export over the shared fetch helper (the customer's
 * session cookie goes along as for every cabinet request).
 */
import { request, type ConsentKind } from '../../lib/api';

export type ConsentItem = {
  id: string;
  kind: ConsentKind;
  title: string;
  required: boolean;
  version: string;
  /** Whether the text agreed to is still the one offered today. */
  currentVersion: boolean;
  documentUrl: string;
  grantedAt: string;
  withdrawnAt: string | null;
  applicationId: string | null;
};
export type Consents = { items: ConsentItem[]; marketing: { given: boolean } };
export type ConsentText = { kind: ConsentKind; title: string; version: string; current: boolean; text: string };

export type SessionItem = { id: string; createdAt: string; lastSeenAt: string; ip: string; device: string; current: boolean };
export type Ended = { ended: number; loggedOut: boolean };

const id = (value: string) => encodeURIComponent(value);

export const profileApi = {
  consents: () => request<Consents>('GET', '/api/consents'),
  /** `documentUrl` of a consent: the exact text of the version agreed to. */
  consentText: (documentUrl: string) => request<ConsentText>('GET', documentUrl),
  withdrawMarketing: () => request<Consents>('POST', '/api/consents/marketing/withdraw'),
  giveMarketing: () => request<Consents>('POST', '/api/consents/marketing/give'),
  sessions: () => request<{ items: SessionItem[] }>('GET', '/api/sessions').then((reply) => reply.items ?? []),
  endSession: (sessionId: string) => request<Ended>('POST', `/api/sessions/${id(sessionId)}/end`),
  endOtherSessions: () => request<Ended>('POST', '/api/sessions/end-others'),
  /** Everything about the customer as one JSON document (parsed; saved again as a file by the page). */
  dataExport: () => request<unknown>('GET', '/api/account/data-export'),
};
