import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import forge from 'node-forge';
import { CertError, type CertErrorCode } from './cert-errors';
import { checkKeyStrength, checkSize } from './pem';

export interface Pkcs12Contents {
  key: crypto.KeyObject;
  certificates: crypto.X509Certificate[];
}

function derOf(value: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(value).getBytes(), 'binary');
}

/**
 * The key and certificates of a PKCS#12 file (base64 or raw), decrypted with the passphrase.
 * node-forge reads the container; keys and certificates it cannot model (ECDSA) are taken
 * from its ASN.1 and read by Node's crypto instead.
 */
export function readPkcs12(data: Buffer, passphrase: string): Pkcs12Contents {
  checkSize(data, 'the PKCS#12 file');
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, passphrase);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/password|MAC could not be verified/i.test(message)) throw new CertError('WRONG_PASSPHRASE', 'the passphrase does not open the PKCS#12 file');
    throw new CertError('INVALID_PKCS12', `not a PKCS#12 file this server can read: ${message}`);
  }
  const keys: crypto.KeyObject[] = [];
  const certificates: crypto.X509Certificate[] = [];
  for (const content of p12.safeContents) {
    for (const bag of content.safeBags) {
      const raw = bag as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
      if (bag.type === forge.pki.oids.certBag) {
        const der = bag.cert ? derOf(forge.pki.certificateToAsn1(bag.cert)) : raw.asn1 && derOf(raw.asn1);
        if (der) certificates.push(new crypto.X509Certificate(der));
      } else if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
        const pkcs8 = bag.key ? derOf(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))) : raw.asn1 && derOf(raw.asn1);
        if (pkcs8) keys.push(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
      }
    }
  }
  if (keys.length !== 1) throw new CertError('INVALID_PKCS12', keys.length ? 'the PKCS#12 file holds more than one private key' : 'the PKCS#12 file holds no private key');
  if (!certificates.length) throw new CertError('INVALID_PKCS12', 'the PKCS#12 file holds no certificate');
  checkKeyStrength(keys[0]);
  return { key: keys[0], certificates };
}

const WORKER_FILE = path.join(__dirname, `pkcs12-worker${path.extname(__filename) || '.js'}`);
/** A file whose key derivation runs longer than this (an absurd iteration count) is refused. */
const PKCS12_TIMEOUT_MS = 20_000;

/**
 * readPkcs12 in a worker thread: node-forge derives the keys in JavaScript (PBKDF2 with the
 * file's iteration count), over 100 ms for an ordinary file, which must not hold up the engine.
 */
export function readPkcs12Off(data: Buffer, passphrase: string): Promise<Pkcs12Contents> {
  checkSize(data, 'the PKCS#12 file');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: { data, passphrase }, execArgv: [] });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new CertError('INVALID_PKCS12', `opening the PKCS#12 file took over ${PKCS12_TIMEOUT_MS / 1000} s (its key derivation asks for too many rounds)`));
    }, PKCS12_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      void worker.terminate();
    };
    worker.once('message', (reply: { key?: crypto.KeyObject; certificates?: Uint8Array[]; error?: { code: CertErrorCode; message: string } }) => {
      done();
      if (reply.error) return reject(new CertError(reply.error.code, reply.error.message));
      resolve({ key: reply.key as crypto.KeyObject, certificates: (reply.certificates ?? []).map((der) => new crypto.X509Certificate(Buffer.from(der))) });
    });
    worker.once('error', (err) => {
      done();
      reject(new CertError('INVALID_PKCS12', `the PKCS#12 file could not be read: ${err.message}`));
    });
  });
}
