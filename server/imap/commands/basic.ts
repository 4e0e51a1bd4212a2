import { OTHER_USERS_PREFIX, PUBLIC_PREFIX } from '../session/access';
import { ParseError } from '../protocol/command-cursor';
import { nstring } from '../protocol/encode';
import { ANY, AUTHENTICATED, type CommandSpec, SELECTED, bad, no, ok } from '../session/command-types';

export const basicCommands: Record<string, CommandSpec> = {
  CAPABILITY: {
    states: ANY,
    async run(s, args) {
      args.end();
      await s.write(`* CAPABILITY ${s.capabilities().join(' ')}\r\n`);
      return ok('Capability completed');
    },
  },

  NOOP: {
    states: ANY,
    async run(_s, args) {
      args.end();
      return ok('NOOP completed');
    },
  },

  CHECK: {
    states: SELECTED,
    async run(_s, args) {
      args.end();
      return ok('CHECK completed');
    },
  },

  LOGOUT: {
    states: ANY,
    async run(s, args) {
      args.end();
      await s.write('* BYE Logging out\r\n');
      s.unselect();
      s.state = 'logout';
      return ok('LOGOUT completed');
    },
  },

  /** RFC 2971: we log what the client says about itself and name ourselves. */
  ID: {
    states: ANY,
    async run(s, args) {
      args.sp();
      const fields: Record<string, string | null> = {};
      if (!args.maybeKeyword('NIL')) {
        const items = args.list(() => {
          const v = args.nstring();
          return v === null ? null : v.toString('utf8');
        });
        if (items.length % 2 !== 0 || items.length > 60) throw new ParseError('ID takes field-value pairs');
        for (let i = 0; i < items.length; i += 2) fields[String(items[i]).slice(0, 30)] = items[i + 1]?.slice(0, 1024) ?? null;
      }
      args.end();
      if (Object.keys(fields).length) s.log.event('client id', { remote: s.conn.remoteAddress, id: fields });
      await s.write(`* ID (${nstring('name')} ${nstring('Pillarbox')} ${nstring('vendor')} ${nstring('Pillarbox')})\r\n`);
      return ok('ID completed');
    },
  },

  /** RFC 5161: CONDSTORE, QRESYNC, UTF8=ACCEPT and IMAP4rev2 (RFC 9051) can be enabled; other names are accepted and not enabled. */
  ENABLE: {
    states: AUTHENTICATED,
    async run(s, args) {
      const names: string[] = [];
      do {
        args.sp();
        names.push(args.atom().toUpperCase());
      } while (!args.atEnd());
      const enabled: string[] = [];
      if (names.includes('CONDSTORE') && !s.condstore) {
        await s.enableCondstore();
        enabled.push('CONDSTORE');
      }
      if (names.includes('QRESYNC') && !s.qresync) {
        await s.enableQresync();
        enabled.push('QRESYNC');
      }
      if (names.includes('UTF8=ACCEPT') && !s.utf8AcceptEnabled) {
        s.utf8AcceptEnabled = true;
        s.utf8Accept = true;
        enabled.push('UTF8=ACCEPT');
      }
      if (names.includes('IMAP4REV2') && !s.rev2) {
        s.enableRev2();
        enabled.push('IMAP4rev2');
      }
      await s.write(`* ENABLED${enabled.map((n) => ' ' + n).join('')}\r\n`);
      return ok('ENABLE completed');
    },
  },

  /** RFC 4978: after the tagged OK both directions are raw DEFLATE. */
  COMPRESS: {
    states: AUTHENTICATED,
    async run(s, args, call) {
      args.sp();
      const mechanism = args.atom().toUpperCase();
      args.end();
      if (mechanism !== 'DEFLATE') return bad(`Unknown compression mechanism ${mechanism.slice(0, 32)}`);
      if (s.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
      if (s.hasBufferedInput) return bad('No commands may follow COMPRESS before its answer');
      await s.write(`${call.tag} OK DEFLATE active\r\n`);
      s.startCompression();
      return { status: 'OK', text: '', answered: true };
    },
  },

  NAMESPACE: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.end();
      // Personal with no prefix; other users' mailboxes shared with this user; the public folders.
      await s.write(`* NAMESPACE (("" "/")) ((${nstring(OTHER_USERS_PREFIX)} "/")) ((${nstring(PUBLIC_PREFIX)} "/"))\r\n`);
      return ok('NAMESPACE completed');
    },
  },
};
