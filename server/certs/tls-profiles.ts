import crypto from 'node:crypto';
import type tls from 'node:tls';

/**
 * TLS server profiles after Mozilla's server-side TLS guidelines (version 5.7):
 * - intermediate (the default): TLS 1.2 and 1.3; in TLS 1.2 only ECDHE key exchange with
 *   AEAD ciphers (no static RSA, no CBC), so every session has forward secrecy;
 * - modern: TLS 1.3 only.
 * Both refuse renegotiation (a client-initiated renegotiation costs the server a handshake
 * each time: a denial-of-service lever) and prefer the server's cipher order.
 */
export type TlsProfile = 'intermediate' | 'modern';
export const TLS_PROFILES: readonly TlsProfile[] = ['intermediate', 'modern'];

const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

export type ProfileOptions = Pick<tls.SecureContextOptions, 'minVersion' | 'ciphers' | 'ecdhCurve' | 'secureOptions' | 'honorCipherOrder'>;

export function tlsProfileOptions(profile: TlsProfile): ProfileOptions {
  return {
    minVersion: profile === 'modern' ? 'TLSv1.3' : 'TLSv1.2',
    ciphers: [...TLS13_CIPHERS, ...(profile === 'modern' ? [] : TLS12_CIPHERS)].join(':'),
    ecdhCurve: 'X25519:prime256v1:secp384r1',
    secureOptions: crypto.constants.SSL_OP_NO_RENEGOTIATION,
    honorCipherOrder: true,
  };
}
