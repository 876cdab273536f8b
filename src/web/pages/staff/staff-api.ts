/**
 * The back office's client for `/api/staff/…` (docs/backoffice.md). Same fetch helper as the
 * customer's app; the `staff_sid` cookie is HttpOnly and sent by the browser. A request that finds
 * no staff session (`401 unauthorized`) also tells the staff app, which goes to the login page.
 */
import { ApiError, type Application, request } from '../../lib/api';
import type { TicketCategory, TicketStatus } from '../../lib/tickets';
import { uploadAll } from '../../lib/upload';

export type Role = 'support' | 'underwriter' | 'collections' | 'admin' | 'compliance';
export const ROLES: readonly Role[] = ['support', 'underwriter', 'collections', 'admin', 'compliance'];

export type StaffMe = { id: string; email: string; fullName: string; roles: Role[]; mustChangePassword: boolean };
export type Enrollment = { secret: string; otpauthUrl: string };
export type LoginReply = { next: 'totp' } | { next: 'enroll'; enrollment: Enrollment };

export type StaffUser = {
  id: string;
  email: string;
  fullName: string;
  roles: Role[];
  disabled: boolean;
  totpEnrolled: boolean;
  createdAt: string;
};
export type CreatedUser = { user: StaffUser; temporaryPassword: string };

export type ReviewItem = {
  id: string;
  customerId: string;
  status?: string;
  createdAt: string;
  submittedAt: string | null;
  productCode: string;
  amountRubles: number;
  term: number;
  reasons: string[];
};
export type CheckOutcome = 'pass' | 'fail' | 'refer' | 'error';
export type Check = { name: string; outcome: CheckOutcome; details: Record<string, unknown> | null; attempt?: number; at?: string };
export type ReviewDetail = ReviewItem & {
  decidedAt?: string | null;
  decidedBy?: { id: string; email: string; fullName: string } | null;
  offerAmountRubles?: number | null;
  reapplyAfter?: string | null;
  checks: Check[];
  pdnPercent: number | null;
  monthlyIncomeRubles: number | null;
  applicant: { fullName: string | null; birthDate: string | null; passport: string | null; phone: string };
  maxAmountRubles: number;
  minAmountRubles?: number;
  amountStepRubles?: number;
  /** A car loan's car; null (or absent from an older server) for other products. */
  vehicle?: StaffVehicle | null;
};
export type DecisionBody = { decision: 'approve'; amountRubles: number; comment: string; valuationRubles?: number } | { decision: 'decline'; comment: string };

/** `deleted`: only for a deleted customer — no personal data then, held records are for compliance. */
export type DeletedNotice = { deletedAt: string; heldUntil: string | null };
export type CustomerSummary = { id: string; phoneMasked: string; fullName: string | null; createdAt: string; deleted?: DeletedNotice };
export type PersonField = 'passport' | 'inn' | 'phone' | 'address' | 'email';
/** The ПТС and СТС numbers of a car (with the car application's id). */
export type VehicleField = 'pts' | 'sts';
export type RevealField = PersonField | VehicleField;
/** The personal fields of the card, in its order. */
export const REVEAL_FIELDS: readonly PersonField[] = ['phone', 'passport', 'inn', 'address', 'email'];

/** The car of a car application (issue 10): ПТС and СТС masked, photos through the staff route (audited). */
export type StaffVehiclePhoto = { id: string; kind: string; contentType: string; sizeBytes: number; uploadedAt: string; url: string };
export type PledgeStatus = 'registering' | 'registered' | 'releasing' | 'released' | 'cancelled';
export type VehiclePledge = {
  loanId: string;
  status: PledgeStatus;
  noticeNumber: string | null;
  registeredAt: string | null;
  endedOn: string | null;
  releaseDueOn: string | null;
  releaseNumber: string | null;
  releasedAt: string | null;
  registerAttempts: number;
  releaseAttempts: number;
  lastError: string | null;
  overdue: boolean;
  workingDaysLate: number;
  daysLate: number;
};
export type StaffVehicle = {
  applicationId: string;
  vin: string;
  make: string;
  model: string;
  year: number;
  mileageKm: number;
  plate: string;
  ptsNumberMasked: string;
  stsNumberMasked: string;
  valuation: { valueKopecks: number; source: string | null; valuedAt: string | null; sharePercent: number | null } | null;
  pledge: VehiclePledge | null;
  photos: StaffVehiclePhoto[];
};

