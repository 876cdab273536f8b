/**
 * The only place that talks to the server. Same origin, JSON both ways; cookies are HttpOnly, so the
 * browser sends them and we never see them.
 *
 * Every failure becomes an `ApiError` with a stable `code` to branch on and a Russian `message` to
 * show: the server's own message when it sent one, ours for network failures and bare 5xx bodies.
 */

import type { BusinessDate } from '../../core/dates';
import type { OperationType } from '../../core/operations';
import type { Product } from '../../core/pricing/products';
import type { Quote } from '../../core/pricing/quote';
import type { LegalRules } from '../../core/pricing/rules';
import type { PartialQuestionnaire } from '../../core/questionnaire';
import type { VehicleInput } from '../../core/vehicle/documents';

export const NETWORK_ERROR_MESSAGE =
  'Нет связи с сервером. Проверьте подключение к интернету и попробуйте ещё раз.';
export const GENERIC_ERROR_MESSAGE = 'Что-то пошло не так. Попробуйте ещё раз через минуту.';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** Stable error code from the server (`otp_invalid`, `too_many_requests`, ...), or `network` / `internal`. */
    readonly code: string,
    message: string,
    readonly retryAfterSec?: number,
    readonly fields?: Record<string, string>,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type ErrorBody = {
  error?: unknown;
  requestId?: unknown;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An error reply as an `ApiError` (also for the file uploads, which are not JSON requests). */
export const toApiError = (status: number, body: unknown, retryAfterHeader: string | null): ApiError => {
  const envelope: ErrorBody = isRecord(body) ? body : {};
  const requestId = typeof envelope.requestId === 'string' ? envelope.requestId : undefined;
  const error = isRecord(envelope.error) ? envelope.error : {};
  // A 5xx body may be `{ "error": "internal", "requestId": "..." }` with no message for the user.
  const code =
    typeof error.code === 'string'
      ? error.code
      : typeof envelope.error === 'string'
        ? envelope.error
        : status >= 500
          ? 'internal'
          : `http_${status}`;
  const message =
    typeof error.message === 'string' && error.message.trim() !== ''
      ? error.message
      : GENERIC_ERROR_MESSAGE;
  const headerRetry = retryAfterHeader === null ? Number.NaN : Number(retryAfterHeader);
  const retryAfterSec =
    typeof error.retryAfterSec === 'number' && Number.isFinite(error.retryAfterSec)
      ? error.retryAfterSec
      : Number.isFinite(headerRetry)
        ? headerRetry
        : undefined;
  const fields = isRecord(error.fields)
    ? Object.fromEntries(
        Object.entries(error.fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : undefined;
  return new ApiError(status, code, message, retryAfterSec, fields, requestId);
};

/** One JSON request to our API; the staff and support clients (their own chunks) call it too. */
export const request = async <T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  path: string,
  body?: unknown,
  extraHeaders?: Record<string, string>,
): Promise<T> => {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...extraHeaders },
  };
  if (method !== 'GET') {
    // The server refuses mutations that are not JSON (CSRF defence, SECURITY.md WEB-4).
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json', ...extraHeaders };
    init.body = JSON.stringify(body ?? {});
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', NETWORK_ERROR_MESSAGE);
  }

  const text = await response.text().catch(() => '');
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) throw toApiError(response.status, parsed, response.headers.get('Retry-After'));
  return parsed as T;
};

export type ClientConfig = { devSms: boolean };
export type OtpSent = { resendAfterSec: number; expiresInSec: number };
export type Verified = { phone: string };
export type Me = { id: string; phone: string; createdAt: string };
export type DevSms = { to: string; text: string; sentAt: string };

export type PskRange = { minPercent: number; maxPercent: number };
/** `GET /api/pricing`: the catalogue and rules the server prices with, on its business date. */
export type Pricing = {
  today: BusinessDate;
  products: Product[];
  rules: LegalRules;
  pskRanges: Record<string, PskRange>;
};
export type SavedLoanChoice = { product: string; amount: number; term: number; savedAt: string };
/** `quote` is null when the saved choice no longer prices today (the catalogue changed). */
export type LoanChoiceReply = { choice: null } | { choice: SavedLoanChoice; quote: Quote | null };

