#!/usr/bin/env node
'use strict';
// HTTPS front for the engine's management API. The engine serves GraphQL over plain HTTP;
// this terminates TLS with the certificate chosen for the HTTPS service (docs/certificates.md;
// the engine copies it to https.key/https.crt whenever the choice or the certificate changes) and pipes the bytes to the engine, so WebSocket subscriptions
// work unchanged. The certificate files and the TLS profile are re-read when they change.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');

const certDir = process.env.PILLARBOX_CERT_DIR || '/var/lib/pillarbox/engine/certs';
const port = Number(process.env.PILLARBOX_HTTPS_PORT || 443);
const [upHost, upPort] = (process.env.PILLARBOX_HTTP_UPSTREAM || '127.0.0.1:8080').split(':');
const keyFile = path.join(certDir, 'https.key');
const certFile = path.join(certDir, 'https.crt');
// The engine writes the name of its TLS profile (setting tlsProfile) beside the certificate;
// the profiles themselves come from the engine's own code, so both ends always agree.
const profileFile = path.join(certDir, 'tls-profile');
const engineHome = process.env.PILLARBOX_ENGINE_HOME || path.join(__dirname, '..');
const { tlsProfileOptions } = require(path.join(engineHome, 'dist', 'server', 'certs', 'tls-profiles.js'));

function profileName() {
  try {
    return fs.readFileSync(profileFile, 'utf8').trim() || 'intermediate';
  } catch {
    return 'intermediate';
  }
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

let stamp = '';

/** Key and certificate as on disk now, or undefined when unchanged since the last call. */
function changedOptions() {
  const now = [fs.statSync(keyFile).mtimeMs, fs.statSync(certFile).mtimeMs, mtime(profileFile)].join('/');
  if (now === stamp) return undefined;
  stamp = now;
  return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), ...tlsProfileOptions(profileName()) };
}

/** The engine writes its certificate on its first start: wait for it rather than fail. */
async function waitForCertificate() {
  for (let i = 0; ; i++) {
    try {
      return changedOptions();
    } catch (err) {
      if (i % 10 === 0) process.stdout.write(`waiting for the engine's certificate in ${certDir}: ${err.code || err}\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function main() {
  const server = tls.createServer({ ...(await waitForCertificate()), handshakeTimeout: 20_000 });
  // A certificate replaced through GraphQL applies to new connections within seconds.
  setInterval(() => {
    try {
      const options = changedOptions();
      if (options) server.setSecureContext(options);
    } catch (err) {
      process.stderr.write(`certificate reload failed: ${err}\n`);
    }
  }, 5000).unref();
  server.on('secureConnection', (client) => {
    const upstream = net.connect({ host: upHost, port: Number(upPort) });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.pipe(upstream).pipe(client);
  });
  server.on('tlsClientError', () => undefined);
  server.listen(port, '::', () => process.stdout.write(`HTTPS on port ${port} -> http://${upHost}:${upPort}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((err) => {
  process.stderr.write(`https-front: ${err.stack || err}\n`);
  process.exit(1);
});
