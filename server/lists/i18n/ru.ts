import type { Catalogue } from './en';

/** The Russian catalogue (same ids as en.ts). Commands stay in English, as Mailman's do. */
export const RU: Catalogue = {
  'confirm.subscribe.subject': 'confirm {token}',
  'confirm.subscribe.body':
    'Получен запрос на подписку адреса {address} на список рассылки {list}.\n\n' +
    'Чтобы подтвердить его, ответьте на это письмо (не меняя тему), или напишите на {confirmAddress}, или отправьте строку\n\n' +
    '    confirm {token}\n\n' +
    'на адрес {request}.\n\n' +
    'Если вы ничего не запрашивали, не обращайте внимания на это письмо: ничего не произойдёт, а запрос истечёт {expires}.',
  'confirm.unsubscribe.subject': 'confirm {token}',
  'confirm.unsubscribe.body':
    'Получен запрос на отписку адреса {address} от списка рассылки {list}.\n\n' +
    'Чтобы подтвердить его, ответьте на это письмо (не меняя тему), или напишите на {confirmAddress}, или отправьте строку\n\n' +
    '    confirm {token}\n\n' +
    'на адрес {request}.\n\n' +
    'Если вы ничего не запрашивали, не обращайте внимания на это письмо: подписка сохранится, а запрос истечёт {expires}.',
  'welcome.subject': 'Добро пожаловать в список рассылки {list}',
  'welcome.body':
    'Добро пожаловать в список рассылки {list}{description}.\n\n' +
    'Чтобы отправить сообщение в список, пишите на {post}.\n\n' +
    '{welcomeText}' +
    'Чтобы отписаться, напишите на {leave} (вас попросят подтвердить) или отправьте "help" на {request}, чтобы узнать остальные команды.\n\n' +
    'Вы подписаны как {address}.',
  'goodbye.subject': 'Вы покинули список рассылки {list}',
  'goodbye.body': 'Адрес {address} удалён из списка рассылки {list}.\n\n{goodbyeText}Чтобы подписаться снова, напишите на {join}.',
  'approval.waiting': 'Ваша подписка на {list} подтверждена и теперь ждёт одобрения владельца списка.',
  'results.subject': 'Результаты ваших команд',
  'results.intro': 'Результаты ваших команд, отправленных на {request}:',
  'results.line': '> {command}',
  'results.ignored': 'Пропущено ещё строк: {count}. Из письма с командами читается не более {max} строк.',
  'results.tooMany': 'В вашем письме команд: {count}; в одном письме принимается не более {max}. Ни одна из них не выполнена.',
  'results.none': 'В вашем письме не найдено команд. Отправьте "help", чтобы получить их список.',
  'results.done': 'Конец команд.',
  'cmd.unknown': 'Неизвестная команда. Отправьте "help", чтобы получить список команд.',
  'cmd.help':
    'Команды для {request} (в теме или в тексте письма, по одной в строке):\n' +
    '  help                         эта справка\n' +
    '  info                         о чём этот список\n' +
    '  lists                        списки рассылки этого сервера\n' +
    '  who                          участники (если список это разрешает)\n' +
    '  subscribe [адрес] [digest|nodigest]   подписаться (на адрес придёт запрос подтверждения)\n' +
    '  unsubscribe [адрес]          отписаться (на адрес придёт запрос подтверждения)\n' +
    '  set delivery on|off          получать сообщения или нет, оставаясь подписанным\n' +
    '  set digest mime|plain|off    получать дайджесты вместо отдельных сообщений или нет\n' +
    '  set myposts on|off           получать свои сообщения или нет\n' +
    '  set ack on|off               короткое подтверждение каждого своего сообщения\n' +
    '  set hide on|off              скрыть свой адрес в списке участников (who)\n' +
    '  confirm TOKEN                подтвердить запрос\n' +
    '  end                          дальше не читать (то же делает строка "-- " перед подписью)\n' +
    'Можно также написать на {join}, чтобы подписаться, и на {leave}, чтобы отписаться.',
  'cmd.info': '{list}{description}\nСообщения: {post}\nКоманды: {request}\nВладельцы: {owner}\n{info}',
  'cmd.lists.header': 'Списки рассылки на {domain}:',
  'cmd.lists.line': '  {address}{description}',
  'cmd.lists.none': 'На {domain} нет списков рассылки.',
  'cmd.who.header': 'Участники {list} ({count}):',
  'cmd.who.line': '  {address}',
  'cmd.who.refused': 'Список участников {list} показывается только {who}.',
  'cmd.who.members': 'участникам',
  'cmd.who.owners': 'владельцам списка',
  'cmd.subscribe.sent': 'Запрос подтверждения отправлен на {address}.',
  'cmd.subscribe.already': '{address} уже подписан на {list}.',
  'cmd.subscribe.closed': '{list} не принимает подписку по почте; обратитесь к владельцам ({owner}).',
  'cmd.subscribe.badAddress': '"{address}" не является правильным адресом.',
  'cmd.subscribe.badOption': '"{option}" не является параметром subscribe (digest или nodigest).',
  'cmd.unsubscribe.sent': 'Если {address} подписан на {list}, на этот адрес отправлен запрос подтверждения.',
  'cmd.set.usage': 'Использование: set delivery on|off, set digest mime|plain|off, set myposts on|off, set ack on|off или set hide on|off',
  'cmd.set.done': 'Доставка на {address} теперь {state}.',
  'cmd.set.on': 'включена',
  'cmd.set.off': 'выключена',
  'cmd.notMember': '{address} не подписан на {list}.',
  'cmd.confirm.usage': 'Использование: confirm TOKEN',
  'confirm.subscribed': '{address} теперь подписан на {list}.',
  'confirm.unsubscribed': '{address} покинул {list}.',
  'confirm.unknown': 'Этот код подтверждения недействителен (опечатка или он никогда не выдавался). Ничего не изменено.',
  'confirm.expired': 'Срок действия этого кода подтверждения истёк. Ничего не изменено; отправьте запрос снова.',
  'confirm.used': 'Этот код подтверждения уже использован. Ничего не изменено.',
  'confirm.error.subject': 'Ваше подтверждение для {list}',
  'notice.held.subject': 'Ваше сообщение в {list} ждёт одобрения модератора',
  'notice.held.body':
    'Ваше сообщение в {list} с темой\n\n    {subject}\n\nзадержано до проверки модератором. Причина: {reason}.\n\n' +
    'Если оно будет отклонено, вы получите уведомление.',
  'notice.rejected.subject': 'Ваше сообщение в {list} отклонено',
  'notice.rejected.body': 'Ваше сообщение в {list} с темой\n\n    {subject}\n\nотклонено. Причина: {reason}.',
  'reason.nonMember': 'сообщения от неподписанных принимаются только после одобрения',
  'reason.nonMemberRejected': 'список принимает сообщения только от своих участников',
  'reason.tooBig': 'размер сообщения {size} КБ больше ограничения списка в {max} КБ',
  'reason.moderator': 'модератор отклонил его',
  'reason.bounces': 'возвраты (счёт {score}, последний: {status})',
  'bounce.disabled.subject': 'Ваша подписка на {list} приостановлена',
  'bounce.disabled.body': 'Ваша подписка на список рассылки {list} приостановлена, потому что письма на ваш адрес {address} возвращаются. Вы не будете получать сообщения списка, пока снова не включите доставку.\n\nЧтобы включить её, отправьте письмо со строкой\n\n    set delivery on\n\nна адрес {request} с адреса {address}.\n\nВы получите ещё уведомлений: {left}; если доставка будет выключена и {removal}, вы будете удалены из списка.',
  'bounce.owner.disabled.subject': 'Доставка на {address} в {list} приостановлена из-за возвратов',
  'bounce.owner.disabled.body': 'Доставка на {address} в списке рассылки {list} приостановлена: счёт возвратов {score} достиг порога списка {threshold} (последний возврат: {status}). Участнику сообщено, как снова включить доставку.',
  'bounce.owner.removed.subject': '{address} удалён из {list} после возвратов',
  'bounce.owner.removed.body': 'Адрес {address} удалён из списка рассылки {list}: доставка на него была приостановлена из-за возвратов и не была включена после последнего уведомления.',
  'digest.subject': 'Дайджест {list}, том {volume}, выпуск {issue}',
  'digest.masthead': 'Сообщения для списка рассылки {list} отправляйте на\n\t{post}\n\nЧтобы подписаться, отписаться или узнать остальные команды, отправьте письмо со словом "help" в теме или тексте на\n\t{request}\n\nСвязаться с владельцами списка можно по адресу\n\t{owner}\n\nОтвечая, пожалуйста, сделайте тему конкретнее, чем "Re: Содержание дайджеста {list}..."',
  'digest.topics': 'Темы выпуска:',
  'digest.end': 'Конец дайджеста {list}, том {volume}, выпуск {issue}',
  'cmd.set.digestDone': '{address} теперь получает {mode}.',
  'cmd.digest.mime': 'дайджесты в формате MIME',
  'cmd.digest.plain': 'дайджесты простым текстом',
  'cmd.digest.off': 'каждое сообщение по отдельности (без дайджестов)',
  'archive.title': 'Архив {list}',
  'archive.periods': 'Периоды',
  'archive.posts': 'сообщений: {count}',
  'archive.byThread': 'по темам',
  'archive.byDate': 'по дате',
  'archive.byAuthor': 'по авторам',
  'archive.mbox': 'файл mbox',
  'archive.search': 'Поиск по архиву',
  'archive.searchButton': 'Найти',
  'archive.results': 'Найдено сообщений по запросу «{query}»: {count}',
  'archive.empty': 'В архиве пока нет сообщений.',
  'archive.back': 'Назад к архиву',
  'archive.raw': 'Сообщение в исходном виде (.eml)',
  'archive.private': 'Архив {list} закрыт.',
  'archive.period': '{list}: {period}, {order}',
  'reason.moderated': 'все сообщения в этот список проверяет модератор',
  'reason.memberModerated': 'ваши сообщения в этот список проверяет модератор',
  'cmd.subscribe.banned': '{address} не может подписаться на {list}.',
  'moderation.notice.subject': 'Сообщение от {from} в {list} ждёт одобрения',
  'moderation.notice.body': 'Сообщение в {list} задержано до решения модератора.\n\n    От: {from}\n    Тема: {subject}\n    Причина: {reason}\n    Размер: {size} байт\n\nОтветьте на это письмо, чтобы решить: первая строка "approve" (или заголовок "Approved:") отправляет его участникам; "reject" с причиной возвращает его автору; "defer" оставляет задержанным. Ответ без этих слов удаляет сообщение (как в Mailman: ответом удаляют спам).\n\nИли отправьте одну из этих строк на {request}:\n\n    approve {token}\n    reject {token} ПРИЧИНА\n    discard {token}\n    defer {token}\n\nНачало сообщения:\n\n{excerpt}',
  'moderation.approve': 'Сообщение от {from} ("{subject}") одобрено и отправлено участникам.',
  'moderation.reject': 'Сообщение от {from} ("{subject}") отклонено; автор уведомлён.',
  'moderation.discard': 'Сообщение от {from} ("{subject}") удалено.',
  'moderation.defer': 'Сообщение от {from} ("{subject}") остаётся задержанным (отложено).',
  'moderation.unknown': 'Нет задержанного сообщения с этим кодом (уже решено или код не выдавался). Ничего не изменено.',
  'moderation.usage': 'Использование: approve КОД, reject КОД [причина], discard КОД или defer КОД',
  'summary.subject': 'Запросов к модераторам {list}: {count}',
  'summary.intro': 'Эти запросы к списку рассылки {list} ждут модератора:',
  'summary.held': 'Задержанные сообщения ({count}):',
  'summary.heldLine': '  #{id}  {date}\n      от {from}: {subject}\n      причина: {reason}{deferred}',
  'summary.deferred': ' (отложено)',
  'summary.subscriptions': 'Подписки, ждущие одобрения ({count}):',
  'summary.subscriptionLine': '  #{id}  {date}  {address}',
  'summary.howTo': 'Ответьте на уведомление о сообщении, чтобы принять решение, или отправьте "approve КОД", "reject КОД ПРИЧИНА", "discard КОД" или "defer КОД" с кодом из уведомления на {request}; о подписках решают администраторы списка.',
  'reason.filtered': 'после фильтрации содержимого списком от сообщения ничего не осталось',
  'cmd.set.myposts': '{address} теперь {state} свои сообщения.',
  'cmd.set.mypostsOn': 'получает',
  'cmd.set.mypostsOff': 'не получает',
  'cmd.set.ack': 'Подтверждения сообщений от {address} теперь {state}.',
  'cmd.set.hide': '{address} теперь {state} в списке участников.',
  'cmd.set.hidden': 'скрыт',
  'cmd.set.shown': 'виден',
  'ack.subject': 'Подтверждение сообщения в {list}',
  'ack.body': 'Ваше сообщение в {list} с темой\n\n    {subject}\n\nполучено и отправлено участникам.\n\nВы получаете это подтверждение, потому что просили о нём ("set ack on"); "set ack off" на {request} отключает его.',
  'confirm.invite.body': 'Владельцы списка рассылки {list}{description} приглашают {address} присоединиться к нему.\n\nЧтобы принять приглашение, ответьте на это письмо (не меняя тему), или отправьте письмо на {confirmAddress}, или отправьте\n\n    confirm {token}\n\nна {request}.\n\nЕсли вы не хотите присоединяться, не обращайте внимания на это письмо: ничего не произойдёт, а приглашение истечёт {expires}.',
  'confirm.set.subject': 'confirm {token}',
  'confirm.set.body': 'Получен запрос на изменение настроек адреса {address} в списке рассылки {list}: set {change}.\n\nЧтобы подтвердить его, ответьте на это письмо (не меняя тему), или напишите на {confirmAddress}, или отправьте строку\n\n    confirm {token}\n\nна адрес {request}.\n\nЕсли вы ничего не запрашивали, не обращайте внимания на это письмо: ничего не изменится, а запрос истечёт {expires}.',
  'cmd.set.confirmSent': 'Если {address} подписан на {list}, на этот адрес отправлен запрос подтверждения: «set {change}» будет выполнено после подтверждения.',
};