/** `GET /api/staff/pledges`: a pledge with its customer and car; the release's timing as of `date`. */
export type PledgeState = 'overdue' | 'releasing' | 'all';
export type PledgeItem = Omit<VehiclePledge, 'registeredAt'> & {
  loanNumber: string;
  applicationId: string;
  customerId: string;
  fullName: string | null;
  phoneMasked: string;
  customerDeleted: boolean;
  vin: string;
  plate: string | null;
  make: string | null;
  model: string | null;
  updatedAt: string;
};
export type PledgePage = { date: string; items: PledgeItem[]; nextBefore: string | null };

/**
 * The card's lists. The contract names their fields only for loans and consents; the rest are read
 * leniently (see `pick` in format.ts), so a renamed field shows as «—» rather than breaking the page.
 */
export type CardApplication = Record<string, unknown> & { id: string };
export type CardLoan = { id: string; number: string; status: string; principalKopecks: number; debtKopecks: number; dueDate: string | null };
export type CardPayment = Record<string, unknown> & { id: string };
/** As in the inbox: the assignee comes named, `{id, fullName}`, or null. */
export type CardTicket = Record<string, unknown> & { id: string; assignedTo?: { id: string; fullName: string } | null };
export type CardConsent = { kind: string; grantedAt: string; withdrawnAt: string | null };
export type CardOperation = Record<string, unknown> & { id: string };
export type CustomerCard = CustomerSummary & {
  applications: CardApplication[];
  loans: CardLoan[];
  payments: CardPayment[];
  tickets: CardTicket[];
  consents: CardConsent[];
  history: CardOperation[];
  /** The cars of car applications (absent from an older server). */
  vehicles?: StaffVehicle[];
} & Record<string, unknown>;

export type TicketMessage = {
  id: string;
  author: 'customer' | 'staff';
  body: string;
  createdAt: string;
  /** The colleague's full name on staff messages. */
  authorName?: string | null;
  staffId?: string | null;
  attachments?: { id: string; name: string; mimeType: string; size: number }[];
};
export type StaffTicket = {
  id: string;
  /** Null for a request from the public «Не приходит SMS» form. */
  customerId: string | null;
  source?: 'cabinet' | 'public';
  customerPhoneMasked?: string;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  /** Who has it: the server names them (the PATCH body takes a plain id). */
  assignedTo: { id: string; fullName: string } | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt?: string;
  messagesCount?: number;
  customer?: { id: string; phoneMasked?: string } | null;
  /** A public request: the phone and contact to call back, and the customer with that phone if any. */
  publicRequest?: { phone: string; contact: string | null; matchedCustomerId: string | null } | null;
  /** The last day of the answer (15 working days); late or close only while it waits for us. */
  dueDate?: string;
  overdue?: boolean;
  dueSoon?: boolean;
  messages?: TicketMessage[];
};
export type TicketPage = { items: StaffTicket[]; nextBefore: string | null };
export type TicketFilters = {
  status?: string | undefined;
  category?: string | undefined;
  assignedTo?: string | undefined;
  before?: string | undefined;
  /** `due`: the earliest due date first. */
  sort?: 'due' | undefined;
};

export type AuditRecord = {
  id: string;
  seq: number;
  at: string;
  actorType: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  reason: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
};
export type AuditPage = { items: AuditRecord[]; nextBefore: string | number | null };
export type AuditFilters = { actor?: string | undefined; entity?: string | undefined; action?: string | undefined };

export type Dashboard = {
  date: string;
  applications: { submitted: number; approved: number; declined: number; manualReview: number };
  approvalRatePercent: number | null;
  disbursedKopecks: number;
  repaidKopecks: number;
  overdue: { loans: number; debtKopecks: number };
  openTickets: number;
  /** Pledge releases not filed yet, and those past the deadline (absent from an older server). */
  pledgeReleases?: { releasing: number; overdue: number };
};

/** `GET /api/staff/deletion-requests`: an account deletion request with the live debt check. */
export type DeletionStatus = 'pending' | 'confirmed' | 'refused';
export type DeletionRequest = {
  id: string;
  customerId: string;
  phoneMasked: string;
  status: DeletionStatus;
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: { id: string; fullName: string } | null;
  comment: string | null;
  ticketId: string;
  debtCheck: { clear: boolean; reasons: string[]; debtKopecks: number };
};

