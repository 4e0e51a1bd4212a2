import type * as SelfSigned from './self-signed';
import type * as Csr from './csr';
import type * as Pkcs12 from './pkcs12';
import type * as CmsSign from './cms-sign';
import type Forge from 'node-forge';

// The parts of certs/ that build or read X.509 and PKCS structures with node-forge, loaded at
// their first use: forge was the largest library the engine loaded before its SMTP banner
// (docs/benchmarks.md, startup), and a start with its certificate made needs none of them.
/* eslint-disable @typescript-eslint/no-require-imports */
export const selfSigned = (): typeof SelfSigned => require('./self-signed') as typeof SelfSigned;
export const csrBuilder = (): typeof Csr => require('./csr') as typeof Csr;
export const pkcs12 = (): typeof Pkcs12 => require('./pkcs12') as typeof Pkcs12;
export const cmsSign = (): typeof CmsSign => require('./cms-sign') as typeof CmsSign;
export const forge = (): typeof Forge => require('node-forge') as typeof Forge;
/* eslint-enable @typescript-eslint/no-require-imports */
