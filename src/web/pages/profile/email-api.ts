/**
 * The customer's email address over the shared fetch helper: read it, set or change it (a
 * confirmation link goes to it), and confirm it with the token from that link.
 */
import { request } from '../../lib/api';

export type ProfileEmail = { email: string | null; confirmed: boolean };

export const emailApi = {
  get: () => request<ProfileEmail>('GET', '/api/profile/email'),
  /** Sets the address (or sends the link again for the same one); the reply is the new state. */
  set: (email: string) => request<ProfileEmail>('PUT', '/api/profile/email', { email }),
  confirm: (token: string) => request<{ confirmed: true }>('POST', '/api/profile/email/confirm', { token }),
};