export type ApplicationStatus = 'draft' | 'scoring' | 'approved' | 'declined' | 'manual_review' | 'signed';
export type ConsentKind = 'personal_data' | 'credit_history' | 'simple_signature' | 'marketing';
export type ConsentDocument = { kind: ConsentKind; title: string; required: boolean; version: string; text: string };
export type GrantedConsent = { kind: ConsentKind; version: string; grantedAt: string; current: boolean };
export type Offer = { product: string; amount: number; term: number; quote: Quote | null };
/** A loan application as its owner sees it (after submit the passport number and ИНН come masked). */
export type Application = {
  id: string;
  status: ApplicationStatus;
  product: string;
  amount: number;
  term: number;
  createdAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
  questionnaire: PartialQuestionnaire;
  /** Paths of required fields still empty (drafts only). */
  missing: string[];
  consents: GrantedConsent[];
  offer: Offer | null;
  /** After a decline: the first day a new application is possible. */
  reapplyAfter: string | null;
  pdnWarningRequired: boolean;
  /** The personal rate (loyalty level, promotion, promo code) and why; null: the product's own rate. */
  pricing?: ApplicationPricing | null;
  /** Products secured by a car: whether the vehicle step is done; null (or absent) for other products. */
  vehicle?: VehicleStep | null;
  /** An approved car loan: the car's valuation and the share of it the loan may be (absent before the server sends it). */
  collateral?: Collateral | null;
};

/** The vehicle step as the application view reports it: `missing` holds 'vehicle' and 'photos.<kind>'. */
export type VehicleStep = { complete: boolean; missing: string[] };
export type Collateral = { valuationKopecks: number; sharePercent: number };

export const VEHICLE_PHOTO_KINDS = ['front', 'back', 'left', 'right', 'odometer', 'vin_plate', 'pts_page'] as const;
export type VehiclePhotoKind = (typeof VEHICLE_PHOTO_KINDS)[number];
/** What `PUT /api/applications/:id/vehicle` takes: the core's own type. */
export type { VehicleInput };
export type VehiclePhoto = {
  id: string;
  kind: VehiclePhotoKind;
  contentType: string;
  sizeBytes: number;
  uploadedAt: string;
  /** The photo's bytes (the customer's own session only): a thumbnail's `src`. */
  url: string;
};
/** The car of an application: VIN and plate normalised, the ПТС and СТС numbers masked (`******3456`). */
export type Vehicle = VehicleInput & {
  applicationId: string;
  updatedAt: string;
  photos: VehiclePhoto[];
  complete: boolean;
  missing: string[];
};
export type ApplicationPricing = {
  rate: { ppm: number; per: 'day' | 'month'; percent: number };
  productRate: { ppm: number; per: 'day' | 'month'; percent: number };
  ratePerDay: number;
  source: 'product' | 'level' | 'promotion';
  discounted: boolean;
  level: { code: string; name: string };
  discountPercent: number;
  promotion: { id: string; name: string } | null;
  promoCode: { code: string; status: 'applied' | 'unknown' | 'disabled' | 'used_up' | 'not_applicable' | 'not_better'; message: string } | null;
  /** «Ставка 0,76 % в день вместо 0,8 % — уровень «Серебро»», or null. */
  note: string | null;
};
export type LoanFields = { product: string; amount: number; term: number };
/** What `PATCH /api/applications/:id` takes: any part of the questionnaire and of the loan. */
export type ApplicationPatch = PartialQuestionnaire & Partial<LoanFields>;

export type PayoutType = 'cash' | 'sbp' | 'card' | 'wallet';
export type Bank = { id: string; name: string };
/**
 * `POST /api/applications/:id/payout-method`: the bank list (СБП), the acquirer's card page to go to
 * (card), or ready to sign (cash, СБП with the bank, wallet).
 */
