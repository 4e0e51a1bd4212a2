import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { signWithKeys } from './dkim-key-signer';
import type { SignReply, SignRequest } from './dkim-sign-protocol';
import { SpooledMessage } from './spooled-message';

/**
 * A DKIM signing thread (dkim-sign-pool.ts): canonicalization, body hash and signature of
 * whole messages, with the same signer as the main thread. Keys arrive once and are kept.
 */
const keys = new Map<number, KeyObject>();

async function sign(request: SignRequest): Promise<SignReply> {
  const signing = request.keys.map((k) => {
    if (k.key) keys.set(k.id, k.key);
    const key = keys.get(k.id);
    if (!key) throw new Error(`DKIM key ${k.selector} was never sent to this worker`);
    return { selector: k.selector, key };
  });
  const { source } = request;
  const message = 'content' in source ? Buffer.from(source.content.buffer, source.content.byteOffset, source.content.byteLength) : (await SpooledMessage.load(source.file, source.skip, 0)).open();
  const result = await signWithKeys(message, request.domain, signing, { signTime: request.signTime, signHere: true });
  return { job: request.job, signatures: result.signatures, errors: result.errors.map((e) => e.message) };
}

parentPort?.on('message', (request: SignRequest) => {
  sign(request).then(
    (reply) => parentPort?.postMessage(reply),
    (err: unknown) => parentPort?.postMessage({ job: request.job, signatures: '', errors: [err instanceof Error ? err.message : String(err)] } satisfies SignReply),
  );
});
