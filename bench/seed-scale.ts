/**
 * A lender-size database for the scale bench (bench/scale.bench.ts): at SCALE=1, 100 000 customers,
 * 300 000 loans and about 3 000 000 operations in the customers' history, with the ledger, payments,
 * payouts, applications, consents, sessions and login codes behind them. See bench/README.md.
 *
 * Set-based SQL (INSERT … SELECT over generate_series), so it takes minutes, not hours. Customer
 * number i gets the same rows whatever the scale (ids and choices are hashes of i), so a small
 * database (SCALE=0.001: customers 1…100) holds exactly the first customers of the large one and a
 * bench user has the same history in both.
 *
 * What a customer's rows look like (all consistent with how the product writes them):
 * - 1…5 loans each (3 on average), taken on a random day of the lender's history (since the legal
 *   tables start, at most 330 days back), of a product picked 70 % «До зарплаты», 26 % «Длинный
 *   займ», 4 % «Под залог авто»; each priced by the product's own pricing function (core/pricing) for
 *   its contract date, so the stored quote, schedule, ПСК and return date are the real ones.
 * - 2 % were refused during cooling-off; 10 % stop paying at a random instalment (overdue once it has
 *   passed: interest and the 20 %-a-year penalty run, within the overpayment cap); the rest pay every
 *   instalment on its date and are closed after the last one. Active loans are accrued through today.
 * - Ledger: the payout, one accrual posting per instalment period (the contract's interest for it)
 *   plus today's for the current stretch, one posting per payment (interest, then principal). Every
 *   transaction balances and the cached balances are set from the entries (checked at the end).
 *   The product posts accruals day by day; here a period is one posting, or 300 000 loans would make
 *   far more than 3 000 000 operations.
 * - History: application, decision, signing, payout (or refusal), each accrual, each payment,
 *   closing; 30 % of customers also have an earlier declined application.
 * - One login session (ended), its code and send-log row per loan, one known browser per customer.
 * - Personal data: the application fields are sealed per row for the bench customers (the first 100
 *   and every 40th: the ones the bench logs in as); the others hold one ciphertext of the same size
 *   that does not open (nothing in the bench reads them).
 *   Not seeded: contract signatures (documents), bonus points, support, e-mail, the sandboxes' rows.
 *
 * Foreign keys and triggers are off during the load (session_replication_role = replica) and checked
 * by the queries at the end instead. Run on its own:
 *   SCALE=0.01 npm run bench:seed -- postgres://root@127.0.0.1:5432/<empty database>
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { addDays, daysBetween, moscowDate, type BusinessDate } from '../src/core/dates';
import { DEFAULT_PRODUCTS } from '../src/core/pricing/products';
import { quote as priceQuote, type Quote } from '../src/core/pricing/quote';
import { DEFAULT_LEGAL_RULES } from '../src/core/pricing/rules';
import { dailyRateOf } from '../src/core/servicing/accrual';
import { personalInnWithCheckDigits } from '../src/core/questionnaire';
import { deriveKeys, type Keys } from '../src/server/crypto';
import { openPostgres } from '../src/server/db/database';
import { migrate } from '../src/server/db/migrate';
import { lookupHash, sealField } from '../src/server/pii';

/** Bump when the generated data change: a kept database (BENCH_KEEP_LARGE) seeded by another version is rebuilt. */
export const SEED_VERSION = 2;
export const FULL_CUSTOMERS = 100_000;
/** The day the product's legal tables (ПСК limits) start: no contract is dated earlier. */
const LENDER_START: BusinessDate = '2026-01-01';
const MAX_HISTORY_DAYS = 330;
/** Bench customers: the first ones (the small database) and every 40th (the login pool on the large one). */
export const FIRST_BENCH_CUSTOMERS = 100;
export const BENCH_CUSTOMER_EVERY = 40;
/** The APP_SECRET of the seeded personal data and of the bench's server. */
export const SEED_APP_SECRET = 'bench-scale-0123456789abcdef0123456789abcdef';

export const phoneOf = (i: number) => `+7950${String(i).padStart(7, '0')}`;
export const isBenchCustomer = (i: number) => i <= FIRST_BENCH_CUSTOMERS || i % BENCH_CUSTOMER_EVERY === 0;
export const customersFor = (scale: number) => Math.max(1, Math.round(FULL_CUSTOMERS * scale));

/** Loan kinds: share of loans (%) and the amounts (₽) and terms (product units) they are taken for. */
const MIX = [
  { product: 'pdl', percent: 70, combos: [[5_000, 7], [10_000, 14], [15_000, 21], [20_000, 30], [30_000, 30], [10_000, 30]] },
  { product: 'installment', percent: 26, combos: [[30_000, 8], [40_000, 12], [50_000, 16], [60_000, 24], [80_000, 24], [100_000, 52]] },
  { product: 'car', percent: 4, combos: [[150_000, 6], [300_000, 12], [500_000, 24]] },
] as const;

export type SeedReport = {
  scale: number;
  customers: number;
  today: BusinessDate;
  historyFrom: BusinessDate;
  seconds: number;
  steps: { step: string; seconds: number }[];
  counts: Record<string, number>;
  loansByState: Record<string, number>;
  problems: string[];
};

export type SeedOptions = {
  databaseUrl: string;
  scale: number;
  today?: BusinessDate;
  appSecret?: string;
  log?: (message: string) => void;
};

// ---------------------------------------------------------------------------------------------
// Quote templates: every kind of loan priced for every day of the history, by the product's pricing

type Template = {
  tpl: number;
  combo: number;
  day: number;
  start_date: BusinessDate;
  product: string;
  amount_kopecks: number;
  term: number;
  return_date: BusinessDate;
  total_kopecks: number;
  psk_percent: number;
  rate_num: string;
  rate_den: string;
  cap_kopecks: number | null;
  n_items: number;
  quote: Quote;
};
type TemplateItem = { tpl: number; idx: number; date: BusinessDate; principal: number; interest: number; total: number };

