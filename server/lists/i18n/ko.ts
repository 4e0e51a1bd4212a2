import type { Catalogue } from './en';

/** The Korean catalogue (same ids as en.ts). Commands stay in English, as Mailman's do. */
export const KO: Catalogue = {
  'confirm.subscribe.subject': 'confirm {token}',
  'confirm.subscribe.body':
    '{address} 주소를 {list} 메일링 리스트에 가입시켜 달라는 요청을 받았습니다.\n\n' +
    '확인하려면 이 메시지에 답장하거나(제목은 그대로 두십시오), {confirmAddress} 주소로 메시지를 보내거나,\n\n' +
    '    confirm {token}\n\n' +
    '이라고 써서 {request} 주소로 보내십시오.\n\n' +
    '요청한 적이 없다면 이 메시지를 무시하십시오. 아무 일도 일어나지 않으며 요청은 {expires}에 만료됩니다.',
  'confirm.unsubscribe.subject': 'confirm {token}',
  'confirm.unsubscribe.body':
    '{address} 주소를 {list} 메일링 리스트에서 탈퇴시켜 달라는 요청을 받았습니다.\n\n' +
    '확인하려면 이 메시지에 답장하거나(제목은 그대로 두십시오), {confirmAddress} 주소로 메시지를 보내거나,\n\n' +
    '    confirm {token}\n\n' +
    '이라고 써서 {request} 주소로 보내십시오.\n\n' +
    '요청한 적이 없다면 이 메시지를 무시하십시오. 가입 상태는 그대로 유지되며 요청은 {expires}에 만료됩니다.',
  'welcome.subject': '{list} 메일링 리스트에 오신 것을 환영합니다',
  'welcome.body':
    '{list}{description} 메일링 리스트에 오신 것을 환영합니다.\n\n' +
    '글을 올리려면 {post} 주소로 보내십시오.\n\n' +
    '{welcomeText}' +
    '탈퇴하려면 {leave} 주소로 메시지를 보내십시오(확인을 요청합니다). 다른 명령은 {request} 주소로 "help"를 보내면 알 수 있습니다.\n\n' +
    '가입된 주소는 {address}입니다.',
  'goodbye.subject': '{list} 메일링 리스트에서 탈퇴했습니다',
  'goodbye.body': '{address} 주소가 {list} 메일링 리스트에서 탈퇴되었습니다.\n\n{goodbyeText}다시 가입하려면 {join} 주소로 메시지를 보내십시오.',
  'approval.waiting': '{list} 가입이 확인되었으며 이제 리스트 관리자의 승인을 기다리고 있습니다.',
  'results.subject': '명령 처리 결과',
  'results.intro': '{request} 주소로 보낸 명령의 처리 결과:',
  'results.line': '> {command}',
  'results.ignored': '{count}개의 줄을 더 무시했습니다. 명령 메시지에서는 최대 {max}줄까지만 읽습니다.',
  'results.tooMany': '메시지에 명령이 {count}개 있습니다. 한 메시지에서 받는 명령은 최대 {max}개입니다. 어떤 명령도 실행하지 않았습니다.',
  'results.none': '메시지에서 명령을 찾지 못했습니다. 명령 목록은 "help"를 보내면 알 수 있습니다.',
  'results.done': '명령 끝.',
  'cmd.unknown': '알 수 없는 명령입니다. 명령 목록은 "help"를 보내면 알 수 있습니다.',
  'cmd.help':
    '{request} 주소로 보내는 명령(제목이나 본문에, 한 줄에 하나씩):\n' +
    '  help                         이 설명\n' +
    '  info                         리스트 소개\n' +
    '  lists                        이 서버의 리스트 목록\n' +
    '  who                          회원 목록(리스트가 허용하는 경우)\n' +
    '  subscribe [주소] [digest|nodigest]   가입(확인 메일이 그 주소로 갑니다)\n' +
    '  unsubscribe [주소]           탈퇴(확인 메일이 그 주소로 갑니다)\n' +
    '  set delivery on|off          가입을 유지한 채 글 받기를 켜거나 끄기\n' +
    '  set digest mime|plain|off    글 대신 다이제스트 받기 또는 받지 않기\n' +
    '  set myposts on|off           내 글을 받기 또는 받지 않기\n' +
    '  set ack on|off               내 글마다 짧은 수신 확인 받기\n' +
    '  set hide on|off              회원 목록(who)에서 내 주소 숨기기\n' +
    '  confirm TOKEN                요청 확인\n' +
    '  end                          여기서 읽기 중단(서명 앞의 "-- " 줄도 같음)\n' +
    '{join} 주소로 보내면 가입, {leave} 주소로 보내면 탈퇴할 수도 있습니다.',
  'cmd.info': '{list}{description}\n글 올리는 주소: {post}\n명령 주소: {request}\n관리자: {owner}\n{info}',
  'cmd.lists.header': '{domain}의 메일링 리스트:',
  'cmd.lists.line': '  {address}{description}',
  'cmd.lists.none': '{domain}에는 메일링 리스트가 없습니다.',
  'cmd.who.header': '{list} 회원({count}명):',
  'cmd.who.line': '  {address}',
  'cmd.who.refused': '{list}의 회원 목록은 {who}에게만 공개됩니다.',
  'cmd.who.members': '회원',
  'cmd.who.owners': '리스트 관리자',
  'cmd.subscribe.sent': '확인 요청 메일을 {address} 주소로 보냈습니다.',
  'cmd.subscribe.already': '{address} 주소는 이미 {list}의 회원입니다.',
  'cmd.subscribe.closed': '{list}는 메일로 가입을 받지 않습니다. 관리자({owner})에게 문의하십시오.',
  'cmd.subscribe.badAddress': '"{address}"는 올바른 주소가 아닙니다.',
  'cmd.subscribe.badOption': '"{option}"는 subscribe의 옵션이 아닙니다(digest 또는 nodigest).',
  'cmd.unsubscribe.sent': '{address} 주소가 {list}의 회원이라면 그 주소로 확인 요청 메일을 보냈습니다.',
  'cmd.set.usage': '사용법: set delivery on|off, set digest mime|plain|off, set myposts on|off, set ack on|off 또는 set hide on|off',
  'cmd.set.done': '{address} 주소로의 배달이 이제 {state} 상태입니다.',
  'cmd.set.on': '켜짐',
  'cmd.set.off': '꺼짐',
  'cmd.notMember': '{address} 주소는 {list}의 회원이 아닙니다.',
  'cmd.confirm.usage': '사용법: confirm TOKEN',
  'confirm.subscribed': '{address} 주소가 이제 {list}의 회원입니다.',
  'confirm.unsubscribed': '{address} 주소가 {list}에서 탈퇴했습니다.',
  'confirm.unknown': '이 확인 토큰은 유효하지 않습니다(잘못 입력했거나 발급된 적이 없음). 아무것도 바뀌지 않았습니다.',
  'confirm.expired': '이 확인 토큰은 만료되었습니다. 아무것도 바뀌지 않았습니다. 요청을 다시 보내십시오.',
  'confirm.used': '이 확인 토큰은 이미 사용되었습니다. 아무것도 바뀌지 않았습니다.',
  'confirm.error.subject': '{list}에 대한 확인',
  'notice.held.subject': '{list}에 보낸 메시지가 진행자의 승인을 기다리고 있습니다',
  'notice.held.body':
    '{list}에 보낸 다음 제목의 메시지\n\n    {subject}\n\n는 진행자가 검토할 때까지 보류됩니다. 이유: {reason}.\n\n' +
    '거부되면 알려 드립니다.',
  'notice.rejected.subject': '{list}에 보낸 메시지가 거부되었습니다',
  'notice.rejected.body': '{list}에 보낸 다음 제목의 메시지\n\n    {subject}\n\n는 거부되었습니다. 이유: {reason}.',
  'reason.nonMember': '회원이 아닌 사람의 글은 승인 없이 받지 않습니다',
  'reason.nonMemberRejected': '이 리스트는 회원의 글만 받습니다',
  'reason.tooBig': '메시지 크기 {size} KB가 리스트의 한도 {max} KB보다 큽니다',
  'reason.moderator': '진행자가 거부했습니다',
  'reason.bounces': '반송(점수 {score}, 마지막: {status})',
  'bounce.disabled.subject': '{list} 배달이 중지되었습니다',
  'bounce.disabled.body': '{address} 주소로 보낸 메일이 계속 반송되어 {list} 메일링 리스트의 배달이 중지되었습니다. 배달을 다시 켤 때까지 리스트의 글을 받지 않습니다.\n\n다시 켜려면 다음 줄\n\n    set delivery on\n\n을 쓴 메시지를 {address} 주소에서 {request} 주소로 보내십시오.\n\n이와 같은 알림을 {left}번 더 받게 됩니다. {removal}까지 배달이 꺼져 있으면 리스트에서 탈퇴됩니다.',
  'bounce.owner.disabled.subject': '반송 때문에 {list}의 {address} 배달이 중지되었습니다',
  'bounce.owner.disabled.body': '{list} 메일링 리스트의 {address} 배달이 중지되었습니다. 반송 점수 {score}가 리스트의 한도 {threshold}에 이르렀습니다(마지막 반송: {status}). 회원에게 다시 켜는 방법을 알렸습니다.',
  'bounce.owner.removed.subject': '반송 때문에 {address}를 {list}에서 탈퇴시켰습니다',
  'bounce.owner.removed.body': '{address}를 {list} 메일링 리스트에서 탈퇴시켰습니다. 반송 때문에 배달이 중지되었고 마지막 알림 후에도 다시 켜지지 않았습니다.',
  'digest.subject': '{list} 다이제스트, {volume}권 {issue}호',
  'digest.masthead': '{list} 메일링 리스트에 올릴 글은\n\t{post}\n주소로 보내십시오.\n\n가입, 탈퇴 및 다른 명령은 제목이나 본문에 "help"를 쓴 메시지를\n\t{request}\n주소로 보내십시오.\n\n리스트 관리자 연락처:\n\t{owner}\n\n답장할 때는 제목을 "Re: {list} 다이제스트 내용..."보다 구체적으로 바꿔 주십시오.',
  'digest.topics': '이번 호의 주제:',
  'digest.end': '{list} 다이제스트 {volume}권 {issue}호 끝',
  'cmd.set.digestDone': '{address} 주소는 이제 {mode}을(를) 받습니다.',
  'cmd.digest.mime': 'MIME 형식 다이제스트',
  'cmd.digest.plain': '텍스트 형식 다이제스트',
  'cmd.digest.off': '글을 하나씩(다이제스트 없음)',
  'archive.title': '{list} 보관함',
  'archive.periods': '기간',
  'archive.posts': '글 {count}개',
  'archive.byThread': '스레드순',
  'archive.byDate': '날짜순',
  'archive.byAuthor': '보낸 사람순',
  'archive.mbox': 'mbox 파일',
  'archive.search': '보관함 검색',
  'archive.searchButton': '검색',
  'archive.results': '“{query}”에 대해 글 {count}개를 찾았습니다',
  'archive.empty': '아직 보관된 글이 없습니다.',
  'archive.back': '보관함으로 돌아가기',
  'archive.raw': '보낸 그대로의 메시지(.eml)',
  'archive.private': '{list} 보관함은 비공개입니다.',
  'archive.period': '{list}: {period}, {order}',
  'reason.moderated': '이 리스트의 모든 글은 운영자가 검토합니다',
  'reason.memberModerated': '이 리스트에 보내는 회원님의 글은 운영자가 검토합니다',
  'cmd.subscribe.banned': '{address}(은)는 {list}에 가입할 수 없습니다.',
  'moderation.notice.subject': '{from}(이)가 {list}에 보낸 글은 승인이 필요합니다',
  'moderation.notice.body': '{list}에 온 글이 운영자의 결정을 기다리며 보류되었습니다.\n\n    보낸 사람: {from}\n    제목: {subject}\n    이유: {reason}\n    크기: {size} 바이트\n\n이 메시지에 답장하여 결정하십시오. 첫 줄이 "approve"(또는 "Approved:" 헤더)이면 회원에게 보냅니다. "reject"와 이유를 쓰면 보낸 사람에게 돌려보냅니다. "defer"이면 계속 보류합니다. 이 중 아무것도 없는 답장은 글을 버립니다(Mailman처럼 답장으로 스팸을 버립니다).\n\n또는 다음 줄 중 하나를 {request}(으)로 보내십시오:\n\n    approve {token}\n    reject {token} 이유\n    discard {token}\n    defer {token}\n\n글의 시작 부분:\n\n{excerpt}',
  'moderation.approve': '{from}의 글("{subject}")을 승인하여 회원에게 보냈습니다.',
  'moderation.reject': '{from}의 글("{subject}")을 거부하고 보낸 사람에게 알렸습니다.',
  'moderation.discard': '{from}의 글("{subject}")을 버렸습니다.',
  'moderation.defer': '{from}의 글("{subject}")은 계속 보류됩니다(연기).',
  'moderation.unknown': '이 토큰의 보류된 글이 없습니다(이미 처리되었거나 발급된 적이 없음). 아무것도 바뀌지 않았습니다.',
  'moderation.usage': '사용법: approve 토큰, reject 토큰 [이유], discard 토큰 또는 defer 토큰',
  'summary.subject': '{list} 운영자 요청 {count}건이 기다리고 있습니다',
  'summary.intro': '메일링 리스트 {list}의 다음 요청이 운영자를 기다리고 있습니다:',
  'summary.held': '보류된 글({count}건):',
  'summary.heldLine': '  #{id}  {date}\n      {from}: {subject}\n      이유: {reason}{deferred}',
  'summary.deferred': ' (연기)',
  'summary.subscriptions': '승인을 기다리는 가입({count}건):',
  'summary.subscriptionLine': '  #{id}  {date}  {address}',
  'summary.howTo': '글의 운영 알림에 답장하여 결정하거나, 알림의 토큰과 함께 "approve 토큰", "reject 토큰 이유", "discard 토큰" 또는 "defer 토큰"을 {request}(으)로 보내십시오. 가입은 리스트 관리자가 결정합니다.',
  'reason.filtered': '리스트의 콘텐츠 필터링 후 메시지에 남은 내용이 없습니다',
  'cmd.set.myposts': '{address}(은)는 이제 자신의 글을 {state}.',
  'cmd.set.mypostsOn': '받습니다',
  'cmd.set.mypostsOff': '받지 않습니다',
  'cmd.set.ack': '{address}의 글에 대한 수신 확인이 이제 {state} 상태입니다.',
  'cmd.set.hide': '{address}(은)는 이제 회원 목록에 {state}.',
  'cmd.set.hidden': '표시되지 않습니다',
  'cmd.set.shown': '표시됩니다',
  'ack.subject': '{list}에 보낸 글의 수신 확인',
  'ack.body': '제목이\n\n    {subject}\n\n인 {list}에 보낸 메시지를 받아 회원에게 보냈습니다.\n\n요청하셨기 때문에("set ack on") 이 확인을 받습니다. {request}(으)로 "set ack off"를 보내면 끕니다.',
  'confirm.invite.body': '메일링 리스트 {list}{description}의 관리자가 {address}(을)를 초대합니다.\n\n수락하려면 이 메시지에 답장하거나(제목 유지), {confirmAddress}(으)로 메시지를 보내거나,\n\n    confirm {token}\n\n을 {request}(으)로 보내십시오.\n\n가입하지 않으려면 이 메시지를 무시하십시오. 아무 일도 일어나지 않으며 초대는 {expires}에 만료됩니다.',
  'confirm.set.subject': 'confirm {token}',
  'confirm.set.body': '{list} 메일링 리스트에서 {address} 주소의 설정을 바꿔 달라는 요청을 받았습니다: set {change}\n\n확인하려면 이 메시지에 답장하거나(제목은 그대로 두십시오), {confirmAddress} 주소로 메시지를 보내거나,\n\n    confirm {token}\n\n이라고 써서 {request} 주소로 보내십시오.\n\n요청한 적이 없다면 이 메시지를 무시하십시오. 아무것도 바뀌지 않으며 요청은 {expires}에 만료됩니다.',
  'cmd.set.confirmSent': '{address} 주소가 {list}의 회원이라면 그 주소로 확인 요청 메일을 보냈습니다. 확인되면 "set {change}"가 적용됩니다.',
};
