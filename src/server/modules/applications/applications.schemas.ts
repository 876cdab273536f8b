import { z } from 'zod';
import { EMPLOYMENT_TYPES } from '../../../core/questionnaire';
import { ApplicationPricingReply } from '../loyalty/loyalty.schemas';
import { QuoteSchema } from '../pricing/pricing.schemas';
import { VehicleStepReply } from '../vehicles/vehicles.schemas';

const text = (max: number) => z.string({ error: 'Введите текст.' }).max(max, { error: `Не длиннее ${max} символов.` });
const date = z.string({ error: 'Введите дату.' }).max(10, { error: 'Дата — в формате ГГГГ-ММ-ДД.' });

/** A promo code as typed (case and spaces do not matter); null or empty: none. */
const promoCode = z.string({ error: 'Промокод — буквы и цифры.' }).max(40, { error: 'Промокод — не длиннее 40 символов.' }).nullable().optional();

export const CreateApplicationBody = z.strictObject({
  product: z.string({ error: 'Выберите продукт.' }).max(40),
  amount: z.number({ error: 'Сумма — целое число рублей.' }).int({ error: 'Сумма — целое число рублей.' }),
  term: z.number({ error: 'Срок — целое число.' }).int({ error: 'Срок — целое число.' }),
  promoCode,
});

export const PatchApplicationBody = z.strictObject({
  product: z.string().max(40).optional(),
  amount: z.number({ error: 'Сумма — целое число рублей.' }).int({ error: 'Сумма — целое число рублей.' }).optional(),
  term: z.number({ error: 'Срок — целое число.' }).int({ error: 'Срок — целое число.' }).optional(),
  promoCode,
  lastName: text(60).optional(),
  firstName: text(60).optional(),
  middleName: text(60).optional(),
  birthDate: date.optional(),
  birthPlace: text(200).optional(),
  passport: z
    .strictObject({
      series: text(4).optional(),
      number: text(6).optional(),
      issuedAt: date.optional(),
      issuer: text(300).optional(),
      divisionCode: text(7).optional(),
    })
    .optional(),
  registrationAddress: text(300).optional(),
  actualAddress: text(300).optional(),
  inn: text(12).optional(),
  email: text(254).optional(),
  employment: z
    .strictObject({
      type: z.enum(EMPLOYMENT_TYPES, { error: 'Выберите вид занятости.' }).optional(),
      employer: text(200).optional(),
      monthlyIncome: z.number({ error: 'Доход — целое число рублей.' }).int({ error: 'Доход — целое число рублей.' }).optional(),
      incomeSource: text(200).optional(),
    })
    .optional(),
});

export const ConsentsBody = z.strictObject({
  kinds: z
    .array(z.enum(['personal_data', 'credit_history', 'simple_signature', 'marketing'], { error: 'Неизвестное согласие.' }))
    .min(1, { error: 'Выберите хотя бы одно согласие.' })
    .max(4),
});

const QuestionnaireReply = z.object({
  lastName: z.string().optional(),
  firstName: z.string().optional(),
  middleName: z.string().optional(),
  birthDate: z.string().optional(),
  birthPlace: z.string().optional(),
  passport: z
    .object({
      series: z.string().optional(),
      number: z.string().optional(),
      issuedAt: z.string().optional(),
      issuer: z.string().optional(),
      divisionCode: z.string().optional(),
    })
    .optional(),
  registrationAddress: z.string().optional(),
  actualAddress: z.string().optional(),
  inn: z.string().optional(),
  email: z.string().optional(),
  employment: z
    .object({
      type: z.enum(EMPLOYMENT_TYPES).optional(),
      employer: z.string().optional(),
      monthlyIncome: z.number().optional(),
      incomeSource: z.string().optional(),
    })
    .optional(),
});

export const ApplicationReply = z.object({
  id: z.uuid(),
  status: z.enum(['draft', 'scoring', 'approved', 'declined', 'manual_review', 'signed']),
  product: z.string(),
  amount: z.number().int(),
  term: z.number().int(),
  createdAt: z.iso.datetime(),
  submittedAt: z.iso.datetime().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  questionnaire: QuestionnaireReply,
  missing: z.array(z.string()),
  consents: z.array(z.object({ kind: z.string(), version: z.string(), grantedAt: z.iso.datetime(), current: z.boolean() })),
  offer: z.object({ product: z.string(), amount: z.number().int(), term: z.number().int(), quote: QuoteSchema.nullable() }).nullable(),
  reapplyAfter: z.string().nullable(),
  pdnWarningRequired: z.boolean(),
  pricing: ApplicationPricingReply,
  /** Products secured by a car: whether the vehicle step is done; null for other products. */
  vehicle: VehicleStepReply,
  /** A scored car application: the car's valuation and the share of it lent; null otherwise. */
  collateral: z.object({ valuationKopecks: z.number().int(), sharePercent: z.number().int() }).nullable(),
});

export const ConsentDocumentReply = z.object({
  kind: z.string(),
  title: z.string(),
  required: z.boolean(),
  version: z.string(),
  text: z.string(),
});
