/**
 * The one error type. Services throw `AppError(code)`; the HTTP layer maps the code to a status
 * through the table below and answers `{ error: { code, message, ... }, requestId }`. The front end
 * branches on `code`; `message` is Russian text for the person.
 */

export const ERROR_STATUS = {
  validation_failed: 400,
  phone_invalid: 400,
  email_link_invalid: 400,
  email_link_expired: 400,
  unauthorized: 401,
  otp_invalid: 401,
  invalid_credentials: 401,
  forbidden: 403,
  password_change_required: 403,
  origin_forbidden: 403,
  account_deleted: 403,
  not_found: 404,
  conflict: 409,
  in_flight: 409,
  debt_outstanding: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  validation_failed: 'Проверьте введённые данные.',
  phone_invalid: 'Введите номер российского мобильного телефона: +7 9XX XXX-XX-XX.',
  email_link_invalid: 'Ссылка для подтверждения почты недействительна или уже использована. Запросите новую в профиле.',
  email_link_expired: 'Срок действия ссылки истёк. Запросите новую ссылку в профиле.',
  unauthorized: 'Войдите в личный кабинет.',
  otp_invalid: 'Код неверный или устарел. Проверьте код или запросите новый.',
  invalid_credentials: 'Неверная почта или пароль.',
  forbidden: 'Действие недоступно.',
  password_change_required: 'Сначала смените временный пароль.',
  origin_forbidden: 'Запрос отклонён: он пришёл не с нашего сайта.',
  account_deleted: 'Аккаунт с этим номером удалён по запросу владельца. Войти в него нельзя.',
  not_found: 'Не найдено.',
  conflict: 'Действие уже выполнено или недоступно в текущем состоянии.',
  in_flight: 'Этот запрос уже выполняется. Подождите несколько секунд.',
  debt_outstanding: 'Удалить аккаунт пока нельзя: есть незавершённый заём, платёж или заявка.',
  idempotency_key_reused: 'Этот ключ запроса уже использован для другого платежа.',
  payload_too_large: 'Слишком большой запрос.',
  unsupported_media_type: 'Неподдерживаемый формат запроса.',
  too_many_requests: 'Слишком много попыток. Попробуйте позже.',
  internal: 'Что-то пошло не так. Попробуйте ещё раз чуть позже.',
  service_unavailable: 'Сервис временно недоступен. Попробуйте через минуту.',
};

export type ErrorDetails = {
  /** Per-field Russian messages for forms. */
  fields?: Record<string, string>;
  retryAfterSec?: number;
};

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message ?? DEFAULT_MESSAGES[code]);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }

  toBody(requestId: string) {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details.fields ? { fields: this.details.fields } : {}),
        ...(this.details.retryAfterSec !== undefined ? { retryAfterSec: this.details.retryAfterSec } : {}),
      },
      requestId,
    };
  }
}

export function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code];
}