export type PayoutChoice = {
  type: PayoutType;
  next: 'sign' | 'choose_bank' | 'card_page';
  banks?: Bank[];
  bank?: string;
  recipientName?: string;
  hostedPageUrl?: string;
  walletMasked?: string;
};
export type PayoutMethodBody = { type: PayoutType; bankId?: string; walletNumber?: string };
/** A card goes `awaiting_card` (acquirer's page) → `awaiting_hold` (amount to confirm) → `ready`. */
export type PayoutMethodState = 'awaiting_card' | 'awaiting_hold' | 'ready';
/** The chosen payout method; `problem` says why a card cannot go on (the bank declined it). */
export type PayoutMethod = {
  type: PayoutType;
  state: PayoutMethodState;
  bank?: string;
  maskedPan?: string;
  walletMasked?: string;
  problem?: string;
};
/** `GET /api/applications/:id/payout-method`: what can be chosen and what was. */
export type PayoutMethods = { available: PayoutType[]; method: PayoutMethod | null };
export type ContractKeyFacts = {
  amountKopecks: number;
  pskPercent: number;
  pskKopecks: number;
  totalKopecks: number;
  returnDate: string;
};
/** The individual terms exactly as they would be signed now. */
export type Contract = {
  number: string;
  sha256: string;
  text: string;
  keyFacts: ContractKeyFacts;
  coolingOffHours: number;
  pdnWarningRequired: boolean;
};
export type Signed = { loanId: string; payoutAt: string };
export type LoanStatus = 'cooling_off' | 'disbursing' | 'active' | 'refused' | 'payout_failed' | 'closed';
export type ScheduleStatus = 'paid' | 'upcoming' | 'overdue' | 'partly_paid';
export type ScheduleLine = { date: string; principalKopecks: number; interestKopecks: number; totalKopecks: number; status: ScheduleStatus };
/** What is owed today, by the legal order's parts. */
export type Debt = { principalKopecks: number; interestKopecks: number; penaltyKopecks: number; totalKopecks: number };
/**
 * Where the loan's cost stands: what closes it today, on the due date (null once passed), and the
 * most it can ever cost by law (null when no cap applies, and once the loan is not active).
 */
export type CostMeter = {
  payTodayKopecks: number;
  payByDueDateKopecks: number | null;
  legalMaximumKopecks: number | null;
  capKopecks: number | null;
  chargedKopecks: number;
};
export type Loan = {
  id: string;
  status: LoanStatus;
  product: string;
  amountKopecks: number;
  totalKopecks: number;
  pskPercent: number;
  contractDate: string;
  returnDate: string;
  payoutType: string;
  payoutAt: string;
  signedAt: string;
  activatedAt: string | null;
  refusedAt: string | null;
  canRefuse: boolean;
  cashCode: string | null;
  schedule: ScheduleLine[];
  closedAt: string | null;
  debt: Debt;
  /** The due date now (prolongations move it; `returnDate` stays the contract's). */
  dueDate: string;
  /** Days until the due date; negative: days overdue. */
  daysLeft: number;
  overdue: boolean;
  costMeter: CostMeter;
  /** Paid above the debt and held for the customer. */
  overpaymentKopecks: number;
  prolongations: { used: number; left: number };
  /** A loan secured by a car: its pledge in the notaries' registry; null (or absent) otherwise. */
  pledge?: Pledge | null;
};

export type PledgeStatus = 'registering' | 'registered' | 'releasing' | 'released' | 'cancelled';
/** Where the notice excluding the pledge stands: the law gives 3 working days after repayment. */
export type PledgeReleaseProgress = 'due' | 'overdue' | 'filed_on_time' | 'filed_late';
export type PledgeRelease = {
  /** The day the loan was repaid (YYYY-MM-DD). */
  endedOn: string;
  /** The last day to file the release notice: the 3rd working day after `endedOn`. */
  dueOn: string;
  progress: PledgeReleaseProgress;
  workingDaysLeft: number;
  releaseNumber: string | null;
  releasedAt: string | null;
};
export type Pledge = {
  status: PledgeStatus;
  vehicle: { make: string; model: string; year: number; plate: string };
  noticeNumber: string | null;
  registeredAt: string | null;
  release: PledgeRelease | null;
};

export type PaymentMethod = 'card' | 'sbp';
export type PaymentStatus = 'created' | 'pending' | 'succeeded' | 'canceled';
export type PaymentStarted = { paymentId: string; status: PaymentStatus; confirmationUrl: string | null; amountKopecks: number };
/** What a credited payment paid, in the legal order. */
export type Allocation = { interestKopecks: number; principalKopecks: number; penaltyKopecks: number; overpaymentKopecks: number };
export type Payment = {
  id: string;
  loanId: string;
  status: PaymentStatus;
  amountKopecks: number;
  method: PaymentMethod;
  createdAt: string;
  paidAt: string | null;
  /** The acquirer's page while the payment can still be paid. */
  confirmationUrl: string | null;
  allocation: Allocation | null;
};
/** A prolongation by `days`: the addendum to sign and the interest to pay for it. */
export type ProlongationOffer = {
  days: number;
  sequence: number;
  /** Prolongations still possible before this one (of 5). */
  remaining: number;
  newDueDate: string;
  interestKopecks: number;
  /** Bonus points paying part of the interest (1 point = 1 ₽) and what is left for the card. */
  bonusPoints: number;
  bonusKopecks: number;
  cardKopecks: number;
  text: string;
  sha256: string;
};
export type ProlongationSigned = {
  addendumId: string;
  paymentId: string;
  status: PaymentStatus;
  confirmationUrl: string | null;
  newDueDate: string;
};
export type HistoryType = OperationType;
export type HistoryItem = {
  id: string;
  at: string;
  type: HistoryType;
  title: string;
  amountKopecks: number | null;
  status: string | null;
  loanId: string | null;
};
export type HistoryPage = { items: HistoryItem[]; nextCursor: string | null };
/** The history's filters: a type and a period of Moscow dates (YYYY-MM-DD), each optional. */
export type HistoryFilters = { type?: HistoryType | undefined; from?: string | undefined; to?: string | undefined };

