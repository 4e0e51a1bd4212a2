import type { Catalogue } from './en';

/** The German catalogue (same ids as en.ts). */
export const DE: Catalogue = {
  'confirm.subscribe.subject': 'confirm {token}',
  'confirm.subscribe.body':
    'Wir haben eine Anfrage erhalten, {address} in die Mailingliste {list} einzutragen.\n\n' +
    'Zur Bestätigung antworten Sie auf diese Nachricht (den Betreff bitte beibehalten), schreiben Sie an {confirmAddress} oder senden Sie\n\n' +
    '    confirm {token}\n\n' +
    'an {request}.\n\n' +
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht: Es geschieht nichts, und die Anfrage verfällt am {expires}.',
  'confirm.unsubscribe.subject': 'confirm {token}',
  'confirm.unsubscribe.body':
    'Wir haben eine Anfrage erhalten, {address} aus der Mailingliste {list} auszutragen.\n\n' +
    'Zur Bestätigung antworten Sie auf diese Nachricht (den Betreff bitte beibehalten), schreiben Sie an {confirmAddress} oder senden Sie\n\n' +
    '    confirm {token}\n\n' +
    'an {request}.\n\n' +
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht: Sie bleiben eingetragen, und die Anfrage verfällt am {expires}.',
  'welcome.subject': 'Willkommen in der Mailingliste {list}',
  'welcome.body':
    'Willkommen in der Mailingliste {list}{description}.\n\n' +
    'Beiträge senden Sie an {post}.\n\n' +
    '{welcomeText}' +
    'Zum Austragen schreiben Sie an {leave} (Sie werden um Bestätigung gebeten) oder senden "help" an {request} für die übrigen Befehle.\n\n' +
    'Sie sind eingetragen als {address}.',
  'goodbye.subject': 'Sie haben die Mailingliste {list} verlassen',
  'goodbye.body': '{address} wurde aus der Mailingliste {list} ausgetragen.\n\n{goodbyeText}Um wieder einzutreten, schreiben Sie an {join}.',
  'approval.waiting': 'Ihr Abonnement von {list} ist bestätigt und wartet nun auf die Zustimmung der Listenbetreuer.',
  'results.subject': 'Die Ergebnisse Ihrer Befehle',
  'results.intro': 'Die Ergebnisse Ihrer Befehle an {request}:',
  'results.line': '> {command}',
  'results.ignored': '{count} weitere Zeile(n) übergangen: Aus einer Befehlsnachricht werden höchstens {max} Zeilen gelesen.',
  'results.tooMany': 'Ihre Nachricht enthält {count} Befehle; höchstens {max} werden in einer Nachricht angenommen. Keiner wurde ausgeführt.',
  'results.none': 'In Ihrer Nachricht wurden keine Befehle gefunden. Senden Sie "help" für die Liste der Befehle.',
  'results.done': 'Ende der Befehle.',
  'cmd.unknown': 'Unbekannter Befehl. Senden Sie "help" für die Liste der Befehle.',
  'cmd.help':
    'Befehle für {request} (im Betreff oder im Text, einer pro Zeile):\n' +
    '  help                         dieser Text\n' +
    '  info                         worum es in der Liste geht\n' +
    '  lists                        die Listen dieses Servers\n' +
    '  who                          die Mitglieder (wenn die Liste es erlaubt)\n' +
    '  subscribe [Adresse] [digest|nodigest]   eintragen (eine Bestätigung geht an die Adresse)\n' +
    '  unsubscribe [Adresse]        austragen (eine Bestätigung geht an die Adresse)\n' +
    '  set delivery on|off          Beiträge erhalten oder nicht, eingetragen bleiben\n' +
    '  set digest mime|plain|off    Sammelnachrichten statt einzelner Beiträge, oder nicht\n' +
    '  set myposts on|off           eigene Beiträge erhalten oder nicht\n' +
    '  set ack on|off               eine kurze Bestätigung jedes eigenen Beitrags\n' +
    '  set hide on|off              die eigene Adresse in der Mitgliederliste (who) verbergen\n' +
    '  confirm TOKEN                eine Anfrage bestätigen\n' +
    '  end                          nicht weiterlesen (ebenso eine Zeile "-- " vor einer Signatur)\n' +
    'Sie können auch an {join} schreiben, um einzutreten, und an {leave}, um auszutreten.',
  'cmd.info': '{list}{description}\nBeiträge an: {post}\nBefehle: {request}\nBetreuer: {owner}\n{info}',
  'cmd.lists.header': 'Mailinglisten auf {domain}:',
  'cmd.lists.line': '  {address}{description}',
  'cmd.lists.none': 'Auf {domain} gibt es keine Mailinglisten.',
  'cmd.who.header': 'Mitglieder von {list} ({count}):',
  'cmd.who.line': '  {address}',
  'cmd.who.refused': 'Die Mitgliederliste von {list} wird nur {who} gezeigt.',
  'cmd.who.members': 'Mitgliedern',
  'cmd.who.owners': 'den Listenbetreuern',
  'cmd.subscribe.sent': 'Eine Bitte um Bestätigung wurde an {address} geschickt.',
  'cmd.subscribe.already': '{address} ist bereits Mitglied von {list}.',
  'cmd.subscribe.closed': '{list} nimmt keine Anmeldungen per E-Mail an; wenden Sie sich an die Betreuer ({owner}).',
  'cmd.subscribe.badAddress': '"{address}" ist keine gültige Adresse.',
  'cmd.subscribe.badOption': '"{option}" ist keine Option von subscribe (digest oder nodigest).',
  'cmd.unsubscribe.sent': 'Falls {address} Mitglied von {list} ist, wurde eine Bitte um Bestätigung dorthin geschickt.',
  'cmd.set.usage': 'Aufruf: set delivery on|off, set digest mime|plain|off, set myposts on|off, set ack on|off oder set hide on|off',
  'cmd.set.done': 'Die Zustellung an {address} ist jetzt {state}.',
  'cmd.set.on': 'eingeschaltet',
  'cmd.set.off': 'ausgeschaltet',
  'cmd.notMember': '{address} ist kein Mitglied von {list}.',
  'cmd.confirm.usage': 'Aufruf: confirm TOKEN',
  'confirm.subscribed': '{address} ist jetzt Mitglied von {list}.',
  'confirm.unsubscribed': '{address} hat {list} verlassen.',
  'confirm.unknown': 'Dieses Bestätigungs-Token ist ungültig (vertippt oder nie ausgestellt). Es wurde nichts geändert.',
  'confirm.expired': 'Dieses Bestätigungs-Token ist abgelaufen. Es wurde nichts geändert; senden Sie die Anfrage erneut.',
  'confirm.used': 'Dieses Bestätigungs-Token wurde bereits verwendet. Es wurde nichts geändert.',
  'confirm.error.subject': 'Ihre Bestätigung an {list}',
  'notice.held.subject': 'Ihre Nachricht an {list} wartet auf Freigabe',
  'notice.held.body':
    'Ihre Nachricht an {list} mit dem Betreff\n\n    {subject}\n\nwird zurückgehalten, bis ein Moderator sie prüfen kann. Grund: {reason}.\n\n' +
    'Sie erhalten Bescheid, falls sie abgelehnt wird.',
  'notice.rejected.subject': 'Ihre Nachricht an {list} wurde abgelehnt',
  'notice.rejected.body': 'Ihre Nachricht an {list} mit dem Betreff\n\n    {subject}\n\nwurde abgelehnt. Grund: {reason}.',
  'reason.nonMember': 'Beiträge von Nichtmitgliedern werden nur nach Freigabe angenommen',
  'reason.nonMemberRejected': 'die Liste nimmt nur Beiträge ihrer Mitglieder an',
  'reason.tooBig': 'die Nachricht ist {size} KB groß, mehr als die Grenze der Liste von {max} KB',
  'reason.moderator': 'ein Moderator hat sie abgelehnt',
  'reason.bounces': 'Unzustellbarkeit (Wert {score}, zuletzt: {status})',
  'bounce.disabled.subject': 'Ihr Abonnement von {list} wurde ausgesetzt',
  'bounce.disabled.body': 'Ihr Abonnement der Mailingliste {list} wurde ausgesetzt, weil Nachrichten an Ihre Adresse {address} wiederholt unzustellbar waren. Sie erhalten keine Beiträge der Liste, bis Sie die Zustellung wieder einschalten.\n\nDazu senden Sie eine Nachricht mit der Zeile\n\n    set delivery on\n\nvon {address} an {request}.\n\nSie erhalten noch {left} weitere solche Nachricht(en); ist die Zustellung am {removal} noch ausgeschaltet, werden Sie aus der Liste ausgetragen.',
  'bounce.owner.disabled.subject': 'Zustellung an {address} in {list} wegen Unzustellbarkeit ausgesetzt',
  'bounce.owner.disabled.body': 'Die Zustellung an {address} in der Mailingliste {list} wurde ausgesetzt: Der Unzustellbarkeitswert {score} hat die Grenze der Liste von {threshold} erreicht (zuletzt: {status}). Das Mitglied wurde informiert, wie es die Zustellung wieder einschaltet.',
  'bounce.owner.removed.subject': '{address} wegen Unzustellbarkeit aus {list} ausgetragen',
  'bounce.owner.removed.body': '{address} wurde aus der Mailingliste {list} ausgetragen: Die Zustellung war wegen Unzustellbarkeit ausgesetzt und wurde nach der letzten Benachrichtigung nicht wieder eingeschaltet.',
  'digest.subject': '{list} Sammelnachricht, Band {volume}, Ausgabe {issue}',
  'digest.masthead': 'Beiträge für die Mailingliste {list} senden Sie an\n\t{post}\n\nZum Ein- oder Austragen und für die übrigen Befehle senden Sie eine Nachricht mit "help" im Betreff oder im Text an\n\t{request}\n\nDie Betreuer der Liste erreichen Sie unter\n\t{owner}\n\nBitte ändern Sie beim Antworten den Betreff, so dass er genauer ist als "Re: Inhalt der Sammelnachricht {list}..."',
  'digest.topics': 'Themen dieser Ausgabe:',
  'digest.end': 'Ende der Sammelnachricht {list}, Band {volume}, Ausgabe {issue}',
  'cmd.set.digestDone': '{address} erhält jetzt {mode}.',
  'cmd.digest.mime': 'Sammelnachrichten im MIME-Format',
  'cmd.digest.plain': 'Sammelnachrichten als reinen Text',
  'cmd.digest.off': 'jeden Beitrag einzeln (keine Sammelnachrichten)',
  'archive.title': 'Das Archiv von {list}',
  'archive.periods': 'Zeiträume',
  'archive.posts': '{count} Beitrag/Beiträge',
  'archive.byThread': 'nach Thema',
  'archive.byDate': 'nach Datum',
  'archive.byAuthor': 'nach Absender',
  'archive.mbox': 'mbox-Datei',
  'archive.search': 'Im Archiv suchen',
  'archive.searchButton': 'Suchen',
  'archive.results': '{count} Beitrag/Beiträge zu „{query}“ gefunden',
  'archive.empty': 'Es sind noch keine Beiträge archiviert.',
  'archive.back': 'Zurück zum Archiv',
  'archive.raw': 'Die Nachricht wie versandt (.eml)',
  'archive.private': 'Das Archiv von {list} ist nicht öffentlich.',
  'archive.period': '{list}: {period}, {order}',
  'reason.moderated': 'alle Beiträge an diese Liste werden von einem Moderator geprüft',
  'reason.memberModerated': 'Ihre Beiträge an diese Liste werden von einem Moderator geprüft',
  'cmd.subscribe.banned': '{address} darf {list} nicht abonnieren.',
  'moderation.notice.subject': 'Beitrag an {list} von {from} wartet auf Freigabe',
  'moderation.notice.body': 'Ein Beitrag an {list} wird für einen Moderator zurückgehalten.\n\n    Von: {from}\n    Betreff: {subject}\n    Grund: {reason}\n    Größe: {size} Bytes\n\nAntworten Sie auf diese Nachricht, um zu entscheiden: Eine erste Zeile "approve" (oder ein Kopffeld "Approved:") sendet ihn an die Mitglieder; "reject" mit einem Grund gibt ihn an den Absender zurück; "defer" hält ihn weiter zurück. Eine Antwort ohne eines davon verwirft ihn (wie bei Mailman: Antworten verwirft Spam).\n\nOder senden Sie eine dieser Zeilen an {request}:\n\n    approve {token}\n    reject {token} GRUND\n    discard {token}\n    defer {token}\n\nDer Anfang des Beitrags:\n\n{excerpt}',
  'moderation.approve': 'Der Beitrag von {from} ("{subject}") wurde freigegeben und an die Mitglieder gesendet.',
  'moderation.reject': 'Der Beitrag von {from} ("{subject}") wurde abgelehnt; der Absender wurde informiert.',
  'moderation.discard': 'Der Beitrag von {from} ("{subject}") wurde verworfen.',
  'moderation.defer': 'Der Beitrag von {from} ("{subject}") bleibt zurückgehalten (zurückgestellt).',
  'moderation.unknown': 'Kein zurückgehaltener Beitrag hat dieses Token (schon entschieden oder nie ausgestellt). Es wurde nichts geändert.',
  'moderation.usage': 'Aufruf: approve TOKEN, reject TOKEN [Grund], discard TOKEN oder defer TOKEN',
  'summary.subject': '{count} Anfrage(n) an die Moderatoren von {list} warten',
  'summary.intro': 'Diese Anfragen an die Mailingliste {list} warten auf einen Moderator:',
  'summary.held': 'Zurückgehaltene Beiträge ({count}):',
  'summary.heldLine': '  #{id}  {date}\n      von {from}: {subject}\n      Grund: {reason}{deferred}',
  'summary.deferred': ' (zurückgestellt)',
  'summary.subscriptions': 'Abonnements, die auf Freigabe warten ({count}):',
  'summary.subscriptionLine': '  #{id}  {date}  {address}',
  'summary.howTo': 'Antworten Sie auf die Moderationsnachricht eines Beitrags, um darüber zu entscheiden, oder senden Sie "approve TOKEN", "reject TOKEN GRUND", "discard TOKEN" oder "defer TOKEN" mit dem Token seiner Nachricht an {request}; über Abonnements entscheiden die Administratoren der Liste.',
  'reason.filtered': 'nach der Inhaltsfilterung der Liste ist von der Nachricht nichts übrig geblieben',
  'cmd.set.myposts': '{address} erhält jetzt {state} eigenen Beiträge.',
  'cmd.set.mypostsOn': 'seine',
  'cmd.set.mypostsOff': 'keine seiner',
  'cmd.set.ack': 'Bestätigungen der Beiträge von {address} sind jetzt {state}.',
  'cmd.set.hide': '{address} ist jetzt {state} der Mitgliederliste.',
  'cmd.set.hidden': 'verborgen in',
  'cmd.set.shown': 'sichtbar in',
  'ack.subject': 'Bestätigung Ihres Beitrags an {list}',
  'ack.body': 'Ihre Nachricht an {list} mit dem Betreff\n\n    {subject}\n\nwurde empfangen und an die Mitglieder gesendet.\n\nSie erhalten diese Bestätigung, weil Sie sie bestellt haben ("set ack on"); "set ack off" an {request} schaltet sie ab.',
  'confirm.invite.body': 'Die Betreuer der Mailingliste {list}{description} laden {address} ein, ihr beizutreten.\n\nUm anzunehmen, antworten Sie auf diese Nachricht (Betreff beibehalten), oder senden Sie eine Nachricht an {confirmAddress}, oder senden Sie\n\n    confirm {token}\n\nan {request}.\n\nWenn Sie nicht beitreten möchten, ignorieren Sie diese Nachricht: Es geschieht nichts, und die Einladung verfällt am {expires}.',
  'confirm.set.subject': 'confirm {token}',
  'confirm.set.body': 'Wir haben eine Anfrage erhalten, die Einstellungen von {address} in der Mailingliste {list} zu ändern: set {change}.\n\nZur Bestätigung antworten Sie auf diese Nachricht (den Betreff bitte beibehalten), schreiben Sie an {confirmAddress} oder senden Sie\n\n    confirm {token}\n\nan {request}.\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht: Es ändert sich nichts, und die Anfrage verfällt am {expires}.',
  'cmd.set.confirmSent': 'Falls {address} Mitglied von {list} ist, wurde eine Bitte um Bestätigung dorthin geschickt: „set {change}“ gilt, sobald sie bestätigt ist.',
};