function buildTemplates(historyFrom: BusinessDate, days: number) {
  const templates: Template[] = [];
  const items: TemplateItem[] = [];
  const products: { product: string; lo: number; hi: number; base: number; n: number }[] = [];
  let combo = 0;
  let percentSoFar = 0;
  for (const kind of MIX) {
    const product = DEFAULT_PRODUCTS.find((p) => p.code === kind.product);
    if (!product) throw new Error(`seed: no product ${kind.product} in the catalogue`);
    const base = combo;
    for (const [amountRubles, term] of kind.combos) {
      for (let day = 0; day < days; day++) {
        const startDate = addDays(historyFrom, day);
        const priced = priceQuote({ product, amountRubles, term, startDate, rules: DEFAULT_LEGAL_RULES });
        if (!priced.ok) throw new Error(`seed: ${kind.product} ${amountRubles} ₽ × ${term} does not price on ${startDate}: ${JSON.stringify(priced.errors)}`);
        const q = priced.quote;
        const principalSum = q.schedule.reduce((sum, item) => sum + item.principalKopecks, 0);
        if (principalSum !== q.amountKopecks) throw new Error(`seed: schedule principal ${principalSum} ≠ amount ${q.amountKopecks}`);
        const rate = dailyRateOf(q);
        const tpl = combo * 1000 + day;
        templates.push({
          tpl,
          combo,
          day,
          start_date: startDate,
          product: q.product,
          amount_kopecks: q.amountKopecks,
          term: q.term,
          return_date: q.returnDate,
          total_kopecks: q.totalKopecks,
          psk_percent: q.pskPercent,
          rate_num: rate.num.toString(),
          rate_den: rate.den.toString(),
          cap_kopecks: q.cap.overpaymentCapKopecks,
          n_items: q.schedule.length,
          quote: q,
        });
        q.schedule.forEach((item, index) => {
          if (item.principalKopecks + item.interestKopecks !== item.totalKopecks) throw new Error('seed: an instalment is not principal + interest');
          items.push({ tpl, idx: index + 1, date: item.date, principal: item.principalKopecks, interest: item.interestKopecks, total: item.totalKopecks });
        });
      }
      combo += 1;
    }
    products.push({ product: kind.product, lo: percentSoFar, hi: percentSoFar + kind.percent - 1, base, n: kind.combos.length });
    percentSoFar += kind.percent;
  }
  if (percentSoFar !== 100) throw new Error('seed: the product mix must add up to 100 %');
  return { templates, items, products };
}

// ---------------------------------------------------------------------------------------------
// Personal data of the bench customers, sealed per row as the product does

const LAST_NAMES = ['Соколова', 'Иванов', 'Кузнецова', 'Смирнов', 'Попова', 'Васильев', 'Петрова', 'Новиков', 'Морозова', 'Волков'];
const FIRST_NAMES = ['Анна', 'Сергей', 'Мария', 'Алексей', 'Елена', 'Дмитрий', 'Ольга', 'Андрей', 'Татьяна', 'Игорь'];
const MIDDLE_NAMES = ['Викторовна', 'Петрович', 'Андреевна', 'Иванович', 'Сергеевна', 'Олегович', 'Павловна', 'Юрьевич', 'Игоревна', 'Николаевич'];
const CITIES = ['г. Ярославль', 'г. Москва', 'г. Тверь', 'г. Казань', 'г. Самара'];

function questionnaireOf(i: number) {
  const pick = <T>(list: readonly T[], salt: number) => list[(i * 31 + salt) % list.length]!;
  const series = String(4500 + (i % 500)).padStart(4, '0');
  const number = String(100_000 + ((i * 7919) % 900_000));
  const address = `${pick(CITIES, 3)}, ул. Профсоюзная, д. ${1 + (i % 90)}, кв. ${1 + (i % 200)}`;
  return {
    fields: {
      last_name_ct: pick(LAST_NAMES, 0),
      first_name_ct: pick(FIRST_NAMES, 1),
      middle_name_ct: pick(MIDDLE_NAMES, 2),
      birth_date_ct: `19${60 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`,
      birth_place_ct: pick(CITIES, 4),
      passport_ct: JSON.stringify({ series, number, issuedAt: '2015-04-02', issuer: 'ОВД Кировского района', divisionCode: '760-002' }),
      registration_address_ct: address,
      actual_address_ct: address,
      inn_ct: personalInnWithCheckDigits(String(7_700_000_000 + i).slice(0, 10)),
      email_ct: `client${i}@example.ru`,
      employer_ct: 'ООО «Север»',
    } as Record<string, string>,
    passportKey: `${series}${number}`,
  };
}

async function sealBenchCustomers(client: pg.Client, keys: Keys, customers: number): Promise<number> {
  const numbers: number[] = [];
  for (let i = 1; i <= customers; i++) if (isBenchCustomer(i)) numbers.push(i);
  const rows = await client.query<{ id: string; i: number }>(
    `SELECT a.id, s.i FROM applications a JOIN seed_customer s ON s.id = a.customer_id WHERE s.i = ANY($1::int[])`,
    [numbers],
  );
  const columns = ['last_name_ct', 'first_name_ct', 'middle_name_ct', 'birth_date_ct', 'birth_place_ct', 'passport_ct', 'registration_address_ct', 'actual_address_ct', 'inn_ct', 'email_ct', 'employer_ct'];
  const BATCH = 2000;
  for (let from = 0; from < rows.rows.length; from += BATCH) {
    const batch = rows.rows.slice(from, from + BATCH);
    const sealed: Buffer[][] = columns.map(() => []);
    const passportHashes: Buffer[] = [];
    const innHashes: Buffer[] = [];
    for (const row of batch) {
      const q = questionnaireOf(row.i);
      columns.forEach((column, c) => sealed[c]!.push(sealField(keys, { table: 'applications', column, rowId: row.id }, q.fields[column]!)));
      passportHashes.push(lookupHash(keys, 'passport', q.passportKey));
      innHashes.push(lookupHash(keys, 'inn', q.fields.inn_ct!));
    }
    const sets = columns.map((column, c) => `${column} = u.c${c}`).join(', ');
    const unnest = columns.map((_, c) => `$${c + 2}::bytea[]`).join(', ');
    await client.query(
      `UPDATE applications a SET ${sets}, passport_hash = u.ph, inn_hash = u.ih
         FROM unnest($1::uuid[], ${unnest}, $${columns.length + 2}::bytea[], $${columns.length + 3}::bytea[])
           AS u(id, ${columns.map((_, c) => `c${c}`).join(', ')}, ph, ih)
        WHERE a.id = u.id`,
      [batch.map((r) => r.id), ...sealed, passportHashes, innHashes],
    );
  }
  return rows.rows.length;
}

