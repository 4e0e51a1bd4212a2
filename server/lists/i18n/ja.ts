import type { Catalogue } from './en';

/** The Japanese catalogue (same ids as en.ts). Commands stay in English, as Mailman's do. */
export const JA: Catalogue = {
  'confirm.subscribe.subject': 'confirm {token}',
  'confirm.subscribe.body':
    '{address} をメーリングリスト {list} に登録する依頼を受け付けました。\n\n' +
    '確認するには、このメッセージに返信する（件名はそのまま）か、{confirmAddress} 宛てにメッセージを送るか、\n\n' +
    '    confirm {token}\n\n' +
    'と書いて {request} 宛てに送ってください。\n\n' +
    'お心当たりがなければ、このメッセージは無視してください。何も行われず、依頼は {expires} に失効します。',
  'confirm.unsubscribe.subject': 'confirm {token}',
  'confirm.unsubscribe.body':
    '{address} をメーリングリスト {list} から退会させる依頼を受け付けました。\n\n' +
    '確認するには、このメッセージに返信する（件名はそのまま）か、{confirmAddress} 宛てにメッセージを送るか、\n\n' +
    '    confirm {token}\n\n' +
    'と書いて {request} 宛てに送ってください。\n\n' +
    'お心当たりがなければ、このメッセージは無視してください。登録はそのまま残り、依頼は {expires} に失効します。',
  'welcome.subject': 'メーリングリスト {list} へようこそ',
  'welcome.body':
    'メーリングリスト {list}{description} へようこそ。\n\n' +
    '投稿は {post} 宛てに送ってください。\n\n' +
    '{welcomeText}' +
    '退会するには {leave} 宛てにメッセージを送ってください（確認をお願いします）。その他のコマンドは "help" と書いて {request} 宛てに送ると分かります。\n\n' +
    '登録アドレスは {address} です。',
  'goodbye.subject': 'メーリングリスト {list} から退会しました',
  'goodbye.body': '{address} はメーリングリスト {list} から退会しました。\n\n{goodbyeText}再び参加するには {join} 宛てにメッセージを送ってください。',
  'approval.waiting': '{list} への登録は確認されました。現在、リスト管理者の承認を待っています。',
  'results.subject': 'コマンドの実行結果',
  'results.intro': '{request} 宛てのコマンドの実行結果:',
  'results.line': '> {command}',
  'results.ignored': 'さらに {count} 行は無視しました。コマンドのメッセージから読むのは最大 {max} 行です。',
  'results.tooMany': 'メッセージに {count} 個のコマンドがあります。1 通で受け付けるのは最大 {max} 個です。どのコマンドも実行していません。',
  'results.none': 'メッセージにコマンドが見つかりませんでした。コマンドの一覧は "help" を送ると分かります。',
  'results.done': 'コマンドは以上です。',
  'cmd.unknown': '不明なコマンドです。コマンドの一覧は "help" を送ると分かります。',
  'cmd.help':
    '{request} 宛てのコマンド（件名または本文に、1 行に 1 つ）:\n' +
    '  help                         この説明\n' +
    '  info                         このリストの案内\n' +
    '  lists                        このサーバのリスト一覧\n' +
    '  who                          メンバー一覧（リストが許可している場合）\n' +
    '  subscribe [アドレス] [digest|nodigest]   登録（確認のメールがアドレスに届きます）\n' +
    '  unsubscribe [アドレス]       退会（確認のメールがアドレスに届きます）\n' +
    '  set delivery on|off          登録したまま投稿の配送を受ける・止める\n' +
    '  set digest mime|plain|off    投稿をダイジェストで受け取る・受け取らない\n' +
    '  set myposts on|off           自分の投稿を受け取る・受け取らない\n' +
    '  set ack on|off               自分の投稿ごとに短い受領通知を受け取る\n' +
    '  set hide on|off              メンバー一覧（who）に自分のアドレスを出さない\n' +
    '  confirm TOKEN                依頼を確認する\n' +
    '  end                          ここで読むのをやめる（署名の前の "-- " の行も同じ）\n' +
    '{join} 宛てに送ると登録、{leave} 宛てに送ると退会もできます。',
  'cmd.info': '{list}{description}\n投稿先: {post}\nコマンド: {request}\n管理者: {owner}\n{info}',
  'cmd.lists.header': '{domain} のメーリングリスト:',
  'cmd.lists.line': '  {address}{description}',
  'cmd.lists.none': '{domain} にはメーリングリストがありません。',
  'cmd.who.header': '{list} のメンバー（{count} 人）:',
  'cmd.who.line': '  {address}',
  'cmd.who.refused': '{list} のメンバー一覧は{who}にだけ公開されています。',
  'cmd.who.members': 'メンバー',
  'cmd.who.owners': 'リスト管理者',
  'cmd.subscribe.sent': '確認のメールを {address} に送りました。',
  'cmd.subscribe.already': '{address} はすでに {list} のメンバーです。',
  'cmd.subscribe.closed': '{list} はメールによる登録を受け付けていません。管理者（{owner}）にお問い合わせください。',
  'cmd.subscribe.badAddress': '"{address}" は正しいアドレスではありません。',
  'cmd.subscribe.badOption': '"{option}" は subscribe のオプションではありません（digest または nodigest）。',
  'cmd.unsubscribe.sent': '{address} が {list} のメンバーであれば、確認のメールをそのアドレスに送りました。',
  'cmd.set.usage': '使い方: set delivery on|off、set digest mime|plain|off、set myposts on|off、set ack on|off、set hide on|off',
  'cmd.set.done': '{address} への配送は{state}になりました。',
  'cmd.set.on': 'オン',
  'cmd.set.off': 'オフ',
  'cmd.notMember': '{address} は {list} のメンバーではありません。',
  'cmd.confirm.usage': '使い方: confirm TOKEN',
  'confirm.subscribed': '{address} は {list} のメンバーになりました。',
  'confirm.unsubscribed': '{address} は {list} から退会しました。',
  'confirm.unknown': 'この確認トークンは無効です（入力の誤りか、発行されていないもの）。何も変更していません。',
  'confirm.expired': 'この確認トークンは期限切れです。何も変更していません。もう一度依頼してください。',
  'confirm.used': 'この確認トークンはすでに使われています。何も変更していません。',
  'confirm.error.subject': '{list} への確認',
  'notice.held.subject': '{list} へのメッセージは司会者の承認待ちです',
  'notice.held.body':
    '{list} 宛ての次の件名のメッセージ\n\n    {subject}\n\nは、司会者が確認するまで保留されています。理由: {reason}。\n\n' +
    '却下された場合はお知らせします。',
  'notice.rejected.subject': '{list} へのメッセージは却下されました',
  'notice.rejected.body': '{list} 宛ての次の件名のメッセージ\n\n    {subject}\n\nは却下されました。理由: {reason}。',
  'reason.nonMember': 'メンバー以外からの投稿は承認なしには受け付けません',
  'reason.nonMemberRejected': 'このリストはメンバーからの投稿だけを受け付けます',
  'reason.tooBig': 'メッセージの大きさ {size} KB がリストの上限 {max} KB を超えています',
  'reason.moderator': '司会者が却下しました',
  'reason.bounces': 'エラーによる返送（スコア {score}、最新: {status}）',
  'bounce.disabled.subject': '{list} への配送を停止しました',
  'bounce.disabled.body': 'アドレス {address} 宛てのメールがエラーで返送されているため、メーリングリスト {list} からの配送を停止しました。配送を再開するまで、リストの投稿は届きません。\n\n再開するには、次の行\n\n    set delivery on\n\nを書いたメッセージを {address} から {request} 宛てに送ってください。\n\nこのお知らせはあと {left} 回届きます。{removal} の時点で配送が停止したままであれば、リストから退会となります。',
  'bounce.owner.disabled.subject': '{list} の {address} への配送を返送エラーのため停止しました',
  'bounce.owner.disabled.body': 'メーリングリスト {list} の {address} への配送を停止しました。返送スコア {score} がリストの上限 {threshold} に達しました（最新の返送: {status}）。メンバーには再開の方法を知らせました。',
  'bounce.owner.removed.subject': '返送エラーのため {address} を {list} から退会させました',
  'bounce.owner.removed.body': '{address} をメーリングリスト {list} から退会させました。返送エラーのため配送が停止され、最後のお知らせの後も再開されませんでした。',
  'digest.subject': '{list} ダイジェスト 第 {volume} 巻 第 {issue} 号',
  'digest.masthead': 'メーリングリスト {list} への投稿は\n\t{post}\nに送ってください。\n\n登録・退会やその他のコマンドについては、件名または本文に "help" と書いたメッセージを\n\t{request}\nに送ってください。\n\nリストの管理者の連絡先:\n\t{owner}\n\n返信するときは、件名を "Re: {list} ダイジェストの内容..." より具体的なものに変えてください。',
  'digest.topics': '今回の話題:',
  'digest.end': '{list} ダイジェスト 第 {volume} 巻 第 {issue} 号 終わり',
  'cmd.set.digestDone': '{address} は今後 {mode} を受け取ります。',
  'cmd.digest.mime': 'MIME 形式のダイジェスト',
  'cmd.digest.plain': 'テキスト形式のダイジェスト',
  'cmd.digest.off': '投稿を 1 通ずつ（ダイジェストなし）',
  'archive.title': '{list} のアーカイブ',
  'archive.periods': '期間',
  'archive.posts': '{count} 件',
  'archive.byThread': 'スレッド順',
  'archive.byDate': '日付順',
  'archive.byAuthor': '投稿者順',
  'archive.mbox': 'mbox ファイル',
  'archive.search': 'アーカイブを検索',
  'archive.searchButton': '検索',
  'archive.results': '「{query}」で {count} 件見つかりました',
  'archive.empty': 'アーカイブされた投稿はまだありません。',
  'archive.back': 'アーカイブに戻る',
  'archive.raw': '送信されたままのメッセージ (.eml)',
  'archive.private': '{list} のアーカイブは非公開です。',
  'archive.period': '{list}: {period}（{order}）',
  'reason.moderated': 'このリストへの投稿はすべてモデレーターが確認します',
  'reason.memberModerated': 'あなたのこのリストへの投稿はモデレーターが確認します',
  'cmd.subscribe.banned': '{address} は {list} に登録できません。',
  'moderation.notice.subject': '{from} から {list} への投稿は承認が必要です',
  'moderation.notice.body': '{list} への投稿がモデレーターの判断待ちで保留されています。\n\n    差出人: {from}\n    件名: {subject}\n    理由: {reason}\n    サイズ: {size} バイト\n\nこのメッセージに返信して判断してください。最初の行が "approve"（または "Approved:" ヘッダー）ならメンバーに配信します。"reject" と理由なら投稿者に返します。"defer" なら保留を続けます。どれも含まない返信は投稿を破棄します（Mailman と同じく、返信でスパムを破棄できます）。\n\nまたは次のいずれかの行を {request} に送ってください:\n\n    approve {token}\n    reject {token} 理由\n    discard {token}\n    defer {token}\n\n投稿の冒頭:\n\n{excerpt}',
  'moderation.approve': '{from} からの投稿（"{subject}"）を承認し、メンバーに配信しました。',
  'moderation.reject': '{from} からの投稿（"{subject}"）を拒否し、投稿者に通知しました。',
  'moderation.discard': '{from} からの投稿（"{subject}"）を破棄しました。',
  'moderation.defer': '{from} からの投稿（"{subject}"）は保留のままです（延期）。',
  'moderation.unknown': 'このトークンの保留投稿はありません（判断済み、または発行されていません）。何も変更していません。',
  'moderation.usage': '使い方: approve トークン、reject トークン [理由]、discard トークン、defer トークン',
  'summary.subject': '{list} のモデレーター宛て要求が {count} 件あります',
  'summary.intro': 'メーリングリスト {list} の次の要求がモデレーターを待っています:',
  'summary.held': '保留中の投稿（{count} 件）:',
  'summary.heldLine': '  #{id}  {date}\n      {from}: {subject}\n      理由: {reason}{deferred}',
  'summary.deferred': '（延期）',
  'summary.subscriptions': '承認待ちの登録（{count} 件）:',
  'summary.subscriptionLine': '  #{id}  {date}  {address}',
  'summary.howTo': '投稿のモデレーション通知に返信して判断するか、その通知のトークンを付けて "approve トークン"、"reject トークン 理由"、"discard トークン"、"defer トークン" を {request} に送ってください。登録はリストの管理者が判断します。',
  'reason.filtered': 'リストのコンテンツフィルターの後、メッセージに何も残りませんでした',
  'cmd.set.myposts': '{address} は自分の投稿を{state}。',
  'cmd.set.mypostsOn': '受け取ります',
  'cmd.set.mypostsOff': '受け取りません',
  'cmd.set.ack': '{address} の投稿の受領通知は{state}になりました。',
  'cmd.set.hide': '{address} はメンバー一覧に{state}。',
  'cmd.set.hidden': '表示されません',
  'cmd.set.shown': '表示されます',
  'ack.subject': '{list} への投稿の受領通知',
  'ack.body': '件名\n\n    {subject}\n\nの {list} へのメッセージを受け取り、メンバーに配信しました。\n\nこの通知は、あなたが希望したため（"set ack on"）送られています。{request} に "set ack off" を送ると止まります。',
  'confirm.invite.body': 'メーリングリスト {list}{description} の管理者が {address} を招待しています。\n\n参加するには、このメッセージに返信するか（件名はそのまま）、{confirmAddress} にメッセージを送るか、\n\n    confirm {token}\n\nを {request} に送ってください。\n\n参加しない場合はこのメッセージを無視してください。何も起こらず、招待は {expires} に期限切れになります。',
  'confirm.set.subject': 'confirm {token}',
  'confirm.set.body': 'メーリングリスト {list} での {address} の設定を変更する依頼を受け付けました: set {change}\n\n確認するには、このメッセージに返信する（件名はそのまま）か、{confirmAddress} 宛てにメッセージを送るか、\n\n    confirm {token}\n\nと書いて {request} 宛てに送ってください。\n\nお心当たりがなければ、このメッセージは無視してください。何も変わらず、依頼は {expires} に失効します。',
  'cmd.set.confirmSent': '{address} が {list} のメンバーであれば、確認のメールをそのアドレスに送りました。確認されると「set {change}」が適用されます。',
};
