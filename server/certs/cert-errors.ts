/** Why a certificate operation was refused; the code is machine-readable, the message for the administrator. */
export type CertErrorCode =
  | 'CERTIFICATE_NOT_FOUND'
  | 'NAME_TAKEN'
  | 'IN_USE'
  | 'INVALID_INPUT'
  | 'TOO_LARGE'
  | 'INVALID_PEM'
  | 'INVALID_PKCS12'
  | 'WRONG_PASSPHRASE'
  | 'KEY_MISMATCH'
  | 'WEAK_KEY'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'BROKEN_CHAIN'
  | 'NOT_PENDING'
  | 'NOT_SELF_SIGNED'
  | 'NOT_ACME'
  | 'ACME_FAILED';

export class CertError extends Error {
  constructor(
    readonly code: CertErrorCode,
    message: string,
  ) {
    super(message);
  }
}
