import { z } from 'zod';
import { isBusinessDate } from '../../../core/dates';
import { ProductReply } from '../pricing/pricing.schemas';

/** Bodies and replies of the catalogue, promotion and promo-code routes (docs/backoffice.md). */

// Whole numbers by refine, not .int(): zod reports .int() as a missing-type issue without the input,
// which the form would show as «Заполните это поле.» for 10.5.
const whole = (message: string, max: number) =>
  z
    .number({ error: message })
    .refine(Number.isInteger, { error: message })
    .positive({ error: message })
    .max(max, { error: `Не больше ${new Intl.NumberFormat('ru-RU').format(max).replace(/\u202f/g, '\u00a0')}.` });

/** The editable part of a product: code, repayment, ПСК category and collateral are not. */
export const ProductUpdateBody = z.strictObject({
  name: z.string({ error: 'Введите название продукта.' }).trim().min(1, 'Введите название продукта.').max(100, 'Не длиннее 100 символов.'),
  description: z.string({ error: 'Введите описание продукта.' }).trim().max(1000, 'Не длиннее 1000 символов.'),
  amount: z.strictObject({
    minRubles: whole('Минимальная сумма — целое число рублей больше нуля.', 10_000_000),
    maxRubles: whole('Максимальная сумма — целое число рублей больше нуля.', 10_000_000),
    stepRubles: whole('Шаг суммы — целое число рублей больше нуля.', 10_000_000),
    defaultRubles: whole('Сумма по умолчанию — целое число рублей больше нуля.', 10_000_000),
  }),
  term: z.strictObject({
    /** Accepted only unchanged: the unit is part of the product's schedule and ПСК category. */
    unit: z.enum(['days', 'weeks', 'months'], { error: 'Единица срока: days, weeks или months.' }).optional(),
    min: whole('Минимальный срок — целое число больше нуля.', 10_000),
    max: whole('Максимальный срок — целое число больше нуля.', 10_000),
    step: whole('Шаг срока — целое число больше нуля.', 10_000),
    default: whole('Срок по умолчанию — целое число больше нуля.', 10_000),
  }),
  rate: z.strictObject({
    ppm: z
      .number({ error: 'Ставка — целое число миллионных долей (8000 = 0,8 %).' })
      .refine(Number.isInteger, { error: 'Ставка — целое число миллионных долей (8000 = 0,8 %).' })
      .min(0, { error: 'Ставка не может быть отрицательной.' })
      .max(1_000_000, { error: 'Ставка выше 100 % за период.' }),
    per: z.enum(['day', 'month'], { error: 'Ставка — в день (day) или в месяц (month).' }),
  }),
  /** The catalogue version the form was loaded from: a newer one in the database → 409. */
  version: z.number().int().min(0).optional(),
  note: z.string().trim().max(500, 'Не длиннее 500 символов.').optional(),
});
export type ProductUpdate = z.infer<typeof ProductUpdateBody>;

export const CatalogueVersion = z.object({
  /** 0: the built-in catalogue (or CATALOGUE_FILE); staff have not saved one. */
  seq: z.number().int(),
  createdAt: z.string().nullable(),
  createdBy: z.object({ id: z.string(), fullName: z.string() }).nullable(),
  note: z.string().nullable(),
});

export const CatalogueReply = z.object({
  version: CatalogueVersion,
  /** Today's date in Moscow: the date the ПСК ranges are for. */
  date: z.string(),
  products: z.array(ProductReply),
});

const businessDate = (message: string) => z.string({ error: message }).refine(isBusinessDate, { error: message });

export const Audience = z.enum(['all', 'first_loan', 'returning'], {
  error: 'Кому акция: all (всем), first_loan (на первый займ) или returning (повторным клиентам).',
});

export const PromotionBody = z.strictObject({
  name: z.string({ error: 'Введите название акции.' }).trim().min(1, 'Введите название акции.').max(200, 'Не длиннее 200 символов.'),
  productCode: z.string({ error: 'Выберите продукт.' }).trim().min(1, 'Выберите продукт.').max(40, 'Такого продукта нет.'),
  ratePpm: z
    .number({ error: 'Ставка акции — целое число миллионных долей (5000 = 0,5 %).' })
    .refine(Number.isInteger, { error: 'Ставка акции — целое число миллионных долей (5000 = 0,5 %).' })
    .min(0, { error: 'Ставка не может быть отрицательной.' })
    .max(1_000_000, { error: 'Ставка выше 100 % за период.' }),
  validFrom: businessDate('Дата начала — в формате ГГГГ-ММ-ДД.'),
  validTo: businessDate('Дата окончания — в формате ГГГГ-ММ-ДД.'),
  audience: Audience,
});
export type PromotionInput = z.infer<typeof PromotionBody>;

export const DisabledBody = z.strictObject({
  disabled: z.boolean({ error: 'Укажите disabled: true (отключить) или false (включить).' }),
});

export const Promotion = z.object({
  id: z.string(),
  name: z.string(),
  productCode: z.string(),
  ratePpm: z.number().int(),
  ratePer: z.enum(['day', 'month']),
  ratePercent: z.number(),
  validFrom: z.string(),
  validTo: z.string(),
  audience: Audience,
  /** Given only with one of its promo codes (it has some), or to its whole audience. */
  byCode: z.boolean(),
  /** On today's Moscow date. */
  status: z.enum(['scheduled', 'active', 'ended', 'disabled']),
  createdAt: z.string(),
  createdBy: z.object({ id: z.string(), fullName: z.string() }).nullable(),
  disabledAt: z.string().nullable(),
});

export const PROMO_CODE_FORMAT = /^[A-Z0-9]{4,20}$/;

export const PromoCodeBody = z.strictObject({
  code: z
    .string({ error: 'Введите промокод.' })
    .trim()
    .toUpperCase()
    .regex(PROMO_CODE_FORMAT, { error: 'Промокод — от 4 до 20 латинских букв и цифр, без пробелов.' }),
  promotionId: z.uuid({ error: 'Выберите акцию.' }),
  maxUses: z
    .number({ error: 'Сколько раз можно использовать — целое число больше нуля.' })
    .refine(Number.isInteger, { error: 'Сколько раз можно использовать — целое число больше нуля.' })
    .positive({ error: 'Сколько раз можно использовать — целое число больше нуля.' })
    .max(10_000_000)
    .nullable()
    .optional(),
});
export type PromoCodeInput = z.infer<typeof PromoCodeBody>;

export const PromoCodeQuery = z.strictObject({
  promotionId: z.uuid({ error: 'Неверный идентификатор акции.' }).optional(),
});

export const PromoCode = z.object({
  id: z.string(),
  code: z.string(),
  promotionId: z.string(),
  promotionName: z.string(),
  maxUses: z.number().int().nullable(),
  usedCount: z.number().int(),
  status: z.enum(['active', 'used_up', 'ended', 'disabled']),
  createdAt: z.string(),
  createdBy: z.object({ id: z.string(), fullName: z.string() }).nullable(),
  disabledAt: z.string().nullable(),
});
