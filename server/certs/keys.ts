import crypto from 'node:crypto';

// Key types and key generation without node-forge, which the settings and the store need at
// start-up (forge loads at its first use: docs/benchmarks.md, startup).

export type KeyType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ecdsa-p256' | 'ecdsa-p384';
export const KEY_TYPES: readonly KeyType[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ecdsa-p256', 'ecdsa-p384'];

/** A new private key of the type, from Node's crypto. */
export function generateKey(type: KeyType): crypto.KeyObject {
  if (type.startsWith('rsa-')) return crypto.generateKeyPairSync('rsa', { modulusLength: Number(type.slice(4)) }).privateKey;
  return crypto.generateKeyPairSync('ec', { namedCurve: type === 'ecdsa-p384' ? 'secp384r1' : 'prime256v1' }).privateKey;
}

/** generateKey on libuv's thread pool: an RSA 4096 key takes seconds of CPU, which must not hold the event loop. */
export function generateKeyAsync(type: KeyType): Promise<crypto.KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: crypto.KeyObject, key: crypto.KeyObject) => (err ? reject(err) : resolve(key));
    if (type.startsWith('rsa-')) crypto.generateKeyPair('rsa', { modulusLength: Number(type.slice(4)) }, done);
    else crypto.generateKeyPair('ec', { namedCurve: type === 'ecdsa-p384' ? 'secp384r1' : 'prime256v1' }, done);
  });
}

/** Keys made ahead (makeKeyEarly), by type, until the first certificate takes one. */
const early = new Map<KeyType, Promise<crypto.KeyObject>>();

/**
 * Starts making a key of the type on the thread pool, for the certificate the engine makes at
 * its first start: the CLI asks before it loads the engine's modules, so the key is made on
 * the other core meanwhile instead of after them on the main thread.
 */
export function makeKeyEarly(type: KeyType): void {
  if (early.has(type)) return;
  const key = generateKeyAsync(type);
  key.catch(() => undefined);
  early.set(type, key);
}

/** The key makeKeyEarly started for the type, once (or undefined: make one now). */
export function takeEarlyKey(type: KeyType): Promise<crypto.KeyObject> | undefined {
  const key = early.get(type);
  early.delete(type);
  return key;
}
