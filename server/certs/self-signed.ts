import crypto from 'node:crypto';
import forge from 'node-forge';

export interface CertificatePair {
  key: string;
  cert: string;
}

/**
 * A self-signed certificate for the host name (and its domain), RSA 2048, valid for
 * 825 days. The key comes from Node's crypto (fast); node-forge builds the X.509.
 */
export function createSelfSigned(hostname: string, altNames: string[] = []): CertificatePair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pubPem);
  cert.serialNumber = '01' + crypto.randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 825 * 24 * 3600_000);
  const attrs = [
    { name: 'commonName', value: hostname },
    { name: 'organizationName', value: 'Pillarbox' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const names = [...new Set([hostname, ...altNames])];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { key: keyPem, cert: forge.pki.certificateToPem(cert) };
}