/** `?type=…&from=…` with only the filters that are set (empty string when none). */
export const historyQuery = (filters: HistoryFilters & { cursor?: string | undefined }): string => {
  const query = new URLSearchParams();
  for (const key of ['type', 'from', 'to', 'cursor'] as const) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
};

let clientConfig: Promise<ClientConfig> | undefined;
let consentDocuments: Promise<ConsentDocument[]> | undefined;
let pricing: Promise<Pricing> | undefined;

export const api = {
  /** Cached for the page's lifetime; a failure is not cached, so the next call retries. */
  clientConfig: (): Promise<ClientConfig> => {
    clientConfig ??= request<ClientConfig>('GET', '/api/client-config').catch((error: unknown) => {
      clientConfig = undefined;
      throw error;
    });
    return clientConfig;
  },
  /** Cached like the client config: the catalogue does not change while a page is open. */
  pricing: (): Promise<Pricing> => {
    pricing ??= request<Pricing>('GET', '/api/pricing').catch((error: unknown) => {
      pricing = undefined;
      throw error;
    });
    return pricing;
  },
  saveLoanChoice: (choice: { product: string; amount: number; term: number }) =>
    request<{ choice: SavedLoanChoice; quote: Quote }>('PUT', '/api/cabinet/loan-choice', choice),
  loanChoice: () => request<LoanChoiceReply>('GET', '/api/cabinet/loan-choice'),
  requestOtp: (phone: string) => request<OtpSent>('POST', '/api/auth/otp', { phone }),
  verifyOtp: (phone: string, code: string) => request<Verified>('POST', '/api/auth/verify', { phone, code }),
  logout: () => request<void>('POST', '/api/auth/logout', {}),
  me: () => request<Me>('GET', '/api/me'),
  /** Cached like the catalogue: a document's text changes only with a deploy. */
  consentDocuments: (): Promise<ConsentDocument[]> => {
    consentDocuments ??= request<ConsentDocument[]>('GET', '/api/consent-documents').catch((error: unknown) => {
      consentDocuments = undefined;
      throw error;
    });
    return consentDocuments;
  },
  startApplication: (loan: LoanFields) => request<Application>('POST', '/api/applications', loan),
  applications: () => request<Application[]>('GET', '/api/applications'),
  application: (id: string) => request<Application>('GET', `/api/applications/${encodeURIComponent(id)}`),
  updateApplication: (id: string, patch: ApplicationPatch) =>
    request<Application>('PATCH', `/api/applications/${encodeURIComponent(id)}`, patch),
  grantConsents: (id: string, kinds: ConsentKind[]) =>
    request<Application>('POST', `/api/applications/${encodeURIComponent(id)}/consents`, { kinds }),
  /** The car of a car application; a 404 `ApiError` while none was saved. */
  vehicle: (id: string) => request<Vehicle>('GET', `/api/applications/${encodeURIComponent(id)}/vehicle`),
  saveVehicle: (id: string, vehicle: VehicleInput) => request<Vehicle>('PUT', `/api/applications/${encodeURIComponent(id)}/vehicle`, vehicle),
  submitApplication: (id: string) => request<Application>('POST', `/api/applications/${encodeURIComponent(id)}/submit`, {}),
  payoutMethods: (id: string) => request<PayoutMethods>('GET', `/api/applications/${encodeURIComponent(id)}/payout-method`),
  choosePayoutMethod: (id: string, body: PayoutMethodBody) =>
    request<PayoutChoice>('POST', `/api/applications/${encodeURIComponent(id)}/payout-method`, body),
  /** The amount held on the card, in rubles as typed («7,43»). */
  confirmCard: (id: string, amount: string) =>
    request<PayoutMethod & { next: 'sign' }>('POST', `/api/applications/${encodeURIComponent(id)}/payout-method/card/confirm`, { amount }),
  contract: (id: string) => request<Contract>('GET', `/api/applications/${encodeURIComponent(id)}/contract`),
  requestSigningCode: (id: string) => request<OtpSent>('POST', `/api/applications/${encodeURIComponent(id)}/sign/otp`, {}),
  sign: (id: string, code: string) => request<Signed>('POST', `/api/applications/${encodeURIComponent(id)}/sign`, { code }),
  loans: () => request<Loan[]>('GET', '/api/loans'),
  loan: (id: string) => request<Loan>('GET', `/api/loans/${encodeURIComponent(id)}`),
  refuseLoan: (id: string) => request<Loan>('POST', `/api/loans/${encodeURIComponent(id)}/refuse`, {}),
  /** Starts a repayment; the same `idempotencyKey` with the same body gives the same payment. */
  startPayment: (loanId: string, idempotencyKey: string, body: { amountKopecks: number; method: PaymentMethod }) =>
    request<PaymentStarted>('POST', `/api/loans/${encodeURIComponent(loanId)}/payments`, body, { 'Idempotency-Key': idempotencyKey }),
  payment: (id: string) => request<Payment>('GET', `/api/payments/${encodeURIComponent(id)}`),
  loanPayments: (loanId: string) => request<Payment[]>('GET', `/api/loans/${encodeURIComponent(loanId)}/payments`),
  prolongationOffer: (loanId: string, days: number, bonusPoints = 0) =>
    request<ProlongationOffer>('GET', `/api/loans/${encodeURIComponent(loanId)}/prolongation?days=${days}${bonusPoints > 0 ? `&bonusPoints=${bonusPoints}` : ''}`),
  requestProlongationCode: (loanId: string, days: number, bonusPoints = 0) =>
    request<OtpSent>('POST', `/api/loans/${encodeURIComponent(loanId)}/prolongation/otp`, bonusPoints > 0 ? { days, bonusPoints } : { days }),
  signProlongation: (loanId: string, days: number, code: string, bonusPoints = 0) =>
    request<ProlongationSigned>('POST', `/api/loans/${encodeURIComponent(loanId)}/prolongation`, bonusPoints > 0 ? { days, code, bonusPoints } : { days, code }),
  history: (filters: HistoryFilters & { cursor?: string | undefined }) => request<HistoryPage>('GET', `/api/history${historyQuery(filters)}`),
  devSms: (phone?: string) =>
    request<DevSms[]>('GET', phone ? `/api/dev/sms?phone=${encodeURIComponent(phone)}` : '/api/dev/sms'),
};

