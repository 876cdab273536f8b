/**
 * The back office's client for the catalogue, promotions and promo codes (admin only;
 * docs/backoffice.md «Products & promotions», src/server/modules/catalogue/catalogue.schemas.ts).
 * Same fetch helper as staff-api.ts. A request that finds the staff session gone, or the password
 * still temporary, lets the staff app know the way staff-api.ts does: staff-api's own client has no
 * PUT, so the session is asked about once more through it (`GET /api/staff/dashboard`, open to every
 * role), and its handlers take the member to the login or the password change.
 */
import type { Product, TermUnit } from '../../../core/pricing/products';
import { ApiError, request } from '../../lib/api';
import type { Audience, PromoCodeStatus, PromotionStatus, RatePer } from './catalogue-format';
import { staffApi } from './staff-api';

/** A product as the catalogue reply has it: the rate also in percent, today's ПСК range. */
export type CatalogueProduct = Omit<Product, 'rate'> & {
  rate: { ppm: number; per: RatePer; percent: number };
  pskRange: { minPercent: number; maxPercent: number };
};

export type CatalogueVersion = {
  /** 0: nothing saved by staff yet (the built-in catalogue or CATALOGUE_FILE is in force). */
  seq: number;
  createdAt: string | null;
  createdBy: { id: string; fullName: string } | null;
  note: string | null;
};

/** `GET /api/staff/products` and the reply of a save. */
export type Catalogue = { version: CatalogueVersion; date: string; products: CatalogueProduct[] };

/** `PUT /api/staff/products/:code`: the editable part only (code, repayment, ПСК category, collateral are not). */
export type ProductUpdate = {
  name: string;
  description: string;
  amount: { minRubles: number; maxRubles: number; stepRubles: number; defaultRubles: number };
  term: { min: number; max: number; step: number; default: number; unit?: TermUnit };
  rate: { ppm: number; per: RatePer };
  /** The version the form was loaded from: a newer one saved since → 409. */
  version?: number;
  note?: string;
};

export type Promotion = {
  id: string;
  name: string;
  productCode: string;
  ratePpm: number;
  ratePer: RatePer;
  ratePercent: number;
  validFrom: string;
  validTo: string;
  audience: Audience;
  /** Given only with one of its promo codes (it has some), or to its whole audience. */
  byCode: boolean;
  status: PromotionStatus;
  createdAt: string;
  createdBy: { id: string; fullName: string } | null;
  disabledAt: string | null;
};

export type PromotionInput = {
  name: string;
  productCode: string;
  ratePpm: number;
  validFrom: string;
  validTo: string;
  audience: Audience;
};

export type PromoCode = {
  id: string;
  code: string;
  promotionId: string;
  promotionName: string;
  maxUses: number | null;
  usedCount: number;
  status: PromoCodeStatus;
  createdAt: string;
  createdBy: { id: string; fullName: string } | null;
  disabledAt: string | null;
};

export type PromoCodeInput = { code: string; promotionId: string; maxUses?: number | null };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

const call = async <T>(method: Method, path: string, body?: unknown): Promise<T> => {
  try {
    return await request<T>(method, path, body);
  } catch (error) {
    const sessionProblem =
      error instanceof ApiError && ((error.status === 401 && error.code === 'unauthorized') || error.code === 'password_change_required');
    // staff-api's client tells the staff app (login or password change); its reply is not needed.
    if (sessionProblem) void staffApi.dashboard().catch(() => undefined);
    throw error;
  }
};

const id = (value: string) => encodeURIComponent(value);

export const catalogueApi = {
  products: () => call<Catalogue>('GET', '/api/staff/products'),
  updateProduct: (code: string, body: ProductUpdate) => call<Catalogue>('PUT', `/api/staff/products/${id(code)}`, body),

  promotions: () => call<{ items: Promotion[] }>('GET', '/api/staff/promotions').then((reply) => reply.items),
  createPromotion: (body: PromotionInput) => call<Promotion>('POST', '/api/staff/promotions', body),
  setPromotionDisabled: (promotionId: string, disabled: boolean) =>
    call<Promotion>('PATCH', `/api/staff/promotions/${id(promotionId)}`, { disabled }),

  promoCodes: () => call<{ items: PromoCode[] }>('GET', '/api/staff/promo-codes').then((reply) => reply.items),
  createPromoCode: (body: PromoCodeInput) => call<PromoCode>('POST', '/api/staff/promo-codes', body),
  setPromoCodeDisabled: (codeId: string, disabled: boolean) => call<PromoCode>('PATCH', `/api/staff/promo-codes/${id(codeId)}`, { disabled }),
};