/** Compliance (`/api/staff/retention`, `/api/staff/deletion-acts`): deleted accounts' holds and acts. */
export type CategoryCount = { category: string; rows: number };
export type HoldStatus = 'awaiting_destruction' | 'held' | 'purged';
export type RetentionHold = {
  customerId: string;
  deletionRequestId: string;
  status: HoldStatus;
  deletedAt: string;
  destroyAfter: string;
  destroyBy: string;
  destroyedAt: string | null;
  relationshipEnd: string;
  purgeAfter: string;
  purgedAt: string | null;
  held: CategoryCount[] | null;
};
export type DeletionAct = {
  id: string;
  customerId: string;
  kind: 'destruction' | 'purge';
  performedAt: string;
  jobId: string;
  categories: CategoryCount[];
  auditIds: string[];
};
export type HeldRecords = {
  hold: RetentionHold;
  applications: {
    id: string;
    status: string;
    productCode: string;
    amountRubles: number;
    createdAt: string;
    submittedAt: string | null;
    decidedAt: string | null;
    identity: { fullName: string | null; birthDate: string | null; passportMasked: string | null } | null;
  }[];
  loans: { id: string; number: string; status: string; productCode: string; amountKopecks: number; totalKopecks: number; contractDate: string; closedAt: string | null }[];
  payments: { id: string; loanId: string; status: string; method: string; amountKopecks: number; createdAt: string; paidAt: string | null }[];
  signatures: { loanId: string; signedAt: string; documentSha256: string; agreementVersion: string; phoneMasked: string | null; documentKept: boolean; purgedAt: string | null }[];
  consents: { kind: string; documentVersion: string; applicationId: string | null; grantedAt: string; withdrawnAt: string | null }[];
  tickets: { id: string; category: string; subject: string; status: string; createdAt: string; messages: number }[];
  acts: DeletionAct[];
};

/** Rows of the loans workspace: the contract names the routes, not the fields; read leniently. */
export type WorkRow = Record<string, unknown>;

type Method = 'GET' | 'POST' | 'PATCH';

type SessionHandlers = {
  /** No session any more (idle 15 min, ended elsewhere, roles changed): to the login. */
  lost: () => void;
  /** The password is still the temporary one: to the password change. */
  passwordRequired: () => void;
};

let handlers: SessionHandlers | null = null;

/** The staff app's reaction to a request refused because of the session itself. */
export const setSessionHandlers = (next: SessionHandlers | null): void => {
  handlers = next;
};

const call = async <T>(method: Method, path: string, body?: unknown): Promise<T> => {
  try {
    return await request<T>(method, path, body);
  } catch (error) {
    // Only «no session»: a wrong current password is a 401 too, and it is the form's business.
    if (error instanceof ApiError && error.status === 401 && error.code === 'unauthorized') handlers?.lost();
    if (error instanceof ApiError && error.code === 'password_change_required') handlers?.passwordRequired();
    throw error;
  }
};

const id = (value: string) => encodeURIComponent(value);

