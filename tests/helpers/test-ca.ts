import crypto from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its key, as a test CA hands them out. */
export interface Issued {
  key: crypto.KeyObject;
  keyPem: string;
  certPem: string;
  subject: string;
}

const DAY = 86_400_000;
/** RSA keys are slow to make; tests share a few. */
const keyPool: crypto.KeyObject[] = [];
let next = 0;

function rsaKey(): crypto.KeyObject {
  if (keyPool.length < 6) {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    keyPool.push(key);
    return key;
  }
  return keyPool[next++ % keyPool.length];
}

/**
 * A certificate signed by `issuer` (or by itself), made with node-forge, which can set any
 * dates and CA flags: what a test needs to build chains, expired leaves and the like.
 */
export function issue(
  commonName: string,
  options: { issuer?: Issued; ca?: boolean; names?: string[]; ips?: string[]; notBefore?: Date; notAfter?: Date; key?: crypto.KeyObject } = {},
): Issued {
  const key = options.key ?? rsaKey();
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + crypto.randomBytes(8).toString('hex');
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 90 * DAY);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  const issuerCert = options.issuer ? forge.pki.certificateFromPem(options.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  cert.setExtensions(
    options.ca
      ? [
          { name: 'basicConstraints', cA: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: [...(options.names ?? [commonName]).map((value) => ({ type: 2, value })), ...(options.ips ?? []).map((ip) => ({ type: 7, ip }))],
          },
        ],
  );
  const signer = options.issuer?.key ?? key;
  cert.sign(forge.pki.privateKeyFromPem(signer.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return { key, keyPem, certPem: forge.pki.certificateToPem(cert), subject: `CN=${commonName}` };
}

/** A root, an intermediate under it, and a leaf for the names under the intermediate. */
export function chainFor(names: string[], leafOptions: { notBefore?: Date; notAfter?: Date } = {}): { root: Issued; intermediate: Issued; leaf: Issued } {
  const root = issue('Test Root CA', { ca: true });
  const intermediate = issue('Test Intermediate CA', { ca: true, issuer: root });
  const leaf = issue(names[0], { issuer: intermediate, names, ...leafOptions });
  return { root, intermediate, leaf };
}

export const DAYS = DAY;
