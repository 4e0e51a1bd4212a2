import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../server/junk/tokenizer';
import { decodeEncodedWords } from '../../server/mail/mime/encoded-words';
import { decodeQuotedPrintable } from '../../server/mail/mime/transfer';
import { parseMessage, leafParts, partText } from '../../server/junk/mime';
import { parseHtml } from '../../server/junk/html';
import { message } from './fixtures';

const has = (raw: Buffer, ...tokens: string[]) => {
  const t = tokenize(raw);
  for (const token of tokens) assert.ok(t.tokens.has(token) || t.localeTokens.has(token), `missing ${token} in ${[...t.tokens].join(' ')}`);
  return t;
};

describe('junk tokenizer', () => {
  it('prefixes header tokens by field and keeps body words bare', () => {
    const raw = message(
      { From: '"Sales Team" <sales@mail.shop.example.com>', To: 'a@example.test, b@example.test', Subject: 'Cheap watches', 'X-Mailer': 'SuperMailer 4.2.1', 'Message-ID': '<123abc@mx7.shop.example.com>', Received: 'from relay.bad.example.net (relay.bad.example.net [203.0.113.9]) by mx.example.test with ESMTP id X1' },
      'Buy cheap watches today',
    );
    const t = has(raw, 's:cheap', 's:watches', 'f:addr:sales@mail.shop.example.com', 'f:dom:example.com', 'f:name:sales', 't:count:2', 'xm:supermailer #.#.#', 'message-id:@mx#.shop.example.com', 'd:example.net', 'rcv:ip:203.0', 'rcv:with:esmtp', 'buy', 'cheap', 'watches', 'cheap watches');
    assert.ok(!t.tokens.has('s:buy'));
  });

  it('decodes RFC 2047 subjects and records their charset', () => {
    assert.equal(decodeEncodedWords('=?utf-8?B?R3LDvMOfZQ==?= =?iso-8859-1?Q?Caf=E9?='), 'GrüßeCafé');
    const t = has(message({ Subject: '=?koi8-r?B?8NLJ18XU?=' }, 'x'), 's:привет', 'cs:koi8-r');
    assert.ok(t.charsets.has('koi8-r'));
  });

  it('walks multipart messages and decodes base64 and quoted-printable parts', () => {
    const b64 = Buffer.from('Wonderful opportunity awaits', 'utf8').toString('base64');
    const raw = message(
      { 'Content-Type': 'multipart/mixed; boundary="b1"', 'MIME-Version': '1.0' },
      [
        'preamble', '--b1', 'Content-Type: multipart/alternative; boundary=b2', '', '--b2',
        'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '',
        'Caf=E9 au lait, soft=', 'break', '--b2', 'Content-Type: text/html', 'Content-Transfer-Encoding: base64', '', b64, '--b2--',
        '--b1', 'Content-Type: application/octet-stream; name="invoice.exe"', 'Content-Disposition: attachment; filename="invoice.exe"', 'Content-Transfer-Encoding: base64', '', 'AAAA', '--b1--', 'epilogue',
      ].join('\n'),
    );
    const root = parseMessage(raw);
    assert.deepEqual(leafParts(root).map((p) => p.type), ['text/plain', 'text/html', 'application/octet-stream']);
    assert.equal(partText(leafParts(root)[0]), 'Café au lait, softbreak');
    has(raw, 'café', 'softbreak', 'wonderful', 'opportunity', 'att:ext:exe', 'att:type:application/octet-stream', 'cte:text/html:base64', 'mime:multipart/mixed', 'cs:iso-8859-1');
  });

  it('decodes quoted-printable escapes and soft breaks byte for byte', () => {
    assert.equal(decodeQuotedPrintable(Buffer.from('a=3Db=\r\nc= \r\nd=ZZ')).toString('latin1'), 'a=bcd=ZZ');
  });

  it('reads HTML: visible text, link targets, tags of interest, and words split by comments', () => {
    const html = parseHtml('<html><style>p{color:red}</style><p>Vi<!-- x -->agra &amp; more</p><a href="http://203.0.113.5:8080/buy?now=1">x</a><form action="https://evil.example/x"></form><script>var a="hidden";</script><img src="cid:abc" width=1 height=1>');
    assert.match(html.text, /Viagra & more/);
    assert.ok(!html.text.includes('color') && !html.text.includes('hidden'));
    assert.deepEqual(html.links, ['http://203.0.113.5:8080/buy?now=1', 'https://evil.example/x', 'cid:abc']);
    assert.ok(html.features.has('form') && html.features.has('img-tiny') && html.features.has('comment'));
  });

  it('turns URLs into host, domain, port and path tokens', () => {
    has(message({ 'Content-Type': 'text/html' }, '<a href="http://203.0.113.5:8080/buy/pills.html">x</a> see www.shop.example.co/deals/today and mailto:x@spam.example'), 'url:ip', 'url:port', 'url:path:pills', 'url:path:html', 'url:www.shop.example.co', 'url:example.co', 'url:path:deals');
    has(message({}, 'Visit http://www.offers.example.net/a/promo-code?x=1 now'), 'url:www.offers.example.net', 'url:example.net', 'url:path:promo', 'url:path:code', 'visit', 'now');
  });

  it('ignores our own X-Spam-* headers and the mbox envelope line', () => {
    const raw = Buffer.from('From someone@example.com Thu Aug 22 13:17:22 2002\r\nX-Spam-Status: Yes, score=9.9\r\nSubject: hi\r\n\r\nbody text\r\n');
    const t = tokenize(raw);
    assert.ok(![...t.tokens].some((x) => x.includes('9.9') || x.includes('thu')));
    assert.ok(t.tokens.has('s:len:0') && t.tokens.has('body'));
  });

  it('marks long strings by shape and tokenizes e-mail addresses in text', () => {
    has(message({}, 'write to john.doe@example.org or visit xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), 'email:example.org', 'email-name:john.doe', 'skip:x50');
  });

  it('records country-code domains as locale tokens', () => {
    const t = tokenize(message({ From: 'x@shop.example.kr' }, 'hello'));
    assert.ok(t.countries.has('kr') && t.localeTokens.has('cc:kr'));
  });

  it('tokenizes a 256 KB message quickly', () => {
    const big = message({ Subject: 'big' }, 'lorem ipsum dolor sit amet consectetur '.repeat(7000));
    const start = process.hrtime.bigint();
    tokenize(big);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 500);
  });
});
