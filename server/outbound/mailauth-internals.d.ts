// The parts of mailauth's DKIM signer that dkim-key-signer.ts builds on; mailauth ships no types for them.
declare module 'mailauth/lib/dkim/dkim-signer' {
  import type { Writable } from 'node:stream';
  export interface SignatureData {
    signingDomain: string;
    selector: string;
    privateKey: string;
    algorithm?: string;
    canonicalization?: string;
    maxBodyLength?: number | '';
  }
  export class DkimSigner extends Writable {
    constructor(options: { canonicalization?: string; signatureData: SignatureData[]; headerList?: string; signTime?: Date });
    signatureData: SignatureData[];
    signatureHeaders: string[];
    errors: { selector?: string; signingDomain?: string; err: Error }[];
    headers?: { parsed: unknown[] };
    headerList?: string;
    signTime?: Date;
    expires?: Date;
    bodyHashes: Map<string, { hash?: string | null }>;
    getCanonicalization(signatureData: SignatureData): { canonicalization: string; headerCanon: string; bodyCanon: string };
    finalize(): Promise<void>;
  }
}

declare module 'mailauth/lib/tools' {
  /** The header section split into fields (the empty line after it may be included). */
  export function parseHeaders(header: Buffer): { parsed: unknown[]; original: Buffer };
  export function getSigningHeaderLines(parsedHeaders: unknown[], fieldNames?: string): unknown;
  export function formatSignatureHeaderLine(type: string, values: Record<string, unknown>, folded: boolean): string;
  export function writeToStream(stream: NodeJS.WritableStream, input: NodeJS.ReadableStream): Promise<void>;
}

declare module 'mailauth/lib/dkim/header' {
  export function generateCanonicalizedHeader(
    type: string,
    signingHeaderLines: unknown,
    options: Record<string, unknown>,
  ): { canonicalizedHeader: Buffer; dkimHeaderOpts: Record<string, unknown> };
}

declare module 'mailauth/lib/arc' {
  import type { Readable } from 'node:stream';
  import type { KeyObject } from 'node:crypto';
  /** The three ARC header fields (ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results) of a new ARC set, CRLF-terminated. */
  export function sealMessage(
    input: Readable | Buffer,
    seal: { signingDomain: string; selector: string; privateKey: KeyObject | string; authResults: string; cv: 'none' | 'pass' | 'fail'; signTime?: Date },
  ): Promise<Buffer>;
}

declare module 'mailauth/lib/dkim/body' {
  /** mailauth's body hasher (tests compare dkim-relaxed-body.ts with it). */
  export function dkimBody(canonicalization: string, hashAlgo: string, maxBodyLength: number | false): { update(chunk: Buffer | null, final?: boolean): void; digest(encoding: 'base64'): string };
}
