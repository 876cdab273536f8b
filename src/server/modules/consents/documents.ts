import { createHash } from 'node:crypto';

/**
 * The consent documents, each a separate document (152-ФЗ as amended by 156-ФЗ from 2025-09-01;
 * 218-ФЗ for the credit history; 63-ФЗ for the simple electronic signature). A grant records the
 * document's version — the SHA-256 of its exact text — so what the borrower agreed to can always be
 * shown again. Changing a text makes a new version; old grants keep pointing at the old one.
 * The lender's lawyer supplies the final wording; the placeholders in [brackets] are its details.
 */

export type ConsentKind = 'personal_data' | 'credit_history' | 'simple_signature' | 'marketing';

export type ConsentDocument = {
  kind: ConsentKind;
  title: string;
  required: boolean;
  text: string;
  version: string;
};

const LENDER = 'ООО МКК «КарКапитал» [ОГРН, ИНН, адрес — реквизиты организации]';

const TEXTS: Omit<ConsentDocument, 'version'>[] = [
  {
    kind: 'personal_data',
    title: 'Согласие на обработку персональных данных',
    required: true,
    text: `Я, заполняя анкету в личном кабинете CarCapital, свободно, своей волей и в своём интересе даю согласие ${LENDER} (оператор) на обработку моих персональных данных: фамилия, имя, отчество; дата и место рождения; паспортные данные; адреса регистрации и проживания; ИНН; номер телефона; адрес электронной почты; сведения о занятости и доходе.

Цель обработки: рассмотрение моей заявки на заём, заключение и исполнение договора займа, выполнение обязанностей оператора по закону (в том числе 115-ФЗ, 353-ФЗ, 151-ФЗ).

Действия с данными: сбор, запись, систематизация, накопление, хранение, уточнение, извлечение, использование, передача в случаях, предусмотренных законом, обезличивание, блокирование, удаление, уничтожение; с использованием средств автоматизации и без них. Данные хранятся на территории Российской Федерации.

Согласие действует до достижения целей обработки или до его отзыва. Я могу отозвать согласие, направив обращение в личном кабинете; после отзыва оператор прекращает обработку и уничтожает данные в течение 30 дней, кроме данных, которые оператор обязан хранить по закону.`,
  },
  {
    kind: 'credit_history',
    title: 'Согласие на запрос кредитной истории',
    required: true,
    text: `Я даю согласие ${LENDER} на получение из бюро кредитных историй моего кредитного отчёта, включая основную часть кредитной истории, в соответствии с Федеральным законом от 30.12.2004 № 218-ФЗ «О кредитных историях», а также на проверку наличия установленного мной запрета (самозапрета) на заключение договоров потребительского займа.

Цель: оценка моей платёжеспособности при рассмотрении заявки на заём и заключение договора займа.

Согласие действует шесть месяцев со дня его подписания. Если в течение этого срока со мной заключён договор займа, согласие действует в течение всего срока действия договора.`,
  },
  {
    kind: 'simple_signature',
    title: 'Соглашение об использовании простой электронной подписи',
    required: true,
    text: `Я и ${LENDER} договариваемся, что документы, которые я подписываю в личном кабинете CarCapital одноразовым кодом из SMS, отправленным на номер телефона, указанный мной при входе, подписаны моей простой электронной подписью (статья 9 Федерального закона от 06.04.2011 № 63-ФЗ «Об электронной подписи») и равнозначны документам на бумаге, подписанным моей собственноручной подписью.

Ключ простой электронной подписи — одноразовый код из SMS. Я обязуюсь никому не сообщать коды и мой телефон. Код действует 5 минут и только для того документа, для подписания которого он отправлен. Факт подписания подтверждается записью в информационной системе оператора: хеш документа, время, номер телефона, IP-адрес и данные устройства.`,
  },
  {
    kind: 'marketing',
    title: 'Согласие на получение рекламы и персональных предложений',
    required: false,
    text: `Я согласен получать от ${LENDER} сообщения о персональных предложениях, акциях и скидках по SMS и электронной почте (статья 18 Федерального закона № 38-ФЗ «О рекламе»). Согласие необязательно: без него заём выдаётся на тех же условиях. Отозвать согласие можно в любой момент в личном кабинете.`,
  },
];

/**
 * Texts that are no longer offered but were agreed to. When a text above changes, its old wording
 * moves here unchanged (kind, title, required, text): every grant keeps pointing at a version whose
 * exact text can still be shown (consents centre, data export). documents.test.ts pins the current
 * versions, so a changed text cannot slip through without this step.
 */
const ARCHIVED_TEXTS: Omit<ConsentDocument, 'version'>[] = [];

export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export const CONSENT_DOCUMENTS: readonly ConsentDocument[] = TEXTS.map((doc) => ({ ...doc, version: versionOf(doc.text) }));

const ARCHIVED_DOCUMENTS: readonly ConsentDocument[] = ARCHIVED_TEXTS.map((doc) => ({ ...doc, version: versionOf(doc.text) }));

export const REQUIRED_CONSENTS: readonly ConsentKind[] = CONSENT_DOCUMENTS.filter((d) => d.required).map((d) => d.kind);

export function consentDocument(kind: ConsentKind): ConsentDocument {
  return CONSENT_DOCUMENTS.find((d) => d.kind === kind)!;
}

/** The document with exactly this version, current or archived; undefined for an unknown one. */
export function consentDocumentByVersion(version: string): (ConsentDocument & { current: boolean }) | undefined {
  const current = CONSENT_DOCUMENTS.find((d) => d.version === version);
  if (current) return { ...current, current: true };
  const archived = ARCHIVED_DOCUMENTS.find((d) => d.version === version);
  return archived ? { ...archived, current: false } : undefined;
}
