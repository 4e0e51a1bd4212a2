/**
 * Fuzz target for delivery status notifications (RFC 3464): whatever the original header holds and
 * whatever a remote server answered, the report must stay a well-formed multipart/report that our
 * own MIME parser reads back: three parts, one status block per recipient, the header unchanged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDeliveryReport } from '../../server/queue/dsn';
import { parseHeaderFields } from '../../server/mail/mime/header';
import { parseMime } from '../../server/mail/mime/tree';
import type { QueueEntry } from '../../server/queue/types';
import { atom, latin1, message, nastyChar, rawBytes, sentence } from './arbitraries';
import { check, fc, fuzz, jsonCodec } from './driver';

interface DsnInput {
  /** The spooled message (latin1), with `prefix` bytes of local trace header before it. */
  spool: string;
  prefix: number;
  sender: string;
  action: 'failed' | 'delayed';
  recipients: { address: string; original: string; diagnostic: string | null }[];
}

// Addresses as smtp-server lets them through: no control characters.
const address = fc.tuple(fc.oneof(atom, fc.string({ maxLength: 10 })), atom).map(([l, d]) => `${l}@${d}`.replace(/[\x00-\x1f\x7f]/g, '')); // eslint-disable-line no-control-regex
const diagnostic = fc.oneof(
  fc.constant(null),
  fc.constantFrom('550 5.1.1 <bob@example.org>: Recipient address rejected', '452 4.2.2 Mailbox full', 'connection refused', '554 5.7.1\r\n554-second line', '5.9.999.9 x'),
  sentence(fc.oneof(atom, nastyChar, fc.constantFrom('\r\n', '\r\n\r\n--', '--=_report_', 'Content-Type: text/html', '.'))),
  rawBytes(80),
);

// The report reads the spool file back: in memory (tmpfs) where there is one, the disk otherwise.
let dir = '';
let n = 0;

fuzz({
  name: 'dsn-report',
  arbitrary: fc.record({
    // Headers past the 64 KiB returned (70 KB to write and read back) one time in twenty-one.
    spool: fc.oneof({ weight: 10, arbitrary: message }, { weight: 10, arbitrary: rawBytes(300) }, { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((k) => `Subject: ${'h'.repeat(k)}\r\n\r\nbody`) }),
    prefix: fc.nat({ max: 40 }),
    sender: address,
    action: fc.constantFrom('failed' as const, 'delayed' as const),
    recipients: fc.array(fc.record({ address: fc.oneof(address, address.map((a) => `local:${a.length}`)), original: address, diagnostic }), { minLength: 1, maxLength: 4 }),
  }),
  codec: jsonCodec<DsnInput>(),
  async: true,
  hangMs: 200,
  // Made when the target runs (not when the file is loaded, which left empty folders behind).
  before: async () => void (dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'pillarbox-fuzz-dsn-'))),
  after: async () => fs.rmSync(dir, { recursive: true, force: true }),
  async run(input) {
    const file = path.join(dir, `m${n++ % 8}`);
    const spool = latin1(input.spool);
    fs.writeFileSync(file, Buffer.concat([Buffer.alloc(input.prefix, 0x58), spool]));
    const entry = { id: 'QID1', createdAt: new Date(0), sender: input.sender, file, localPrefix: input.prefix } as QueueEntry;
    const report = await buildDeliveryReport(entry, input.recipients, { action: input.action, hostname: 'mail.example.test', retryUntil: new Date(86_400_000) });
    const root = parseMime(report);
    check(root.type === 'multipart' && root.subtype === 'report', `the report is ${root.type}/${root.subtype}`);
    const parts = root.children ?? [];
    check(parts.length === 3, () => `the report has ${parts.length} parts: ${parts.map((p) => `${p.type}/${p.subtype}`).join(', ')}`);
    check(`${parts[1].type}/${parts[1].subtype}` === 'message/delivery-status' && `${parts[2].type}/${parts[2].subtype}` === 'text/rfc822-headers', 'parts in the wrong order or of the wrong type');
    // One block of fields for the message, then one per recipient, none broken by what a server said.
    const status = report.subarray(parts[1].bs, parts[1].be).toString('latin1');
    const blocks = status.split('\r\n\r\n').filter((b) => b.trim() !== '');
    check(blocks.length === 1 + input.recipients.length, () => `${blocks.length} status blocks for ${input.recipients.length} recipients: ${JSON.stringify(status.slice(0, 600))}`);
    for (const block of blocks.slice(1)) {
      const fields = parseHeaderFields(latin1(block + '\r\n'), 0, block.length + 2);
      const get = (name: string) => fields.find((f) => f.name === name)?.value;
      check(get('final-recipient')?.startsWith('rfc822; ') === true, `a block without Final-Recipient: ${JSON.stringify(block)}`);
      check(get('action') === input.action, `a block with Action ${get('action')}`);
      check(/^[45]\.\d{1,3}\.\d{1,3}$/.test(get('status') ?? ''), `a bad Status ${JSON.stringify(get('status'))}`);
      check(fields.every((f) => /^[a-z-]+$/.test(f.name)), () => `a field name made up by a diagnostic: ${JSON.stringify(block)}`);
    }
    // The original header, byte for byte (up to 64 KiB, at a line end).
    const header = report.subarray(parts[2].bs, parts[2].be);
    const noLineEnd = header.toString('latin1') === '\r\n' && !spool.subarray(0, 64 * 1024).includes('\r\n');
    check(noLineEnd || (spool.subarray(0, header.length).equals(header) && header.length <= 64 * 1024), () => `the returned header is not the original's start: ${JSON.stringify(header.toString('latin1').slice(0, 200))}`);
  },
});
