import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely's view of the tables, written by hand to match `migrations/*.sql`. timestamptz comes back
 * as Date from both drivers; int8 as a safe JS number (see database.ts); bytea as a Uint8Array/Buffer.
 */

type Timestamp = ColumnType<Date, Date, Date>;
type Bytes = ColumnType<Uint8Array, Uint8Array, Uint8Array>;

export type CustomersTable = {
  id: string;
  /**
   * NULL only once the retention job destroyed a deleted customer's data (0018): the number is then
   * free for a new customer. Read as a string: live customers always have one, and the staff views
   * that can reach a destroyed customer (deletion requests, customer card) mask it — maskPhone turns
   * anything else into '***'.
   */
  phone: ColumnType<string, string, string | null>;
  created_at: Timestamp;
  /** Set when staff confirm the customer's deletion request: sessions revoked, login refused. */
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
};

export type DeletionRequestStatus = 'pending' | 'confirmed' | 'refused';

/** One per confirmed deletion (0018): the dated destruction task, then the retention hold. */
export type RetentionHoldsTable = {
  customer_id: string;
  deletion_request_id: string;
  deleted_at: Timestamp;
  destroy_after: Timestamp;
  destroy_by: Timestamp;
  destroyed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  relationship_end: Timestamp;
  purge_after: Timestamp;
  phone_hash: ColumnType<Uint8Array | null, Uint8Array, Uint8Array | null>;
  /** `[{category, rows}]` left on hold by the destruction; NULL before it. */
  held: ColumnType<unknown, string | null | undefined, string | null>;
  purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
};

export type DeletionActKind = 'destruction' | 'purge';

/** The act of one destruction or purge (0018): append-only. */
export type DeletionActsTable = {
  id: string;
  customer_id: string;
  kind: DeletionActKind;
  performed_at: Timestamp;
  job_id: string;
  /** `[{category, rows}]`. */
  categories: ColumnType<unknown, string, never>;
  /** audit_log ids. */
  audit_ids: ColumnType<unknown, string, never>;
};

export type DeletionRequestsTable = {
  id: string;
  customer_id: string;
  ticket_id: string;
  status: DeletionRequestStatus;
  requested_at: Timestamp;
  decided_at: Timestamp | null;
  decided_by: string | null;
  comment: string | null;
};

export type OtpPurpose = 'login' | 'sign_contract' | 'change_phone' | 'delete_account';
export type OtpStatus = 'active' | 'used' | 'dead' | 'replaced';

export type OtpChallengesTable = {
  id: string;
  phone: string;
  purpose: OtpPurpose;
  session_id: string | null;
  /** What a step-up code is for (for signing: application id and document hash). */
  subject: ColumnType<string | null, string | null | undefined, string | null>;
  code_hash: Bytes;
  status: OtpStatus;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  request_ip: string;
};

export type OtpSendLogTable = {
  id: Generated<number>;
  phone: string;
  phone_prefix: string;
  ip: string;
  sent_at: Timestamp;
};

export type PhoneAuthStateTable = {
  phone: string;
  failed_attempts: ColumnType<number, number | undefined, number>;
  cooldown_until: Timestamp | null;
  locked_at: Timestamp | null;
  updated_at: Timestamp;
};

export type SessionsTable = {
  id: string;
  token_hash: Bytes;
  customer_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string;
  user_agent: string;
};

export type SandboxSmsTable = {
  id: string;
  seq: Generated<number>;
  idempotency_key: string;
  to_phone: string;
  text_ciphertext: Bytes;
  sent_at: Timestamp;
};

export type SmsOutboxTable = {
  id: string;
  to_phone: string;
  text_ciphertext: Bytes;
  kind: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  provider_message_id: string | null;
  failed_at: Timestamp | null;
  last_error: string | null;
};

/** Outgoing email (0015): `{to, subject, text}` sealed as one JSON value, wiped once sent or refused. */
export type EmailOutboxTable = {
  id: string;
  message_ciphertext: Bytes;
  kind: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  provider_message_id: string | null;
  failed_at: Timestamp | null;
  last_error: string | null;
};

export type SandboxEmailTable = {
  id: string;
  seq: Generated<number>;
  idempotency_key: string;
  message_ciphertext: Bytes;
  sent_at: Timestamp;
};

