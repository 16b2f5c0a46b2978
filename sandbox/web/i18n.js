// The web chat's words in the visitor's language: Russian when the server
// saw Russian first in Accept-Language (it sets <html lang="ru">) or the
// browser says so (navigator.languages), English otherwise. Messages from
// the bot are the bot's own and are never translated here.

const preferred = [document.documentElement.lang, ...(navigator.languages || []), navigator.language]
  .filter(Boolean)
  .map((tag) => tag.toLowerCase());
export const lang = preferred.some((tag) => tag.startsWith('ru')) ? 'ru' : 'en';

const RU = {
  'medcab sandbox': 'песочница medcab',
  'sandbox': 'песочница',
  'Users and developer tools': 'Пользователи и инструменты разработчика',
  'Close panel': 'Закрыть панель',
  'Users': 'Пользователи',
  'Refresh': 'Обновить',
  'No users yet. Create one below.': 'Пользователей пока нет. Создайте ниже.',
  'New user': 'Новый пользователь',
  'First name': 'Имя',
  'Last name': 'Фамилия',
  'Username': 'Имя пользователя',
  'Language': 'Язык',
  'Messenger': 'Мессенджер',
  'Phone': 'Телефон',
  'Create and open': 'Создать и открыть',
  'Developer': 'Разработчику',
  'refused Bot API calls': 'отклонённые вызовы Bot API',
  'Telegram send limits': 'Ограничения Telegram на отправку',
  'User blocked the bot': 'Пользователь заблокировал бота',
  'Refused Bot API calls': 'Отклонённые вызовы Bot API',
  'Telegram would refuse these too: each is a bug in the bot, unless you caused it here (blocked: 403, limits: 429).':
    'Telegram отклонил бы их тоже: каждый — ошибка бота, если только вы не вызвали его здесь сами (блокировка: 403, ограничения: 429).',
  'Chat': 'Чат',
  'Users and tools': 'Пользователи и инструменты',
  'bot': 'бот',
  'no user': 'нет пользователя',
  'Reconnecting…': 'Переподключение…',
  'Messages': 'Сообщения',
  'Bot commands': 'Команды бота',
  'Attach': 'Вложение',
  'Photo or file': 'Фото или файл',
  'My contact': 'Мой контакт',
  'Bot keyboard': 'Клавиатура бота',
  'Attach a file or contact': 'Приложить файл или контакт',
  'Message': 'Сообщение',
  'Show bot keyboard': 'Показать клавиатуру бота',
  'Hide bot keyboard': 'Скрыть клавиатуру бота',
  'Send': 'Отправить',
  'OK': 'ОК',
  'User {id}': 'Пользователь {id}',
  'Spoiler, press to reveal': 'Скрытый текст, нажмите, чтобы показать',
  'Send {command}': 'Отправить {command}',
  'Pick a user': 'Выберите пользователя',
  'Chatting as {name} (id {id})': 'Вы пишете как {name} (id {id})',
  'Pick or create a user': 'Выбрать или создать пользователя',
  'Chat with the bot as a simulated Telegram user.': 'Переписывайтесь с ботом от имени модельного пользователя Telegram.',
  'Start': 'Начать',
  'No messages yet.': 'Сообщений пока нет.',
  'Photo': 'Фото',
  'Photo not available': 'Фото недоступно',
  'Contact': 'Контакт',
  'Message buttons': 'Кнопки сообщения',
  'Copied': 'Скопировано',
  'Not supported in the sandbox': 'В песочнице не поддерживается',
  'This kind of button is not supported in the sandbox': 'Такие кнопки в песочнице не поддерживаются',
  'Bot API calls the sandbox refused: bugs in the bot': 'Вызовы Bot API, которые песочница отклонила: ошибки бота',
  'Request': 'Запрос',
  'None so far.': 'Пока нет.',
  'The bot did not answer the callback query (answerCallbackQuery) within 10 s':
    'Бот не ответил на нажатие кнопки (answerCallbackQuery) за 10 с',
  'Uploading {name}…': 'Загрузка {name}…',
  'Recreated {name} (id {id}) in the restarted sandbox': '{name} (id {id}) заново создан(а) в перезапущенной песочнице',
  'User {id} does not exist in this sandbox': 'Пользователя {id} нет в этой песочнице',
  'The bot has set no commands for this language.': 'Бот не задал команд для этого языка.',
  'Send limits on: 1 msg/s per chat, 30 msg/s per bot': 'Ограничения включены: 1 сообщение в секунду на чат, 30 в секунду на бота',
  'Send limits off': 'Ограничения выключены',
  'User {id} is not in this sandbox': 'Пользователя {id} нет в этой песочнице',
};

/** `text` in the visitor's language, with `{name}` filled from `values`. */
export function t(text, values = {}) {
  const template = (lang === 'ru' && RU[text]) || text;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** Translates the page's own words: text, placeholders, labels and titles. */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  if (lang === 'en') return;
  document.title = t(document.title);
  const walker = document.createTreeWalker(root.body || root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (text && RU[text]) node.nodeValue = node.nodeValue.replace(text, RU[text]);
  }
  for (const attribute of ['placeholder', 'aria-label', 'title']) {
    for (const el of (root.body || root).querySelectorAll(`[${attribute}]`)) {
      const value = el.getAttribute(attribute);
      if (RU[value]) el.setAttribute(attribute, RU[value]);
    }
  }
}