// ---------------------------------------------------------------------------------------------
// The SQL. $-parameters: see `params` in seedScale.

/** 10:00 Moscow on a date column/expression, as timestamptz. */
const msk = (date: string, time: string) => `((${date})::date + time '${time}') AT TIME ZONE 'Europe/Moscow'`;

const STEPS: { step: string; sql: string }[] = [
  {
    step: 'plan: customers and loans',
    sql: `
      -- A version-4-shaped UUID from a key: the same key, the same id, whatever the scale.
      CREATE FUNCTION pg_temp.seed_uuid(key text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
        SELECT overlay(overlay(md5(key) PLACING '4' FROM 13) PLACING substr('89ab', strpos('0123456789abcdef', substr(md5(key), 17, 1)) % 4 + 1, 1) FROM 17)::uuid
      $$;

      CREATE UNLOGGED TABLE seed_customer AS
      SELECT i, pg_temp.seed_uuid('customer:' || i) AS id, '+7950' || lpad(i::text, 7, '0') AS phone,
             1 + (i * 7919) % 5 AS loans,
             (hashtextextended('declined:' || i, 0) & 65535) % 10 < 3 AS declined_before
        FROM generate_series(1, $1::int) AS i;

      CREATE UNLOGGED TABLE seed_loan AS
      SELECT c.i, k, c.id AS customer_id,
             pg_temp.seed_uuid('loan:' || c.i || ':' || k) AS id,
             pg_temp.seed_uuid('application:' || c.i || ':' || k) AS app_id,
             t.tpl, t.start_date, t.product, t.amount_kopecks, t.term, t.n_items, t.return_date, t.total_kopecks,
             t.psk_percent, t.rate_num, t.rate_den, t.cap_kopecks,
             CASE WHEN h.o < 2 THEN 'refused' WHEN h.o < 12 THEN 'late' ELSE 'good' END AS outcome,
             1 + h.m % t.n_items AS first_missed,
             (ARRAY['card', 'card', 'card', 'sbp', 'sbp', 'wallet'])[1 + h.pay % 6] AS payout_type
        FROM seed_customer c
        CROSS JOIN LATERAL generate_series(1, c.loans) AS k
        CROSS JOIN LATERAL (
          SELECT (x & 65535) % 100 AS p, (x >> 16) & 65535 AS cmb, ((x >> 32) & 65535) % $3::int AS day,
                 ((x >> 48) & 32767) % 100 AS o, y & 65535 AS m, ((y >> 16) & 65535) % 6 AS pay
            FROM (SELECT hashtextextended('loan:' || c.i || ':' || k, 0) AS x, hashtextextended('loan:' || c.i || ':' || k, 1) AS y) AS r
        ) AS h
        JOIN seed_product pr ON h.p BETWEEN pr.lo AND pr.hi
        JOIN seed_tpl t ON t.combo = pr.base + h.cmb % pr.n AND t.day = h.day;
      ALTER TABLE seed_loan ADD PRIMARY KEY (id);

      -- Instalments paid: on their date, before today; a late payer stops at its first missed one.
      CREATE UNLOGGED TABLE seed_paid AS
      SELECT l.id AS loan_id, l.customer_id, l.i, it.idx, it.date, it.principal, it.interest, it.total,
             pg_temp.seed_uuid('payment:' || l.id || ':' || it.idx) AS payment_id,
             CASE WHEN (hashtextextended('method:' || l.id || ':' || it.idx, 0) & 3) = 0 THEN 'sbp' ELSE 'card' END AS method
        FROM seed_loan l JOIN seed_item it ON it.tpl = l.tpl
       WHERE l.outcome <> 'refused' AND it.date < $2::date AND (l.outcome = 'good' OR it.idx < l.first_missed);

      CREATE UNLOGGED TABLE seed_state AS
      SELECT l.*, coalesce(pp.n_paid, 0) AS n_paid, coalesce(pp.principal, 0) AS paid_principal,
             coalesce(pp.interest, 0) AS paid_interest, pp.last_date,
             CASE WHEN l.outcome = 'refused' THEN 'refused' WHEN coalesce(pp.n_paid, 0) = l.n_items THEN 'closed' ELSE 'active' END AS status,
             coalesce(mi.penalty_base, 0) AS penalty_base
        FROM seed_loan l
        LEFT JOIN (SELECT loan_id, count(*) AS n_paid, sum(principal) AS principal, sum(interest) AS interest, max(date) AS last_date
                     FROM seed_paid GROUP BY loan_id) pp ON pp.loan_id = l.id
        LEFT JOIN (SELECT l2.id, sum(it.principal * ($2::date - it.date)) AS penalty_base
                     FROM seed_loan l2 JOIN seed_item it ON it.tpl = l2.tpl
                    WHERE l2.outcome = 'late' AND it.idx >= l2.first_missed AND it.date < $2::date
                    GROUP BY l2.id) mi ON mi.id = l.id;

      -- Today's position of each active loan: interest on the principal left since it last changed,
      -- the penalty on instalments past their date, both within the overpayment cap.
      CREATE UNLOGGED TABLE seed_loan_state AS
      SELECT s.*, s.amount_kopecks - s.paid_principal AS principal_left,
             coalesce(s.last_date, s.start_date) AS interest_from,
             CASE WHEN s.status <> 'active' THEN 0
                  ELSE floor((s.amount_kopecks - s.paid_principal)::numeric * ($2::date - coalesce(s.last_date, s.start_date)) * s.rate_num / s.rate_den + 0.5)::bigint
             END AS interest_raw,
             CASE WHEN s.status <> 'active' THEN 0 ELSE floor(s.penalty_base::numeric * 200000 / (1000000 * 365) + 0.5)::bigint END AS penalty_raw
        FROM seed_state s;
      ALTER TABLE seed_loan_state ADD COLUMN interest_now bigint, ADD COLUMN penalty_now bigint;
      UPDATE seed_loan_state SET
        interest_now = CASE WHEN cap_kopecks IS NULL THEN interest_raw ELSE least(interest_raw, greatest(cap_kopecks - paid_interest, 0)) END;
      UPDATE seed_loan_state SET
        penalty_now = CASE WHEN cap_kopecks IS NULL THEN penalty_raw ELSE least(penalty_raw, greatest(cap_kopecks - paid_interest - interest_now, 0)) END;
      ALTER TABLE seed_loan_state ADD PRIMARY KEY (id);
      DROP TABLE seed_state;
      ANALYZE seed_customer; ANALYZE seed_loan_state; ANALYZE seed_paid;
    `,
  },
  {
    step: 'customers, applications, consents',
    sql: `
      INSERT INTO customers (id, phone, created_at)
      SELECT c.id, c.phone, ${msk(`min(l.start_date) - CASE WHEN c.declined_before THEN 20 ELSE 0 END`, '09:00')}
        FROM seed_customer c JOIN seed_loan_state l ON l.customer_id = c.id
       GROUP BY c.id, c.phone, c.declined_before;

      INSERT INTO applications (id, customer_id, status, product_code, amount_rubles, term, pii_key_id,
          last_name_ct, first_name_ct, middle_name_ct, birth_date_ct, birth_place_ct, passport_ct, registration_address_ct,
          actual_address_ct, inn_ct, email_ct, employment_type, employer_ct, monthly_income_rubles, income_source,
          passport_hash, inn_hash, created_at, updated_at, submitted_at, decided_at, offer_amount_rubles, offer_term,
          reapply_after, pdn_percent, decision_reasons, scoring_attempts)
      SELECT l.app_id, l.customer_id, 'signed', l.product, l.amount_kopecks / 100, l.term, 1,
             $4, $4, $4, $4, $4, $5, $6, $6, $4, $4, 'employed', $4, 40000 + (l.i % 100) * 1000, 'зарплата',
             decode(md5('passport:' || l.i) || md5('passport2:' || l.i), 'hex'), decode(md5('inn:' || l.i) || md5('inn2:' || l.i), 'hex'),
             ${msk('l.start_date', '09:20')}, ${msk('l.start_date', '09:45')}, ${msk('l.start_date', '09:30')}, ${msk('l.start_date', '09:35')},
             l.amount_kopecks / 100, l.term, NULL, 20 + (l.i % 30), '[]'::jsonb, 1
        FROM seed_loan_state l;

      -- An earlier declined application (30 % of customers), three weeks before the first loan.
      INSERT INTO applications (id, customer_id, status, product_code, amount_rubles, term, pii_key_id,
          last_name_ct, first_name_ct, middle_name_ct, birth_date_ct, birth_place_ct, passport_ct, registration_address_ct,
          actual_address_ct, inn_ct, email_ct, employment_type, employer_ct, monthly_income_rubles, income_source,
          passport_hash, inn_hash, created_at, updated_at, submitted_at, decided_at, reapply_after, pdn_percent, decision_reasons, scoring_attempts)
      SELECT pg_temp.seed_uuid('declined:' || c.i), c.id, 'declined', 'pdl', 15000, 30, 1,
             $4, $4, $4, $4, $4, $5, $6, $6, $4, $4, 'employed', $4, 40000 + (c.i % 100) * 1000, 'зарплата',
             decode(md5('passport:' || c.i) || md5('passport2:' || c.i), 'hex'), decode(md5('inn:' || c.i) || md5('inn2:' || c.i), 'hex'),
             f.at + interval '10 minutes', f.at + interval '20 minutes', f.at + interval '15 minutes', f.at + interval '20 minutes',
             (f.first_day - 20 + 30), 55, '[{"check":"pdn","outcome":"fail"}]'::jsonb, 1
        FROM seed_customer c
        JOIN (SELECT customer_id, min(start_date) AS first_day, ${msk('min(start_date) - 20', '09:00')} AS at
                FROM seed_loan_state GROUP BY customer_id) f ON f.customer_id = c.id
       WHERE c.declined_before;

      INSERT INTO consents (id, customer_id, application_id, kind, document_version, granted_at, ip, user_agent)
      SELECT pg_temp.seed_uuid('consent:' || a.id || ':' || k.kind), a.customer_id, a.id, k.kind, 'seed-v1', a.created_at + interval '3 minutes',
             '10.20.' || (abs(hashtext(a.customer_id::text)) % 250) || '.' || (abs(hashtext(a.id::text)) % 250), 'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36'
        FROM applications a CROSS JOIN (VALUES ('personal_data'), ('credit_history'), ('simple_signature')) AS k(kind);
    `,
  },
  {
    step: 'loans, payout methods, payouts',
    sql: `
      INSERT INTO payout_methods (application_id, type, details, holder_matched, state, created_at, updated_at)
      SELECT l.app_id, l.payout_type,
             CASE l.payout_type
               WHEN 'card' THEN jsonb_build_object('cardToken', 'tok_' || md5(l.app_id::text), 'maskedPan', '2200 00** **** ' || lpad((l.i % 10000)::text, 4, '0'))
               WHEN 'sbp' THEN '{"bankId":"100000000111","bankName":"Сбербанк"}'::jsonb
               ELSE jsonb_build_object('wallet', '41001***' || lpad((l.i % 10000)::text, 4, '0'))
             END,
             true, 'ready', ${msk('l.start_date', '09:40')}, ${msk('l.start_date', '09:40')}
        FROM seed_loan_state l;

      INSERT INTO loans (id, customer_id, application_id, status, product_code, amount_kopecks, term, contract_date, return_date,
          total_kopecks, psk_percent, quote, payout_type, payout_at, signed_at, activated_at, refused_at, created_at,
          due_date, interest_from, accrued_through, charged_kopecks, closed_at, prolongations)
      SELECT l.id, l.customer_id, l.app_id, l.status, l.product, l.amount_kopecks, l.term, l.start_date, l.return_date,
             l.total_kopecks, l.psk_percent, t.quote, l.payout_type,
             ${msk('l.start_date', '09:45')}, ${msk('l.start_date', '09:45')},
             CASE WHEN l.status = 'refused' THEN NULL ELSE ${msk('l.start_date', '10:00')} END,
             CASE WHEN l.status = 'refused' THEN ${msk('l.start_date', '09:50')} END,
             ${msk('l.start_date', '09:45')},
             l.return_date,
             CASE WHEN l.status = 'refused' THEN NULL ELSE l.interest_from END,
             CASE l.status WHEN 'active' THEN $2::date WHEN 'closed' THEN l.last_date END,
             CASE WHEN l.status = 'refused' THEN 0 ELSE l.paid_interest + l.interest_now + l.penalty_now END,
             CASE WHEN l.status = 'closed' THEN ${msk('l.last_date', '12:00:01')} END,
             0
        FROM seed_loan_state l JOIN seed_tpl t ON t.tpl = l.tpl;

      INSERT INTO payouts (id, loan_id, provider, idempotency_key, status, amount_kopecks, provider_payout_id, attempts, created_at, completed_at)
      SELECT pg_temp.seed_uuid('payout:' || l.id), l.id, 'payouts-sandbox', l.id::text, 'succeeded', l.amount_kopecks, 'sbx-' || md5('payout:' || l.id),
             1, ${msk('l.start_date', '09:59')}, ${msk('l.start_date', '10:00')}
        FROM seed_loan_state l WHERE l.status <> 'refused';

      INSERT INTO payments (id, loan_id, customer_id, idempotency_key, request_sha256, amount_kopecks, method, status, provider,
          provider_payment_id, confirmation_url, allocation, created_at, updated_at, paid_at)
      SELECT p.payment_id, p.loan_id, p.customer_id, p.payment_id::text, md5('request:' || p.payment_id) || md5('request2:' || p.payment_id),
             p.total, p.method, 'succeeded', 'acquiring-sandbox', 'sbx-' || p.payment_id, NULL,
             jsonb_build_object('interestKopecks', p.interest, 'principalKopecks', p.principal, 'penaltyKopecks', 0, 'overpaymentKopecks', 0),
             ${msk('p.date', '12:00')}, ${msk('p.date', '12:00')}, ${msk('p.date', '12:00')}
        FROM seed_paid p;
    `,
  },
  {
    step: 'ledger',
    sql: `
      INSERT INTO ledger_accounts (id, kind, owner_id, normal_side, allow_negative) VALUES
        ('lender:payout_clearing:payouts-sandbox', 'payout_clearing', NULL, 'credit', true),
        ('lender:acquiring_clearing:acquiring-sandbox', 'acquiring_clearing', NULL, 'debit', true),
        ('lender:interest_income', 'interest_income', NULL, 'credit', false),
        ('lender:penalty_income', 'penalty_income', NULL, 'credit', false);
      INSERT INTO ledger_accounts (id, kind, owner_id, normal_side, allow_negative)
      SELECT 'loan:' || l.id || ':' || a.part, 'loan_' || a.part, l.id, 'debit', false
        FROM seed_loan_state l CROSS JOIN (VALUES ('principal'), ('interest'), ('penalty')) AS a(part)
       WHERE l.status <> 'refused' AND (a.part <> 'penalty' OR l.penalty_now > 0);

      -- Postings: (transaction id, source, external id, description, posted at) and their lines.
      CREATE UNLOGGED TABLE seed_posting AS
      SELECT pg_temp.seed_uuid('tx:payout:' || l.id) AS id, 'payout' AS source, l.id::text AS external_id, 'Выдача займа' AS description,
             ${msk('l.start_date', '10:00')} AS posted_at, l.id AS loan_id, l.amount_kopecks AS principal, 0::bigint AS interest, 0::bigint AS penalty, 0::bigint AS paid
        FROM seed_loan_state l WHERE l.status <> 'refused'
      UNION ALL
      SELECT pg_temp.seed_uuid('tx:accrual:' || p.loan_id || ':' || p.date), 'accrual', p.loan_id || ':' || p.date, 'Начисление за период',
             ${msk('p.date', '00:00')}, p.loan_id, 0, p.interest, 0, 0
        FROM seed_paid p WHERE p.interest > 0
      UNION ALL
      SELECT pg_temp.seed_uuid('tx:accrual:' || l.id || ':' || $2::date), 'accrual', l.id || ':' || $2::date, 'Начисление за день',
             ${msk('$2::date', '00:00')}, l.id, 0, l.interest_now, l.penalty_now, 0
        FROM seed_loan_state l WHERE l.status = 'active' AND l.interest_now + l.penalty_now > 0
      UNION ALL
      SELECT pg_temp.seed_uuid('tx:payment:' || p.payment_id), 'payment', p.payment_id::text, 'Платёж по займу',
             ${msk('p.date', '12:00')}, p.loan_id, p.principal, p.interest, 0, p.total
        FROM seed_paid p;

      INSERT INTO ledger_transactions (id, source, external_id, description, posted_at)
      SELECT id, source, external_id, description, posted_at FROM seed_posting ORDER BY posted_at;

      INSERT INTO ledger_entries (transaction_id, account_id, debit_kopecks, credit_kopecks)
      SELECT e.transaction_id, e.account_id, e.debit, e.credit FROM (
        SELECT p.posted_at, p.id AS transaction_id, e.n, e.account_id, e.debit, e.credit
          FROM seed_posting p
          CROSS JOIN LATERAL (VALUES
            -- payout: the loan's principal against the payout provider's clearing
            (1, CASE WHEN p.source = 'payout' THEN 'loan:' || p.loan_id || ':principal' END, p.principal, 0::bigint),
            (2, CASE WHEN p.source = 'payout' THEN 'lender:payout_clearing:payouts-sandbox' END, 0::bigint, p.principal),
            -- accrual: interest and penalty receivable against income
            (3, CASE WHEN p.source = 'accrual' AND p.interest > 0 THEN 'loan:' || p.loan_id || ':interest' END, p.interest, 0::bigint),
            (4, CASE WHEN p.source = 'accrual' AND p.interest > 0 THEN 'lender:interest_income' END, 0::bigint, p.interest),
            (5, CASE WHEN p.source = 'accrual' AND p.penalty > 0 THEN 'loan:' || p.loan_id || ':penalty' END, p.penalty, 0::bigint),
            (6, CASE WHEN p.source = 'accrual' AND p.penalty > 0 THEN 'lender:penalty_income' END, 0::bigint, p.penalty),
            -- payment: the acquirer's clearing against interest, then principal
            (7, CASE WHEN p.source = 'payment' THEN 'lender:acquiring_clearing:acquiring-sandbox' END, p.paid, 0::bigint),
            (8, CASE WHEN p.source = 'payment' AND p.interest > 0 THEN 'loan:' || p.loan_id || ':interest' END, 0::bigint, p.interest),
            (9, CASE WHEN p.source = 'payment' AND p.principal > 0 THEN 'loan:' || p.loan_id || ':principal' END, 0::bigint, p.principal)
          ) AS e(n, account_id, debit, credit)
         WHERE e.account_id IS NOT NULL
      ) e ORDER BY e.posted_at, e.transaction_id, e.n;

      -- Cached balances, from the entries (on the account's normal side).
      UPDATE ledger_accounts a SET balance_kopecks = s.balance
        FROM (SELECT e.account_id, sum(CASE WHEN a2.normal_side = 'debit' THEN e.debit_kopecks - e.credit_kopecks ELSE e.credit_kopecks - e.debit_kopecks END) AS balance
                FROM ledger_entries e JOIN ledger_accounts a2 ON a2.id = e.account_id GROUP BY e.account_id) s
       WHERE a.id = s.account_id;
    `,
  },
  {
    step: 'operations (history)',
    sql: `
      INSERT INTO operations (id, customer_id, loan_id, at, type, title, amount_kopecks, status, ref)
      SELECT pg_temp.seed_uuid('op:' || o.type || ':' || o.ref), o.customer_id, o.loan_id, o.at, o.type, o.title, o.amount, o.status, o.ref FROM (
        SELECT l.customer_id, l.id AS loan_id, ${msk('l.start_date', '09:30')} AS at, 'application' AS type, 'Заявка на займ отправлена' AS title,
               l.amount_kopecks AS amount, 'submitted' AS status, l.app_id::text AS ref
          FROM seed_loan_state l
        UNION ALL
        SELECT l.customer_id, l.id, ${msk('l.start_date', '09:35')}, 'decision', 'Заявка одобрена', l.amount_kopecks, 'approved', l.app_id::text
          FROM seed_loan_state l
        UNION ALL
        SELECT l.customer_id, l.id, ${msk('l.start_date', '09:45')}, 'signing',
               'Договор ' || upper(substr(l.id::text, 1, 8)) || ' подписан кодом из SMS', l.amount_kopecks, 'signed', l.id::text
          FROM seed_loan_state l
        UNION ALL
        SELECT l.customer_id, l.id, ${msk('l.start_date', '10:00')},
               CASE WHEN l.status = 'refused' THEN 'refusal' ELSE 'payout' END,
               CASE WHEN l.status = 'refused' THEN 'Отказ от займа до выдачи денег'
                    WHEN l.payout_type = 'card' THEN 'Выдача займа на карту'
                    WHEN l.payout_type = 'sbp' THEN 'Выдача займа через СБП'
                    ELSE 'Выдача займа на электронный кошелёк' END,
               l.amount_kopecks, CASE WHEN l.status = 'refused' THEN 'refused' ELSE 'succeeded' END, l.id::text
          FROM seed_loan_state l
        UNION ALL
        SELECT p.customer_id, p.loan_id, ${msk('p.date', '00:00')}, 'accrual', 'Начислены проценты за период', p.interest, 'posted', p.loan_id || ':' || p.date
          FROM seed_paid p WHERE p.interest > 0
        UNION ALL
        SELECT l.customer_id, l.id, ${msk('$2::date', '00:00')}, 'accrual',
               CASE WHEN l.penalty_now > 0 THEN 'Начислены проценты и неустойка' ELSE 'Начислены проценты за день' END,
               l.interest_now + l.penalty_now, 'posted', l.id || ':' || $2::date
          FROM seed_loan_state l WHERE l.status = 'active' AND l.interest_now + l.penalty_now > 0
        UNION ALL
        SELECT p.customer_id, p.loan_id, ${msk('p.date', '12:00')}, 'payment',
               CASE WHEN p.method = 'sbp' THEN 'Платёж через СБП: зачислен' ELSE 'Платёж картой: зачислен' END, p.total, 'succeeded', p.payment_id::text
          FROM seed_paid p
        UNION ALL
        SELECT l.customer_id, l.id, ${msk('l.last_date', '12:00:01')}, 'closing', 'Займ погашен полностью', NULL, 'closed', l.id::text
          FROM seed_loan_state l WHERE l.status = 'closed'
        UNION ALL
        SELECT a.customer_id, NULL, a.submitted_at, 'application', 'Заявка на займ отправлена', a.amount_rubles * 100, 'submitted', a.id::text
          FROM applications a WHERE a.status = 'declined'
        UNION ALL
        SELECT a.customer_id, NULL, a.decided_at, 'decision', 'В займе отказано', NULL, 'declined', a.id::text
          FROM applications a WHERE a.status = 'declined'
      ) o;
    `,
  },
  {
    step: 'sessions, login codes, devices',
    sql: `
      -- One login per loan (ended long ago), with its code and the send that delivered it.
      INSERT INTO otp_challenges (id, phone, purpose, session_id, code_hash, status, attempts, created_at, expires_at, used_at, request_ip)
      SELECT pg_temp.seed_uuid('otp:' || l.id), c.phone, 'login', NULL, decode(md5('code:' || l.id) || md5('code2:' || l.id), 'hex'), 'used', 1,
             ${msk('l.start_date', '09:10')}, ${msk('l.start_date', '09:15')}, ${msk('l.start_date', '09:11')}, '10.20.' || (c.i % 250) || '.1'
        FROM seed_loan_state l JOIN seed_customer c ON c.id = l.customer_id;
      INSERT INTO otp_send_log (phone, phone_prefix, ip, sent_at)
      SELECT c.phone, left(c.phone, length(c.phone) - 3), '10.20.' || (c.i % 250) || '.1', ${msk('l.start_date', '09:10')}
        FROM seed_loan_state l JOIN seed_customer c ON c.id = l.customer_id ORDER BY l.start_date;
      INSERT INTO sessions (id, token_hash, customer_id, created_at, last_seen_at, revoked_at, ip, user_agent)
      SELECT pg_temp.seed_uuid('session:' || l.id), decode(md5('token:' || l.id) || md5('token2:' || l.id), 'hex'), l.customer_id,
             ${msk('l.start_date', '09:11')}, ${msk('l.start_date', '09:50')}, ${msk('l.start_date', '09:51')},
             '10.20.' || (l.i % 250) || '.1', 'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36'
        FROM seed_loan_state l;
      INSERT INTO customer_devices (id, customer_id, device_hash, user_agent, first_seen_at, last_seen_at)
      SELECT pg_temp.seed_uuid('device:' || c.id), c.id, decode(md5('device-token:' || c.id) || md5('device-token2:' || c.id), 'hex'),
             'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36', cu.created_at, cu.created_at
        FROM seed_customer c JOIN customers cu ON cu.id = c.id;
    `,
  },
];

