import type { Verdict } from './verdict';

/** The version SpamAssassin-aware tools see in X-Spam-Status and X-Spam-Checker-Version. */
export const CHECKER_VERSION = 'pillarbox-bayes-1';

/**
 * The SpamAssassin header set, byte-compatible with what SpamAssassin 3 writes, so
 * existing client rules and Sieve scripts keep working:
 *   X-Spam-Checker-Version: pillarbox-bayes-1 on mail.example.com
 *   X-Spam-Flag: YES
 *   X-Spam-Level: *******
 *   X-Spam-Status: Yes, score=7.3 required=5.0 tests=BAYES_99,BAYES_999
 *           bayes=0.9993 version=pillarbox-bayes-1
 * Each line ends with CRLF, ready for LocalMessage.addedHeaders.
 */
export function spamHeaders(verdict: Verdict, hostname: string): string[] {
  // One star per whole point, as SpamAssassin does; at most 50.
  const stars = '*'.repeat(Math.max(0, Math.min(50, Math.floor(verdict.score))));
  const tests = verdict.tests.length ? verdict.tests.join(',') : 'none';
  return [
    `X-Spam-Checker-Version: ${CHECKER_VERSION} on ${hostname}\r\n`,
    `X-Spam-Flag: ${verdict.isJunk ? 'YES' : 'NO'}\r\n`,
    `X-Spam-Level: ${stars}\r\n`,
    `X-Spam-Status: ${verdict.isJunk ? 'Yes' : 'No'}, score=${verdict.score.toFixed(1)} required=${verdict.required.toFixed(1)} tests=${tests}\r\n` +
      `\tbayes=${verdict.probability.toFixed(4)} version=${CHECKER_VERSION}\r\n`,
  ];
}
