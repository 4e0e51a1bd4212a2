import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import * as acme from 'acme-client';
import { freePort } from './free-port';
import { issue } from './test-ca';

export const PEBBLE = '/usr/bin/pebble';
export const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';
export const pebbleInstalled = (): boolean => fs.existsSync(PEBBLE) && fs.existsSync(CHALLTESTSRV);

/** Starts a program and resolves once its output shows `ready`. */
function startProcess(cmd: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const look = (d: Buffer) => {
      seen += d.toString();
      if (ready.test(seen)) resolve(child);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${seen.slice(-2000)}`)));
  });
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill();
  await gone;
}

export interface Pebble {
  directoryUrl: string;
  /** pebble-challtestsrv's management URL (POST /add-a to point a name elsewhere). */
  dnsManagement: string;
  /** Stops the CA alone (a CA that is down), and starts it again. */
  stopCa(): Promise<void>;
  startCa(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Pebble (Let's Encrypt's test CA) validating HTTP-01 on `httpPort` and TLS-ALPN-01 on
 * `tlsPort` of 127.0.0.1, where its test DNS server resolves every name. acme-client trusts
 * Pebble's own HTTPS certificate until stop().
 */
export async function startPebble(httpPort: number, tlsPort: number, options: { validitySeconds?: number } = {}): Promise<Pebble> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-pebble-'));
  const savedAgent = acme.axios.defaults.httpsAgent;
  const ca = issue('Pebble Test Listener CA', { ca: true });
  const listener = issue('localhost', { issuer: ca, ips: ['127.0.0.1'] });
  fs.writeFileSync(path.join(work, 'cert.pem'), listener.certPem);
  fs.writeFileSync(path.join(work, 'key.pem'), listener.keyPem);
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  fs.writeFileSync(
    path.join(work, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: path.join(work, 'cert.pem'),
        privateKey: path.join(work, 'key.pem'),
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
      },
    }),
  );
  const dns = await startProcess(
    CHALLTESTSRV,
    ['-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmtPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''],
    {},
    /Starting challenge servers|Answering A questions|dns-01/i,
  );
  let pebble: ChildProcess | undefined;
  const startCa = async () => {
    pebble = await startProcess(
      PEBBLE,
      ['-config', path.join(work, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`],
      { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
      /ACME directory available at/,
    );
  };
  try {
    await startCa();
  } catch (err) {
    await stopProcess(dns);
    throw err;
  }
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: ca.certPem });
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    dnsManagement: `http://127.0.0.1:${dnsMgmtPort}`,
    stopCa: () => stopProcess(pebble),
    startCa,
    async stop() {
      acme.axios.defaults.httpsAgent = savedAgent;
      await stopProcess(pebble);
      await stopProcess(dns);
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