const CHECKS: { name: string; sql: string }[] = [
  { name: 'ledger: debits ≠ credits', sql: `SELECT count(*) AS n FROM (SELECT 1 FROM ledger_entries HAVING sum(debit_kopecks) <> sum(credit_kopecks)) x` },
  { name: 'ledger: unbalanced transactions', sql: `SELECT count(*) AS n FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(debit_kopecks - credit_kopecks) <> 0) x` },
  { name: 'ledger: entries without their account', sql: `SELECT count(*) AS n FROM ledger_entries e LEFT JOIN ledger_accounts a ON a.id = e.account_id WHERE a.id IS NULL` },
  { name: 'ledger: negative receivables', sql: `SELECT count(*) AS n FROM ledger_accounts WHERE NOT allow_negative AND balance_kopecks < 0` },
  {
    name: 'loans: principal account ≠ principal left',
    sql: `SELECT count(*) AS n FROM seed_loan_state l JOIN ledger_accounts a ON a.id = 'loan:' || l.id || ':principal' WHERE a.balance_kopecks <> l.principal_left`,
  },
  { name: 'closed loans with a debt', sql: `SELECT count(*) AS n FROM loans l JOIN ledger_accounts a ON a.owner_id = l.id WHERE l.status = 'closed' AND a.balance_kopecks <> 0` },
  { name: 'loans without their application', sql: `SELECT count(*) AS n FROM loans l LEFT JOIN applications a ON a.id = l.application_id WHERE a.id IS NULL` },
  { name: 'operations without their customer', sql: `SELECT count(*) AS n FROM operations o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL` },
  { name: 'payments without their loan', sql: `SELECT count(*) AS n FROM payments p LEFT JOIN loans l ON l.id = p.loan_id WHERE l.id IS NULL` },
];

