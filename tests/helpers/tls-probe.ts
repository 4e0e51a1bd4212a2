import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import tls from 'node:tls';

export interface Served {
  /** SHA-256 fingerprints of the certificates the server sent, leaf first. */
  fingerprints: string[];
  subjects: string[];
}

/**
 * What `openssl s_client` sees on a port: the certificate chain the server sent, after
 * STARTTLS in the protocol's own words when `starttls` is given, with SNI when `servername` is.
 */
export function sClient(port: number, options: { starttls?: 'smtp' | 'imap' | 'pop3' | 'sieve'; servername?: string } = {}): Promise<Served> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-showcerts'];
  if (options.starttls) args.push('-starttls', options.starttls);
  args.push(...(options.servername ? ['-servername', options.servername] : ['-noservername']));
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const pems = stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
      if (!pems.length) return reject(new Error(`openssl s_client ${args.join(' ')} saw no certificate: ${stderr || err?.message}`));
      const certs = pems.map((p) => new crypto.X509Certificate(p));
      resolve({ fingerprints: certs.map((c) => c.fingerprint256), subjects: certs.map((c) => c.subject.replace(/\n/g, ', ')) });
    });
    child.stdin?.end();
  });
}

/** The leaf certificate Node's tls client is given on an implicit-TLS port. */
export function nodeTlsLeaf(port: number, servername?: string): Promise<crypto.X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}
