/**
 * The audit log's actions in words: exactly the actions the server writes (docs/backoffice.md
 * «Audit actions»; `audit-actions.test.ts` reads the server's code and fails on any difference).
 * An action not listed (an old or a newer server) is shown as recorded.
 */
export const ACTION_LABELS: Readonly<Record<string, string>> = {
  'staff.login': 'Вход сотрудника',
  'staff.login_failed': 'Неудачный вход',
  'staff.totp_enrolled': 'Подключён код входа, вход',
  'staff.totp_failed': 'Неверный код входа',
  'staff.password_changed': 'Смена пароля',
  'staff.created': 'Создан сотрудник',
  'staff.updated': 'Изменён сотрудник',
  'staff.reset': 'Сброс пароля и кода входа',
  'customer.viewed': 'Просмотр карточки клиента',
  'customer.revealed': 'Показ персональных данных',
  'application.decided': 'Решение по заявке',
  'ticket.replied': 'Ответ на обращение',
  'ticket.updated': 'Изменено обращение',
  'ticket.attachment_added': 'Файл в ответе на обращение',
  'ticket.attachment_downloaded': 'Скачан файл из обращения',
  'vehicle.photo_viewed': 'Просмотр фото автомобиля',
  'payout.retried': 'Повтор выплаты',
  'product.updated': 'Изменён продукт',
  'promotion.created': 'Создана акция',
  'promotion.disabled': 'Акция выключена',
  'promotion.enabled': 'Акция включена',
  'promo_code.created': 'Создан промокод',
  'promo_code.disabled': 'Промокод выключен',
  'promo_code.enabled': 'Промокод включён',
  'account.deletion_requested': 'Запрос на удаление аккаунта',
  'account.deletion_confirmed': 'Аккаунт удалён',
  'account.deletion_refused': 'Отказ в удалении аккаунта',
  'account.data_destroyed': 'Уничтожены данные удалённого клиента',
  'account.data_purged': 'Уничтожены данные по окончании хранения',
  'retention.viewed': 'Просмотр данных на хранении',
  'consent.withdrawn': 'Клиент отозвал согласие',
  'consent.given': 'Клиент дал согласие',
  'account.data_exported': 'Клиент выгрузил свои данные',
  'session.ended': 'Клиент завершил сеанс',
};

/** «Вход сотрудника (staff.login)»; an unknown action as it is. */
export const actionText = (action: string): string => (ACTION_LABELS[action] ? `${ACTION_LABELS[action]} (${action})` : action);
