import type { Catalogue } from './en';

/** The Spanish catalogue (same ids as en.ts). */
export const ES: Catalogue = {
  'confirm.subscribe.subject': 'confirm {token}',
  'confirm.subscribe.body':
    'Hemos recibido una solicitud para suscribir {address} a la lista de correo {list}.\n\n' +
    'Para confirmarla, responda a este mensaje (sin cambiar el asunto), escriba a {confirmAddress} o envíe\n\n' +
    '    confirm {token}\n\n' +
    'a {request}.\n\n' +
    'Si usted no lo ha pedido, ignore este mensaje: no ocurrirá nada y la solicitud caducará el {expires}.',
  'confirm.unsubscribe.subject': 'confirm {token}',
  'confirm.unsubscribe.body':
    'Hemos recibido una solicitud para dar de baja {address} de la lista de correo {list}.\n\n' +
    'Para confirmarla, responda a este mensaje (sin cambiar el asunto), escriba a {confirmAddress} o envíe\n\n' +
    '    confirm {token}\n\n' +
    'a {request}.\n\n' +
    'Si usted no lo ha pedido, ignore este mensaje: seguirá suscrito y la solicitud caducará el {expires}.',
  'welcome.subject': 'Bienvenido a la lista de correo {list}',
  'welcome.body':
    'Bienvenido a la lista de correo {list}{description}.\n\n' +
    'Para publicar, escriba a {post}.\n\n' +
    '{welcomeText}' +
    'Para darse de baja, envíe un mensaje a {leave} (se le pedirá confirmación), o envíe "help" a {request} para conocer los demás comandos.\n\n' +
    'Está suscrito como {address}.',
  'goodbye.subject': 'Ha dejado la lista de correo {list}',
  'goodbye.body': '{address} ha sido dado de baja de la lista de correo {list}.\n\n{goodbyeText}Para volver a suscribirse, escriba a {join}.',
  'approval.waiting': 'Su suscripción a {list} está confirmada y ahora espera la aprobación de los administradores de la lista.',
  'results.subject': 'Los resultados de sus comandos',
  'results.intro': 'Los resultados de sus comandos a {request}:',
  'results.line': '> {command}',
  'results.ignored': '{count} línea(s) más sin leer: de un mensaje de comandos se leen como máximo {max} líneas.',
  'results.tooMany': 'Su mensaje tiene {count} comandos; se aceptan como máximo {max} por mensaje. No se ha ejecutado ninguno.',
  'results.none': 'No se encontraron comandos en su mensaje. Envíe "help" para ver la lista de comandos.',
  'results.done': 'Fin de los comandos.',
  'cmd.unknown': 'Comando desconocido. Envíe "help" para ver la lista de comandos.',
  'cmd.help':
    'Comandos para {request} (en el asunto o en el cuerpo, uno por línea):\n' +
    '  help                         este texto\n' +
    '  info                         de qué trata la lista\n' +
    '  lists                        las listas de este servidor\n' +
    '  who                          los miembros (si la lista lo permite)\n' +
    '  subscribe [dirección] [digest|nodigest]   suscribirse (se envía una confirmación a la dirección)\n' +
    '  unsubscribe [dirección]      darse de baja (se envía una confirmación a la dirección)\n' +
    '  set delivery on|off          recibir los mensajes o no, sin darse de baja\n' +
    '  set digest mime|plain|off    recibir resúmenes en lugar de cada mensaje, o no\n' +
    '  set myposts on|off           recibir sus propios mensajes o no\n' +
    '  set ack on|off               un breve acuse de recibo de cada mensaje suyo\n' +
    '  set hide on|off              ocultar su dirección en la lista de miembros (who)\n' +
    '  confirm TOKEN                confirmar una solicitud\n' +
    '  end                          dejar de leer (también una línea "-- " antes de una firma)\n' +
    'También puede escribir a {join} para suscribirse y a {leave} para darse de baja.',
  'cmd.info': '{list}{description}\nPublicar en: {post}\nComandos: {request}\nAdministradores: {owner}\n{info}',
  'cmd.lists.header': 'Listas de correo en {domain}:',
  'cmd.lists.line': '  {address}{description}',
  'cmd.lists.none': 'No hay listas de correo en {domain}.',
  'cmd.who.header': 'Miembros de {list} ({count}):',
  'cmd.who.line': '  {address}',
  'cmd.who.refused': 'La lista de miembros de {list} solo se muestra a {who}.',
  'cmd.who.members': 'los miembros',
  'cmd.who.owners': 'los administradores de la lista',
  'cmd.subscribe.sent': 'Se ha enviado una solicitud de confirmación a {address}.',
  'cmd.subscribe.already': '{address} ya es miembro de {list}.',
  'cmd.subscribe.closed': '{list} no acepta suscripciones por correo; pregunte a sus administradores ({owner}).',
  'cmd.subscribe.badAddress': '"{address}" no es una dirección válida.',
  'cmd.subscribe.badOption': '"{option}" no es una opción de subscribe (digest o nodigest).',
  'cmd.unsubscribe.sent': 'Si {address} es miembro de {list}, se le ha enviado una solicitud de confirmación.',
  'cmd.set.usage': 'Uso: set delivery on|off, set digest mime|plain|off, set myposts on|off, set ack on|off o set hide on|off',
  'cmd.set.done': 'La entrega a {address} está ahora {state}.',
  'cmd.set.on': 'activada',
  'cmd.set.off': 'desactivada',
  'cmd.notMember': '{address} no es miembro de {list}.',
  'cmd.confirm.usage': 'Uso: confirm TOKEN',
  'confirm.subscribed': '{address} es ahora miembro de {list}.',
  'confirm.unsubscribed': '{address} ha dejado {list}.',
  'confirm.unknown': 'Este código de confirmación no es válido (mal escrito o nunca emitido). No se ha cambiado nada.',
  'confirm.expired': 'Este código de confirmación ha caducado. No se ha cambiado nada; envíe la solicitud de nuevo.',
  'confirm.used': 'Este código de confirmación ya se ha utilizado. No se ha cambiado nada.',
  'confirm.error.subject': 'Su confirmación a {list}',
  'notice.held.subject': 'Su mensaje a {list} espera la aprobación de un moderador',
  'notice.held.body':
    'Su mensaje a {list} con el asunto\n\n    {subject}\n\nqueda retenido hasta que un moderador pueda revisarlo. Motivo: {reason}.\n\n' +
    'Se le avisará si es rechazado.',
  'notice.rejected.subject': 'Su mensaje a {list} ha sido rechazado',
  'notice.rejected.body': 'Su mensaje a {list} con el asunto\n\n    {subject}\n\nha sido rechazado. Motivo: {reason}.',
  'reason.nonMember': 'los mensajes de quienes no son miembros necesitan aprobación',
  'reason.nonMemberRejected': 'la lista solo acepta mensajes de sus miembros',
  'reason.tooBig': 'el mensaje ocupa {size} KB, más que el límite de la lista de {max} KB',
  'reason.moderator': 'un moderador lo ha rechazado',
  'reason.bounces': 'rebotes (puntuación {score}, último: {status})',
  'bounce.disabled.subject': 'Su suscripción a {list} ha sido desactivada',
  'bounce.disabled.body': 'Su suscripción a la lista de correo {list} ha sido desactivada porque el correo a su dirección {address} está siendo devuelto. No recibirá mensajes de la lista hasta que vuelva a activar la entrega.\n\nPara activarla, envíe un mensaje con la línea\n\n    set delivery on\n\na {request} desde {address}.\n\nRecibirá {left} aviso(s) más como este; si la entrega sigue desactivada el {removal}, será dado de baja de la lista.',
  'bounce.owner.disabled.subject': 'Entrega a {address} en {list} desactivada por rebotes',
  'bounce.owner.disabled.body': 'La entrega a {address} en la lista de correo {list} ha sido desactivada: su puntuación de rebotes {score} alcanzó el límite de la lista de {threshold} (último rebote: {status}). Se ha indicado al miembro cómo volver a activarla.',
  'bounce.owner.removed.subject': '{address} dado de baja de {list} por rebotes',
  'bounce.owner.removed.body': '{address} ha sido dado de baja de la lista de correo {list}: la entrega estaba desactivada por rebotes y no se volvió a activar tras el último aviso.',
  'digest.subject': 'Resumen de {list}, Vol. {volume}, Número {issue}',
  'digest.masthead': 'Envíe los mensajes para la lista de correo {list} a\n\t{post}\n\nPara suscribirse o darse de baja, o para los demás comandos, envíe un mensaje con "help" en el asunto o en el cuerpo a\n\t{request}\n\nPuede contactar con los responsables de la lista en\n\t{owner}\n\nAl responder, cambie el asunto para que sea más concreto que "Re: Contenido del resumen de {list}..."',
  'digest.topics': 'Temas de hoy:',
  'digest.end': 'Fin del resumen de {list}, Vol. {volume}, Número {issue}',
  'cmd.set.digestDone': '{address} recibe ahora {mode}.',
  'cmd.digest.mime': 'resúmenes en formato MIME',
  'cmd.digest.plain': 'resúmenes en texto plano',
  'cmd.digest.off': 'cada mensaje al llegar (sin resúmenes)',
  'archive.title': 'Archivo de {list}',
  'archive.periods': 'Periodos',
  'archive.posts': '{count} mensaje(s)',
  'archive.byThread': 'por hilo',
  'archive.byDate': 'por fecha',
  'archive.byAuthor': 'por autor',
  'archive.mbox': 'archivo mbox',
  'archive.search': 'Buscar en el archivo',
  'archive.searchButton': 'Buscar',
  'archive.results': '{count} mensaje(s) encontrados para «{query}»',
  'archive.empty': 'Todavía no hay mensajes archivados.',
  'archive.back': 'Volver al archivo',
  'archive.raw': 'El mensaje tal como se envió (.eml)',
  'archive.private': 'El archivo de {list} es privado.',
  'archive.period': '{list}: {period}, {order}',
  'reason.moderated': 'un moderador revisa todos los mensajes a esta lista',
  'reason.memberModerated': 'un moderador revisa sus mensajes a esta lista',
  'cmd.subscribe.banned': '{address} no puede suscribirse a {list}.',
  'moderation.notice.subject': 'El mensaje de {from} a {list} requiere aprobación',
  'moderation.notice.body': 'Un mensaje a {list} está retenido para un moderador.\n\n    De: {from}\n    Asunto: {subject}\n    Motivo: {reason}\n    Tamaño: {size} bytes\n\nResponda a este mensaje para decidir: una primera línea "approve" (o una cabecera "Approved:") lo envía a los miembros; "reject" seguido de un motivo lo devuelve al remitente; "defer" lo mantiene retenido. Una respuesta sin ninguna de estas palabras lo descarta (como en Mailman: responder descarta el spam).\n\nO envíe una de estas líneas a {request}:\n\n    approve {token}\n    reject {token} MOTIVO\n    discard {token}\n    defer {token}\n\nEl comienzo del mensaje:\n\n{excerpt}',
  'moderation.approve': 'El mensaje de {from} ("{subject}") fue aprobado y enviado a los miembros.',
  'moderation.reject': 'El mensaje de {from} ("{subject}") fue rechazado; se ha avisado al remitente.',
  'moderation.discard': 'El mensaje de {from} ("{subject}") fue descartado.',
  'moderation.defer': 'El mensaje de {from} ("{subject}") sigue retenido (aplazado).',
  'moderation.unknown': 'Ningún mensaje retenido tiene este código (ya moderado, o nunca emitido). No se ha cambiado nada.',
  'moderation.usage': 'Uso: approve CÓDIGO, reject CÓDIGO [motivo], discard CÓDIGO o defer CÓDIGO',
  'summary.subject': '{count} solicitud(es) para los moderadores de {list} en espera',
  'summary.intro': 'Estas solicitudes a la lista {list} esperan a un moderador:',
  'summary.held': 'Mensajes retenidos ({count}):',
  'summary.heldLine': '  #{id}  {date}\n      de {from}: {subject}\n      motivo: {reason}{deferred}',
  'summary.deferred': ' (aplazado)',
  'summary.subscriptions': 'Suscripciones pendientes de aprobación ({count}):',
  'summary.subscriptionLine': '  #{id}  {date}  {address}',
  'summary.howTo': 'Responda al aviso de moderación de un mensaje para decidir, o envíe "approve CÓDIGO", "reject CÓDIGO MOTIVO", "discard CÓDIGO" o "defer CÓDIGO" a {request} con el código de su aviso; las suscripciones las deciden los administradores de la lista.',
  'reason.filtered': 'no quedó nada del mensaje tras el filtrado de contenido de la lista',
  'cmd.set.myposts': '{address} recibe ahora {state} mensajes propios.',
  'cmd.set.mypostsOn': 'sus',
  'cmd.set.mypostsOff': 'ninguno de sus',
  'cmd.set.ack': 'Los acuses de recibo de los mensajes de {address} están ahora {state}.',
  'cmd.set.hide': '{address} está ahora {state} la lista de miembros.',
  'cmd.set.hidden': 'oculto en',
  'cmd.set.shown': 'visible en',
  'ack.subject': 'Acuse de recibo de su mensaje a {list}',
  'ack.body': 'Su mensaje a {list} con el asunto\n\n    {subject}\n\nse ha recibido y enviado a los miembros.\n\nRecibe este acuse porque lo pidió ("set ack on"); "set ack off" a {request} lo desactiva.',
  'confirm.invite.body': 'Los administradores de la lista {list}{description} invitan a {address} a unirse a ella.\n\nPara aceptar, responda a este mensaje (mantenga el asunto), o envíe un mensaje a {confirmAddress}, o envíe\n\n    confirm {token}\n\na {request}.\n\nSi no desea unirse, ignore este mensaje: no ocurrirá nada y la invitación caduca el {expires}.',
  'confirm.set.subject': 'confirm {token}',
  'confirm.set.body': 'Hemos recibido una solicitud para cambiar las opciones de {address} en la lista de correo {list}: set {change}.\n\nPara confirmarla, responda a este mensaje (sin cambiar el asunto), escriba a {confirmAddress} o envíe\n\n    confirm {token}\n\na {request}.\n\nSi usted no lo ha pedido, ignore este mensaje: nada cambiará y la solicitud caducará el {expires}.',
  'cmd.set.confirmSent': 'Si {address} es miembro de {list}, se le ha enviado una solicitud de confirmación: «set {change}» se aplicará cuando se confirme.',
};
