import { parentPort, workerData } from 'node:worker_threads';
import { CertError } from './cert-errors';
import { readPkcs12 } from './pkcs12';

/** Opens one PKCS#12 file off the engine's thread (see readPkcs12Off) and posts back what it holds. */
const { data, passphrase } = workerData as { data: Uint8Array; passphrase: string };
try {
  const contents = readPkcs12(Buffer.from(data), passphrase);
  parentPort?.postMessage({ key: contents.key, certificates: contents.certificates.map((c) => c.raw) });
} catch (err) {
  const code = err instanceof CertError ? err.code : 'INVALID_PKCS12';
  parentPort?.postMessage({ error: { code, message: (err as Error).message ?? String(err) } });
}