const COUNTED = [
  'customers',
  'applications',
  'consents',
  'loans',
  'payouts',
  'payments',
  'operations',
  'ledger_accounts',
  'ledger_transactions',
  'ledger_entries',
  'sessions',
  'otp_challenges',
  'customer_devices',
] as const;

/**
 * Seeds `databaseUrl` (an empty database: the migrations are run first). Returns what it wrote and
 * the consistency problems found (none expected).
 */
export async function seedScale(options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => {});
  const startedAt = performance.now();
  const today = options.today ?? moscowDate(new Date());
  const historyFrom = daysBetween(LENDER_START, today) > MAX_HISTORY_DAYS ? addDays(today, -MAX_HISTORY_DAYS) : LENDER_START;
  const days = daysBetween(historyFrom, today) + 1;
  if (days < 30) throw new Error(`seed: the lender's history (from ${historyFrom} to ${today}) is too short`);
  const customers = customersFor(options.scale);
  const keys = deriveKeys(options.appSecret ?? SEED_APP_SECRET);
  const steps: SeedReport['steps'] = [];
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await work();
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    steps.push({ step, seconds });
    log(`seed: ${step} — ${seconds} s`);
    return result;
  };

  await timed('migrations', async () => {
    const database = await openPostgres(options.databaseUrl, { max: 1 });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
  });

  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const existing = await client.query<{ n: string }>('SELECT count(*) AS n FROM customers');
    if (Number(existing.rows[0]!.n) > 0) throw new Error('seed: the database already has customers; seed an empty one');
    // A bulk load: no per-row trigger (foreign keys, the ledger's balance check; both are checked
    // by CHECKS at the end instead), no wait for the WAL flush, room for the big sorts.
    await client.query(`SET session_replication_role = replica; SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'`);

    const { templates, items, products } = await timed('quote templates (core pricing)', async () => buildTemplates(historyFrom, days));
    await timed('quote templates (load)', async () => {
      await client.query(`
        CREATE UNLOGGED TABLE seed_product (product text, lo int, hi int, base int, n int);
        CREATE UNLOGGED TABLE seed_tpl (tpl int PRIMARY KEY, combo int, day int, start_date date, product text, amount_kopecks bigint, term int,
          return_date date, total_kopecks bigint, psk_percent numeric, rate_num numeric, rate_den numeric, cap_kopecks bigint, n_items int, quote jsonb);
        CREATE UNIQUE INDEX ON seed_tpl (combo, day);
        CREATE UNLOGGED TABLE seed_item (tpl int, idx int, date date, principal bigint, interest bigint, total bigint, PRIMARY KEY (tpl, idx));`);
      await client.query(`INSERT INTO seed_product SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(product text, lo int, hi int, base int, n int)`, [JSON.stringify(products)]);
      for (let from = 0; from < templates.length; from += 1000) {
        await client.query(
          `INSERT INTO seed_tpl SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(tpl int, combo int, day int, start_date date, product text,
             amount_kopecks bigint, term int, return_date date, total_kopecks bigint, psk_percent numeric, rate_num numeric, rate_den numeric,
             cap_kopecks bigint, n_items int, quote jsonb)`,
          [JSON.stringify(templates.slice(from, from + 1000))],
        );
      }
      for (let from = 0; from < items.length; from += 20_000) {
        await client.query(
          `INSERT INTO seed_item SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(tpl int, idx int, date date, principal bigint, interest bigint, total bigint)`,
          [JSON.stringify(items.slice(from, from + 20_000))],
        );
      }
      await client.query('ANALYZE seed_tpl; ANALYZE seed_item; ANALYZE seed_product');
    });

    // One ciphertext for the personal data nobody opens: the size of a real field.
    const filler = sealField(keys, { table: 'applications', column: 'filler', rowId: 'seed' }, 'Заполнитель персональных данных');
    const passportFiller = sealField(keys, { table: 'applications', column: 'filler', rowId: 'seed' }, questionnaireOf(0).fields.passport_ct!);
    const addressFiller = sealField(keys, { table: 'applications', column: 'filler', rowId: 'seed' }, 'г. Москва, ул. Профсоюзная, д. 12, кв. 40');
    // Values the SQL refers to as $1…$6, written into it as literals: the statements run as plain
    // multi-statement text, and none of the values comes from outside the bench.
    const literals = [String(customers), `'${today}'`, String(days), bytea(filler), bytea(passportFiller), bytea(addressFiller)];
    for (const { step, sql } of STEPS) {
      const text = sql.replace(/\$(\d+)/g, (_, n: string) => literals[Number(n) - 1] ?? `$${n}`);
      await timed(step, async () => {
        await client.query(text);
      });
    }
    await timed('personal data of the bench customers', () => sealBenchCustomers(client, keys, customers));
    await client.query('SET session_replication_role = origin');
    await timed('analyze', async () => {
      await client.query('ANALYZE');
    });

    const problems: string[] = [];
    await timed('checks', async () => {
      for (const check of CHECKS) {
        const n = Number((await client.query<{ n: string }>(check.sql)).rows[0]!.n);
        if (n > 0) problems.push(`${check.name}: ${n}`);
      }
    });
    const counts: Record<string, number> = {};
    for (const table of COUNTED) counts[table] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    const states = await client.query<{ state: string; n: string }>(
      `SELECT CASE WHEN status = 'active' AND due_date < $1::date THEN 'overdue' ELSE status END AS state, count(*) AS n FROM loans GROUP BY 1 ORDER BY 1`,
      [today],
    );
    await client.query('DROP TABLE seed_customer, seed_loan, seed_paid, seed_loan_state, seed_posting, seed_tpl, seed_item, seed_product');
    // A database of this size in service has been vacuumed and checkpointed; a freshly loaded one
    // would do it in the background (autovacuum, hint bits, the checkpoint of gigabytes) while the
    // bench measures. Done here, so the measurement starts from the steady state.
    await timed('vacuum and checkpoint', async () => {
      await client.query('VACUUM (ANALYZE)');
      await client.query('CHECKPOINT').catch(() => {}); // needs a superuser or pg_checkpoint: the vacuum is the main part
    });
    return {
      scale: options.scale,
      customers,
      today,
      historyFrom,
      seconds: Math.round((performance.now() - startedAt) / 100) / 10,
      steps,
      counts,
      loansByState: Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)])),
      problems,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

