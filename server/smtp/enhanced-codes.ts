// smtp-server adds an RFC 2034 enhanced status code of its own choosing to every
// reply; the policy here knows the precise one (5.7.1 relay denied, 5.1.1 unknown
// user) and writes it first in the text. This makes the connection use that code
// instead of adding a second, generic one.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SMTPConnection } = require('smtp-server/lib/smtp-connection') as {
  SMTPConnection: { prototype: { send(code: number, data: unknown, context?: unknown): void } };
};

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;
let installed = false;

export function usePolicyEnhancedCodes(): void {
  if (installed) return;
  installed = true;
  const original = SMTPConnection.prototype.send;
  SMTPConnection.prototype.send = function send(code: number, data: unknown, context?: unknown) {
    const first = Array.isArray(data) ? data[0] : data;
    if (typeof first === 'string' && ENHANCED.test(first)) return original.call(this, code, data, false);
    return original.call(this, code, data, context);
  };
}
