import type { Kysely, Selectable } from 'kysely';
import type { Keys } from '../../crypto';
import type { DB, PayoutMethodsTable } from '../../db/schema';
import { openField, sealField } from '../../pii';
import type { PayoutRequest } from '../../providers/payouts/port';

/**
 * What is stored about the chosen payout method (`payout_methods.details`, non-secret): the bank for
 * СБП; the acquirer's binding, then its token and the masked number for a card; the masked number and
 * the sealed full number for a wallet. The signing step writes it, the payout job reads it.
 */

export type PayoutMethodRow = Selectable<PayoutMethodsTable>;

export type PayoutDetails = {
  bankId?: string;
  bankName?: string;
  /** СБП: the holder's name as the bank reported it («Имя Отчество Ф.»). */
  recipientName?: string;
  bindingId?: string;
  cardToken?: string;
  maskedPan?: string;
  walletMasked?: string;
  /** base64 of the wallet number sealed for (payout_methods, wallet_number, application id). */
  walletSealed?: string;
};

const walletField = (applicationId: string) => ({ table: 'payout_methods', column: 'wallet_number', rowId: applicationId });

export function sealWallet(keys: Keys, applicationId: string, walletNumber: string): Pick<PayoutDetails, 'walletMasked' | 'walletSealed'> {
  return {
    walletMasked: `${walletNumber.slice(0, 4)} •••• ${walletNumber.slice(-4)}`,
    walletSealed: sealField(keys, walletField(applicationId), walletNumber).toString('base64'),
  };
}

export const detailsOf = (row: PayoutMethodRow) => row.details as PayoutDetails;

/** Where the payout job sends the money for this method. */
export function payoutDestination(keys: Keys, row: PayoutMethodRow): Pick<PayoutRequest, 'bankId' | 'cardToken' | 'walletNumber'> {
  const details = detailsOf(row);
  if (row.type === 'sbp') return { bankId: String(details.bankId) };
  if (row.type === 'card') return { cardToken: String(details.cardToken) };
  if (row.type === 'wallet') return { walletNumber: openField(keys, walletField(row.application_id), Buffer.from(String(details.walletSealed), 'base64')) };
  return {};
}

/** The contract's words for where the money goes (п. 18 of the individual terms). */
export function payoutDescription(row: PayoutMethodRow): string {
  const details = detailsOf(row);
  switch (row.type) {
    case 'sbp':
      return `перевод через СБП на счёт заёмщика в банке «${details.bankName}» по номеру телефона`;
    case 'card':
      return `перечисление на банковскую карту заёмщика ${details.maskedPan}`;
    case 'wallet':
      return `перевод на электронный кошелёк ЮMoney заёмщика № ${details.walletMasked}`;
    case 'cash':
      return 'наличными в пунктах «Золотая Корона» по коду перевода и паспорту';
  }
}

/** What the borrower is shown about the chosen method. */
export function publicView(row: PayoutMethodRow) {
  const details = detailsOf(row);
  return {
    type: row.type,
    state: row.state,
    ...(details.bankName ? { bank: details.bankName } : {}),
    ...(details.recipientName ? { recipientName: details.recipientName } : {}),
    ...(details.maskedPan ? { maskedPan: details.maskedPan } : {}),
    ...(details.walletMasked ? { walletMasked: details.walletMasked } : {}),
  };
}

export function findPayoutMethod(db: Kysely<DB>, applicationId: string) {
  return db.selectFrom('payout_methods').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
}