const query = (params: Record<string, string | number | null | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

export const staffApi = {
  // The login steps never count as a lost session: there is none yet.
  login: (email: string, password: string) => request<LoginReply>('POST', '/api/staff/auth/login', { email, password }),
  totp: (code: string) => request<StaffMe>('POST', '/api/staff/auth/totp', { code }),
  logout: () => request<void>('POST', '/api/staff/auth/logout', {}),
  me: () => request<StaffMe>('GET', '/api/staff/me'),
  changePassword: (currentPassword: string, newPassword: string) =>
    call<void>('POST', '/api/staff/me/password', { currentPassword, newPassword }),

  dashboard: () => call<Dashboard>('GET', '/api/staff/dashboard'),

  users: () => call<{ items: StaffUser[] } | StaffUser[]>('GET', '/api/staff/users').then(itemsOf),
  createUser: (body: { email: string; fullName: string; roles: Role[] }) => call<CreatedUser>('POST', '/api/staff/users', body),
  updateUser: (userId: string, patch: { roles?: Role[]; disabled?: boolean }) => call<StaffUser>('PATCH', `/api/staff/users/${id(userId)}`, patch),
  /** A lost phone or password: a new temporary password, the authenticator enrolled again. */
  resetUser: (userId: string) => call<{ temporaryPassword: string }>('POST', `/api/staff/users/${id(userId)}/reset`, {}),

  reviewQueue: () => call<{ items: ReviewItem[] }>('GET', '/api/staff/applications').then(itemsOf),
  reviewDetail: (applicationId: string) => call<ReviewDetail>('GET', `/api/staff/applications/${id(applicationId)}`),
  decide: (applicationId: string, body: DecisionBody) =>
    call<Application>('POST', `/api/staff/applications/${id(applicationId)}/decision`, body),

  searchCustomers: (text: string) => call<{ items: CustomerSummary[] }>('GET', `/api/staff/customers${query({ query: text })}`).then(itemsOf),
  customer: (customerId: string) => call<CustomerCard>('GET', `/api/staff/customers/${id(customerId)}`),
  /** `applicationId`: for the ПТС and СТС numbers, which car. */
  reveal: (customerId: string, field: RevealField, reason: string, applicationId?: string) =>
    call<{ field: RevealField; value: string | null }>('POST', `/api/staff/customers/${id(customerId)}/reveal`, {
      field,
      reason,
      ...(applicationId ? { applicationId } : {}),
    }),

  tickets: (filters: TicketFilters) => call<TicketPage>('GET', `/api/staff/tickets${query(filters)}`),
  ticket: (ticketId: string) => call<StaffTicket>('GET', `/api/staff/tickets/${id(ticketId)}`),
  reply: (ticketId: string, body: string) => call<StaffTicket>('POST', `/api/staff/tickets/${id(ticketId)}/replies`, { body }),
  /** Files for the member's own reply, one by one; returns those that failed. */
  attach: (ticketId: string, messageId: string, files: readonly File[], onProgress: (done: number) => void) =>
    uploadAll(() => `/api/staff/tickets/${id(ticketId)}/attachments?messageId=${id(messageId)}`, files, onProgress),
  /**
   * The ticket as it is after the change, with its messages. `assignedTo` is sent as a plain staff
   * id (or null to unassign) and comes back as `{id, fullName}`.
   */
  updateTicket: (ticketId: string, patch: { status?: Exclude<TicketStatus, 'new'>; assignedTo?: string | null }) =>
    call<StaffTicket>('PATCH', `/api/staff/tickets/${id(ticketId)}`, patch),

  overdueLoans: () => call<{ items: WorkRow[] }>('GET', '/api/staff/loans/overdue').then(itemsOf),
  pendingPayments: () => call<{ items: WorkRow[] }>('GET', '/api/staff/payments/pending').then(itemsOf),
  failedPayouts: () => call<{ items: WorkRow[] }>('GET', '/api/staff/payouts/failed').then(itemsOf),
  retryPayout: (loanId: string) => call<unknown>('POST', `/api/staff/payouts/${id(loanId)}/retry`, {}),

  pledges: (state: PledgeState, before?: string | null) => call<PledgePage>('GET', `/api/staff/pledges${query({ state, before })}`),

  deletionRequests: (status: DeletionStatus) =>
    call<{ items: DeletionRequest[] }>('GET', `/api/staff/deletion-requests${query({ status })}`).then(itemsOf),
  confirmDeletion: (requestId: string) => call<DeletionRequest>('POST', `/api/staff/deletion-requests/${id(requestId)}/confirm`, {}),
  refuseDeletion: (requestId: string, comment: string) =>
    call<DeletionRequest>('POST', `/api/staff/deletion-requests/${id(requestId)}/refuse`, { comment }),

  retention: (phone?: string) => call<{ items: RetentionHold[] }>('GET', `/api/staff/retention${query({ phone })}`).then(itemsOf),
  heldRecords: (customerId: string) => call<HeldRecords>('GET', `/api/staff/retention/${id(customerId)}`),
  deletionActs: (customerId?: string) => call<{ items: DeletionAct[] }>('GET', `/api/staff/deletion-acts${query({ customerId })}`).then(itemsOf),

  audit: (filters: AuditFilters & { before?: string | number | null | undefined }) =>
    call<AuditPage>('GET', `/api/staff/audit${query(filters)}`),
};

/** `{items: […]}` as the contract has it (a bare array is taken too). */
function itemsOf<T>(reply: { items: T[] } | T[]): T[] {
  return Array.isArray(reply) ? reply : (reply.items ?? []);
}

/** The signed-in staff member, or null without a staff session; other failures are thrown. */
export const fetchStaffMe = async (): Promise<StaffMe | null> => {
  try {
    return await staffApi.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
};
