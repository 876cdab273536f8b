/** The lender's hotline, as the brief gives it (the FAQ and the «Не приходит SMS» page show it). */
export const SUPPORT_PHONE = '+7 (495) 845-14-54';
export const SUPPORT_PHONE_HREF = 'tel:+74958451454';