/** A customer's email address; used for notices only once `confirmed_at` is set. */
export type CustomerEmailsTable = {
  customer_id: string;
  email_ct: Bytes;
  email_hash: Bytes;
  confirmed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type EmailConfirmationStatus = 'active' | 'used' | 'replaced';

export type EmailConfirmationsTable = {
  id: string;
  customer_id: string;
  email_hash: Bytes;
  token_hash: Bytes;
  status: EmailConfirmationStatus;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
};

export type LoanChoicesTable = {
  customer_id: string;
  product_code: string;
  amount_rubles: number;
  term: number;
  saved_at: Timestamp;
};

export type ApplicationStatus = 'draft' | 'scoring' | 'approved' | 'declined' | 'manual_review' | 'signed';
type Sealed = Bytes | null;

export type ApplicationsTable = {
  id: string;
  customer_id: string;
  status: ApplicationStatus;
  product_code: string;
  amount_rubles: number;
  term: number;
  pii_key_id: number;
  last_name_ct: Sealed;
  first_name_ct: Sealed;
  middle_name_ct: Sealed;
  birth_date_ct: Sealed;
  birth_place_ct: Sealed;
  passport_ct: Sealed;
  registration_address_ct: Sealed;
  actual_address_ct: Sealed;
  inn_ct: Sealed;
  email_ct: Sealed;
  employment_type: 'employed' | 'self_employed' | 'pensioner' | 'student' | 'unemployed' | null;
  employer_ct: Sealed;
  monthly_income_rubles: number | null;
  income_source: string | null;
  passport_hash: Bytes | null;
  inn_hash: Bytes | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  submitted_at: Timestamp | null;
  decided_at: Timestamp | null;
  offer_amount_rubles: number | null;
  offer_term: number | null;
  /** A business date, 'YYYY-MM-DD' both ways (see database.ts). */
  reapply_after: string | null;
  pdn_percent: ColumnType<string | null, number | null, number | null>;
  decision_reasons: ColumnType<unknown, string | null, string | null>;
  scoring_attempts: ColumnType<number, number | undefined, number>;
  /** The underwriter who decided a manual review; NULL for the robot. */
  decided_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Personal rate (0013, modules/loyalty); NULL: the product's own. */
  offer_rate_ppm: ColumnType<number | null, number | null | undefined, number | null>;
  offer_rate_per: ColumnType<'day' | 'month' | null, 'day' | 'month' | null | undefined, 'day' | 'month' | null>;
  pricing_basis: ColumnType<unknown, string | null | undefined, string | null>;
  promo_code: ColumnType<string | null, string | null | undefined, string | null>;
};

export type ConsentsTable = {
  id: string;
  customer_id: string;
  application_id: string | null;
  kind: 'personal_data' | 'credit_history' | 'simple_signature' | 'marketing';
  document_version: string;
  granted_at: Timestamp;
  ip: string;
  user_agent: string;
  withdrawn_at: Timestamp | null;
  /** Where a withdrawal came from (0017); set together with withdrawn_at. */
  withdrawn_ip: ColumnType<string | null, string | null | undefined, string | null>;
  withdrawn_user_agent: ColumnType<string | null, string | null | undefined, string | null>;
};

/** Browsers a customer logged in from (0017): only the SHA-256 of the device cookie is kept. */
export type CustomerDevicesTable = {
  id: string;
  customer_id: string;
  device_hash: Bytes;
  user_agent: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
};

export type ScoringChecksTable = {
  id: Generated<number>;
  application_id: string;
  attempt: number;
  check_name: string;
  outcome: 'pass' | 'fail' | 'refer' | 'error';
  details: ColumnType<unknown, string, string>;
  checked_at: Timestamp;
};

export type LedgerAccountsTable = {
  id: string;
  kind: string;
  owner_id: string | null;
  normal_side: 'debit' | 'credit';
  allow_negative: ColumnType<boolean, boolean | undefined, boolean>;
  balance_kopecks: ColumnType<number, number | undefined, number>;
};

export type LedgerTransactionsTable = {
  id: string;
  source: string;
  external_id: string;
  description: string;
  posted_at: Timestamp;
};

export type LedgerEntriesTable = {
  id: Generated<number>;
  transaction_id: string;
  account_id: string;
  debit_kopecks: ColumnType<number, number | undefined, number>;
  credit_kopecks: ColumnType<number, number | undefined, number>;
};

export type PayoutType = 'card' | 'sbp' | 'wallet' | 'cash';

export type PayoutMethodsTable = {
  application_id: string;
  type: PayoutType;
  details: ColumnType<Record<string, unknown>, string, string>;
  holder_matched: boolean;
  state: ColumnType<PayoutMethodState, PayoutMethodState | undefined, PayoutMethodState>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type PayoutMethodState = 'awaiting_card' | 'awaiting_hold' | 'ready';

export type LoanStatus = 'cooling_off' | 'disbursing' | 'active' | 'refused' | 'payout_failed' | 'closed';

export type LoansTable = {
  id: string;
  customer_id: string;
  application_id: string;
  status: LoanStatus;
  product_code: string;
  amount_kopecks: number;
  term: number;
  contract_date: string;
  return_date: string;
  total_kopecks: number;
  psk_percent: ColumnType<string, number, number>;
  quote: ColumnType<unknown, string, string>;
  payout_type: PayoutType;
  payout_at: Timestamp;
  signed_at: Timestamp;
  activated_at: Timestamp | null;
  refused_at: Timestamp | null;
  created_at: Timestamp;
  due_date: string;
  interest_from: string | null;
  accrued_through: string | null;
  charged_kopecks: ColumnType<number, number | undefined, number>;
  closed_at: Timestamp | null;
  prolongations: ColumnType<number, number | undefined, number>;
};

export type SignaturesTable = {
  id: string;
  application_id: string;
  loan_id: string;
  document_sha256: string;
  document: Bytes;
  agreement_version: string;
  phone: string;
  challenge_id: string;
  code_hash: Bytes;
  session_id: string;
  ip: string;
  user_agent: string;
  code_sent_at: Timestamp;
  signed_at: Timestamp;
  /** Set once by the retention purge, which blanks document, phone, ip and user_agent (0018). */
  purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
};

export type PayoutsTable = {
  id: string;
  loan_id: string;
  provider: string;
  idempotency_key: string;
  status: 'pending' | 'succeeded' | 'failed';
  amount_kopecks: number;
  provider_payout_id: string | null;
  cash_code_ct: Bytes | null;
  attempts: ColumnType<number, number | undefined, number>;
  claimed_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_error: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
};

export type SandboxPayoutsTable = {
  idempotency_key: string;
  provider_id: string;
  type: PayoutType;
  amount_kopecks: number;
  cash_code: string | null;
  created_at: Timestamp;
};

export type SandboxCardBindingsTable = {
  id: string;
  reference: string;
  return_url: string;
  status: 'pending' | 'held' | 'confirmed' | 'declined' | 'locked';
  card_token: string | null;
  masked_pan: string | null;
  holder_name: string | null;
  hold_kopecks: number | null;
  attempts_left: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type PaymentStatus = 'created' | 'pending' | 'succeeded' | 'canceled';

export type PaymentsTable = {
  id: string;
  loan_id: string;
  customer_id: string;
  idempotency_key: string;
  request_sha256: string;
  amount_kopecks: number;
  method: 'card' | 'sbp';
  status: PaymentStatus;
  provider: string;
  provider_payment_id: string | null;
  confirmation_url: string | null;
  allocation: ColumnType<unknown, string | null | undefined, string | null>;
  flag: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  paid_at: Timestamp | null;
  claimed_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  addendum_id: ColumnType<string | null, string | null | undefined, string | null>;
};

export type AddendaTable = {
  id: string;
  loan_id: string;
  sequence: number;
  days: number;
  new_due_date: string;
  interest_kopecks: number;
  document: Bytes;
  document_sha256: string;
  phone: string;
  challenge_id: string;
  code_hash: Bytes;
  session_id: string;
  ip: string;
  user_agent: string;
  signed_at: Timestamp;
  status: 'awaiting_payment' | 'applied' | 'void';
  applied_at: Timestamp | null;
  /** Set once by the retention purge, as on signatures (0018). */
  purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
};

export type AcquiringEventsTable = { provider: string; event_id: string; received_at: Timestamp };

export type OperationType = 'application' | 'decision' | 'signing' | 'payout' | 'refusal' | 'accrual' | 'payment' | 'prolongation' | 'closing' | 'support' | 'bonus' | 'pledge';

export type OperationsTable = {
  id: string;
  customer_id: string;
  loan_id: string | null;
  at: Timestamp;
  type: OperationType;
  title: string;
  amount_kopecks: number | null;
  status: string | null;
  ref: string;
};

export type SandboxAcquiringPaymentsTable = {
  id: string;
  idempotency_key: string;
  amount_kopecks: number;
  method: string;
  description: string;
  return_url: string;
  status: 'pending' | 'succeeded' | 'canceled';
  created_at: Timestamp;
  paid_at: Timestamp | null;
};

export type ContactLogTable = {
  id: string;
  customer_id: string;
  loan_id: string | null;
  channel: 'sms' | 'email' | 'call';
  kind: 'due_reminder' | 'collection';
  ref: string;
  at: Timestamp;
};

export type StaffRole = 'support' | 'underwriter' | 'collections' | 'admin' | 'compliance';

export type StaffTable = {
  id: string;
  email: string;
  full_name: string;
  roles: ColumnType<StaffRole[], StaffRole[], StaffRole[]>;
  password_hash: string;
  must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
  totp_secret_ct: Bytes | null;
  totp_pending_ct: Bytes | null;
  totp_last_step: ColumnType<number | null, number | null | undefined, number | null>;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string | null;
};

export type StaffSessionsTable = {
  id: string;
  token_hash: Bytes;
  staff_id: string;
  stage: 'password' | 'active';
  totp_failures: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string;
  user_agent: string;
};

export type AuditLogTable = {
  id: string;
  seq: number;
  at: Timestamp;
  actor_type: 'staff' | 'customer' | 'system';
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: Bytes;
  hash: Bytes;
};

export type TicketCategory = 'sms' | 'payment' | 'loan' | 'deletion' | 'other';
export type TicketStatus = 'new' | 'in_progress' | 'waiting_customer' | 'resolved' | 'closed';

export type SupportTicketsTable = {
  id: string;
  /** Null for a request from the public «Не приходит SMS» form (0016): then `public_phone_ct` is set. */
  customer_id: string | null;
  category: TicketCategory;
  subject: string;
  status: TicketStatus;
  assigned_to: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The last day of the answer, `YYYY-MM-DD` (0016; null only in rows written by hand). */
  due_date: ColumnType<string | null, string | null | undefined, string | null>;
  public_phone_ct: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  public_contact_ct: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
};

export type SupportAttachmentMime = 'image/jpeg' | 'image/png' | 'application/pdf' | 'image/webp' | 'image/heic';

export type SupportAttachmentsTable = {
  id: string;
  ticket_id: string;
  message_id: string;
  file_name: string;
  mime_type: SupportAttachmentMime;
  size_bytes: number;
  sha256: Bytes;
  content: Bytes;
  created_at: Timestamp;
};

export type SupportPublicLogTable = {
  id: Generated<number>;
  phone_hash: Bytes;
  ip: string;
  at: Timestamp;
};

export type SupportMessagesTable = {
  id: string;
  ticket_id: string;
  author_type: 'customer' | 'staff';
  staff_id: string | null;
  body: string;
  created_at: Timestamp;
};

export type CatalogueVersionsTable = {
  id: string;
  seq: number;
  /** Product[] as staff saved it (jsonb). */
  products: ColumnType<unknown, string, never>;
  created_at: Timestamp;
  created_by: string | null;
  note: ColumnType<string, string | undefined, never>;
};

export type PromotionAudience = 'all' | 'first_loan' | 'returning';

export type PromotionsTable = {
  id: string;
  name: string;
  product_code: string;
  rate_ppm: number;
  rate_per: 'day' | 'month';
  valid_from: string;
  valid_to: string;
  audience: PromotionAudience;
  created_by: string;
  created_at: Timestamp;
  disabled_at: Timestamp | null;
};

export type PromoCodesTable = {
  id: string;
  code: string;
  promotion_id: string;
  max_uses: number | null;
  used_count: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: Timestamp;
  disabled_at: Timestamp | null;
};

export type BonusAccountsTable = {
  customer_id: string;
  balance_points: ColumnType<number, number | undefined, number>;
};

export type BonusPointEntriesTable = {
  id: string;
  customer_id: string;
  loan_id: string | null;
  kind: 'earn' | 'spend' | 'expire';
  /** Signed: positive when earned, negative when spent or expired. */
  points: number;
  reason: string;
  idempotency_key: string;
  request_sha256: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
};

export type VehiclePhotoKind = 'front' | 'back' | 'left' | 'right' | 'odometer' | 'vin_plate' | 'pts_page';
export type VehiclePhotoType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';

/** The car of a `car` application (0021). The ПТС and СТС numbers are sealed (pii.ts). */
export type ApplicationVehiclesTable = {
  application_id: string;
  customer_id: string;
  vin: string;
  make: string;
  model: string;
  year: number;
  mileage_km: number;
  plate: string;
  pts_number_ct: Bytes;
  sts_number_ct: Bytes;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The valuation the decision used (0022); null until scored. */
  valuation_kopecks: ColumnType<number | null, number | null | undefined, number | null>;
  valuation_source: ColumnType<string | null, string | null | undefined, string | null>;
  valued_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  valuation_share_percent: ColumnType<number | null, number | null | undefined, number | null>;
};

export type PledgeStatus = 'registering' | 'registered' | 'releasing' | 'released' | 'cancelled';

/** The pledge of a signed car loan in the notaries' registry (0022). */
export type LoanPledgesTable = {
  loan_id: string;
  customer_id: string;
  application_id: string;
  vin: string;
  status: PledgeStatus;
  notice_number: string | null;
  registered_at: Timestamp | null;
  ended_on: string | null;
  release_due_on: string | null;
  release_number: string | null;
  released_at: Timestamp | null;
  register_attempts: ColumnType<number, number | undefined, number>;
  release_attempts: ColumnType<number, number | undefined, number>;
  claimed_until: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

/** The sandbox pledge registry's store (0022). */
export type SandboxPledgeNoticesTable = {
  notice_number: string;
  idempotency_key: string;
  fingerprint: string;
  vin: string;
  pledgee: string;
  contract_number: string;
  registered_at: Timestamp;
  release_key: string | null;
  release_number: string | null;
  released_at: Timestamp | null;
};

/** A photo of the car: the bytes are in the blob store under `sha256` (storage/blob-store.ts). */
export type ApplicationVehiclePhotosTable = {
  id: string;
  application_id: string;
  customer_id: string;
  kind: VehiclePhotoKind;
  sha256: string;
  content_type: VehiclePhotoType;
  size_bytes: number;
  uploaded_at: Timestamp;
};

export type DB = {
  staff: StaffTable;
  staff_sessions: StaffSessionsTable;
  audit_log: AuditLogTable;
  support_tickets: SupportTicketsTable;
  support_messages: SupportMessagesTable;
  support_attachments: SupportAttachmentsTable;
  support_public_log: SupportPublicLogTable;
  customers: CustomersTable;
  deletion_requests: DeletionRequestsTable;
  retention_holds: RetentionHoldsTable;
  deletion_acts: DeletionActsTable;
  otp_challenges: OtpChallengesTable;
  otp_send_log: OtpSendLogTable;
  phone_auth_state: PhoneAuthStateTable;
  sessions: SessionsTable;
  sandbox_sms: SandboxSmsTable;
  sms_outbox: SmsOutboxTable;
  email_outbox: EmailOutboxTable;
  sandbox_email: SandboxEmailTable;
  customer_emails: CustomerEmailsTable;
  email_confirmations: EmailConfirmationsTable;
  loan_choices: LoanChoicesTable;
  applications: ApplicationsTable;
  application_vehicles: ApplicationVehiclesTable;
  application_vehicle_photos: ApplicationVehiclePhotosTable;
  loan_pledges: LoanPledgesTable;
  sandbox_pledge_notices: SandboxPledgeNoticesTable;
  consents: ConsentsTable;
  customer_devices: CustomerDevicesTable;
  scoring_checks: ScoringChecksTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  payout_methods: PayoutMethodsTable;
  loans: LoansTable;
  signatures: SignaturesTable;
  payouts: PayoutsTable;
  sandbox_payouts: SandboxPayoutsTable;
  sandbox_card_bindings: SandboxCardBindingsTable;
  payments: PaymentsTable;
  addenda: AddendaTable;
  contact_log: ContactLogTable;
  acquiring_events: AcquiringEventsTable;
  operations: OperationsTable;
  sandbox_acquiring_payments: SandboxAcquiringPaymentsTable;
  catalogue_versions: CatalogueVersionsTable;
  promotions: PromotionsTable;
  promo_codes: PromoCodesTable;
  bonus_accounts: BonusAccountsTable;
  bonus_point_entries: BonusPointEntriesTable;
};