/** The signed-in customer, or null without a session; other failures are thrown. */
export const fetchMe = async (): Promise<Me | null> => {
  try {
    return await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
};

/** Where a photo of the car is uploaded (the raw bytes as the body, see upload.ts). */
export const vehiclePhotoUploadUrl = (applicationId: string, kind: VehiclePhotoKind): string =>
  `/api/applications/${encodeURIComponent(applicationId)}/vehicle/photos?kind=${kind}`;

/** The signed contract as a PDF (opened by the browser, not fetched by the app). */
export const loanContractPdfUrl = (id: string): string => `/api/loans/${encodeURIComponent(id)}/contract.pdf`;

/** A payment's receipt (succeeded payments only). */
export const receiptPdfUrl = (paymentId: string): string => `/api/payments/${encodeURIComponent(paymentId)}/receipt.pdf`;

/** The certificate that the loan is repaid (справка о погашении), once it is closed. */
export const closingCertificatePdfUrl = (loanId: string): string => `/api/loans/${encodeURIComponent(loanId)}/closing-certificate.pdf`;

/** The (filtered) history as a download. */
export const historyExportUrl = (format: 'csv' | 'pdf', filters: HistoryFilters): string =>
  `/api/history.${format}${historyQuery(filters)}`;

export const errorMessage = (error: unknown): string =>
  error instanceof ApiError ? error.message : GENERIC_ERROR_MESSAGE;

/** The server's message for one field, if that field was refused. */
export const fieldError = (error: unknown, field: string): string | undefined =>
  error instanceof ApiError ? error.fields?.[field] : undefined;

/** The refused field's message, else the error's own. */
export const fieldOrMessage = (error: unknown, field: string): string => fieldError(error, field) ?? errorMessage(error);