const bytea = (value: Buffer) => `'\\x${value.toString('hex')}'::bytea`;

// ---------------------------------------------------------------------------------------------
// On its own: SCALE=… tsx bench/seed-scale.ts <database url>

async function main() {
  const url = process.argv[2] ?? process.env.BENCH_SEED_DATABASE_URL;
  if (!url) {
    console.error('usage: SCALE=1 tsx bench/seed-scale.ts postgres://…/<empty database>');
    process.exit(2);
  }
  const scale = Number(process.env.SCALE ?? '1');
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) {
    console.error(`SCALE must be a number above 0 and at most 10, got "${process.env.SCALE}"`);
    process.exit(2);
  }
  const report = await seedScale({ databaseUrl: url, scale, appSecret: process.env.APP_SECRET, log: (m) => console.error(m) });
  console.log(`seeded in ${report.seconds} s (scale ${report.scale}, history ${report.historyFrom} … ${report.today})`);
  for (const [table, n] of Object.entries(report.counts)) console.log(`  ${table.padEnd(20)} ${n.toLocaleString('en-US').padStart(12)}`);
  console.log(`  loans by state: ${JSON.stringify(report.loansByState)}`);
  if (report.problems.length) {
    console.log(`problems:\n  ${report.problems.join('\n  ')}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
