/**
 * The customer's loyalty level and personal offers (`GET /api/offers`), and the promo code of an
 * application (`PATCH /api/applications/:id` with `promoCode`), over the shared fetch helper.
 */
import { request, type Application } from '../../lib/api';

export type LevelCode = 'start' | 'silver' | 'gold' | 'platinum';
export type RateView = { ppm: number; per: 'day' | 'month'; percent: number };

export type LoyaltyLevel = {
  code: LevelCode;
  name: string;
  title: string;
  discountPercent: number;
  amountRaisePercent: number;
  benefits: string[];
  requirement: string;
  restriction: string | null;
  next: { code: LevelCode; name: string; loansToGo: number; text: string } | null;
};

export type PersonalOffer = {
  product: string;
  productName: string;
  maxAmount: number;
  minAmount: number;
  amountStep: number;
  term: { unit: 'days' | 'weeks' | 'months'; min: number; max: number; step: number; default: number };
  ratePerDay: number;
  rate: RateView;
  productRate: RateView;
  productRatePerDay: number;
  basis: { source: 'product' | 'level' | 'promotion'; level: LevelCode; discountPercent: number; promotion: { id: string; name: string } | null };
  note: string | null;
  choice: { product: string; amount: number; term: number };
  example: { amountKopecks: number; term: number; termUnit: 'days' | 'weeks' | 'months'; totalKopecks: number; overpaymentKopecks: number; returnDate: string; pskPercent: number };
};

export type OffersReply = { level: LoyaltyLevel; bonusPoints: number; offers: PersonalOffer[] };

export const offersApi = {
  offers: () => request<OffersReply>('GET', '/api/offers'),
  /** Enters (or, with null, removes) the application's promo code; the reply carries the new pricing. */
  promoCode: (applicationId: string, promoCode: string | null) =>
    request<Application>('PATCH', `/api/applications/${encodeURIComponent(applicationId)}`, { promoCode }),
};
