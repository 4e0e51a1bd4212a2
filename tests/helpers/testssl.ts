import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// testssl.sh as the tests run it (issue 17, defect 8): protocols, cipher categories, forward
// secrecy, server preferences, renegotiation and vulnerabilities. Its certificate checks judge
// the test's self-signed certificates, which no test certificate can pass, so those are left out.
export const TESTSSL = ['/usr/bin/testssl', '/usr/bin/testssl.sh'].find((f) => fs.existsSync(f));
const SEVERE = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);
/** Findings about trusting the certificate itself: a self-signed one fails them by definition. */
const CERTIFICATE_TRUST = /^cert_(trust|chain_of_trust|revocation|caIssuers|expirationStatus)/;

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

/** One scan: a name for the report, host:port, and testssl's extra options (-t smtp, -h, --ip). */
export type TestsslTarget = [name: string, target: string, extra: string[]];

function testssl(target: string, extra: string[], out: string): Promise<Finding[]> {
  const args = ['--quiet', '--color', '0', '--warnings', 'off', '--openssl-timeout', '10', '-p', '-s', '-f', '-P', '-R', '-U', '--jsonfile', out, ...extra, target];
  return new Promise((resolve, reject) => {
    execFile(TESTSSL as string, args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (err) => {
      // testssl's exit code counts findings; the JSON file is the answer.
      if (!fs.existsSync(out)) return reject(err ?? new Error(`testssl wrote no ${out}`));
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as Finding[]);
    });
  });
}

/** Runs testssl on each target at once; the findings above LOW, apart from the certificate's trust. */
export async function severeFindings(work: string, targets: TestsslTarget[]): Promise<string[]> {
  const results = await Promise.all(targets.map(([name, target, extra]) => testssl(target, extra, path.join(work, `${name}.json`))));
  const severe: string[] = [];
  targets.forEach(([name], i) => {
    assert.ok(results[i].some((f) => f.id === 'secure_client_renego'), `${name}: renegotiation was checked`);
    for (const f of results[i]) if (SEVERE.has(f.severity) && !CERTIFICATE_TRUST.test(f.id)) severe.push(`${name}: ${f.severity} ${f.id}: ${f.finding}`);
  });
  return severe;
}
