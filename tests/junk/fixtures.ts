/** Small hand-written messages for the junk tests: CRLF line endings, as in the store. */
export function message(headers: Record<string, string>, body: string): Buffer {
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`, 'utf8');
}

const SPAM_LINES = [
  'Make money fast with our exclusive offer, click here now!',
  'Cheap pills, no prescription needed, order today and save 80%',
  'You have won a free prize: claim your cash reward at once',
  'Limited time offer: lose weight fast, guaranteed results or your money back',
  'Work from home and earn $5000 a week, click here to unsubscribe',
  'Hot singles in your area are waiting, click here for free access',
];

const HAM_LINES = [
  'The build on the release branch failed again; the linker runs out of memory.',
  'Can we move Thursday\u2019s design review to Friday morning? Alice is away.',
  'Attached are the minutes of the meeting about the database migration plan.',
  'The patch for the IMAP idle timeout looks good to me, merging it tonight.',
  'Lunch on Tuesday? The new place near the station does good soup.',
  'Please review the kernel config changes before we tag the next release.',
];

export function spam(i: number): Buffer {
  return message(
    { From: `"Best Deals" <deals${i}@promo-${i % 3}.example.biz>`, To: 'alice@example.test', Subject: `FREE offer ${i} - act now!!`, 'Message-ID': `<${i}.spam@promo.example.biz>`, 'Content-Type': 'text/html; charset=us-ascii' },
    `<html><body><p>${SPAM_LINES[i % SPAM_LINES.length]}</p><a href="http://promo-${i % 3}.example.biz/offer?id=${i}">Click here</a><img src="http://promo.example.biz/pixel.gif" width="1" height="1"></body></html>\n`,
  );
}

export function ham(i: number): Buffer {
  return message(
    { From: `Bob Builder <bob@example.org>`, To: 'alice@example.test', Subject: `Re: release notes, part ${i}`, 'Message-ID': `<${i}.ham@example.org>`, 'Content-Type': 'text/plain; charset=utf-8' },
    `Hi Alice,\n\n${HAM_LINES[i % HAM_LINES.length]}\n\nSee https://git.example.org/pillarbox/commit/${i}\n\nBob\n`,
  );
}
