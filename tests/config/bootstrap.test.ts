import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError, DEVELOPMENT_PORTS, domainOfHostname, parseBootstrap } from '../../server/config/bootstrap';

describe('bootstrap options', () => {
  it('defaults to ./data, loopback and the development ports', () => {
    const o = parseBootstrap([], {}, '/srv/pb');
    assert.equal(o.dataDir, '/srv/pb/data');
    assert.equal(o.bind, '127.0.0.1');
    assert.deepEqual(o.ports, DEVELOPMENT_PORTS);
    assert.equal(o.adminPassword, undefined);
  });

  it('reads PILLARBOX_* variables, and flags win over them', () => {
    const o = parseBootstrap(['--smtp-port', '2626', '--hostname=mx.example.net'], {
      PILLARBOX_DATA_DIR: '/var/lib/pillarbox',
      PILLARBOX_SMTP_PORT: '25',
      PILLARBOX_IMAP_PORT: '0',
      PILLARBOX_BIND: '0.0.0.0',
      PILLARBOX_DNS: '127.0.0.1:5353',
      PILLARBOX_ADMIN_PASSWORD: 'secret-secret',
    });
    assert.equal(o.dataDir, '/var/lib/pillarbox');
    assert.equal(o.hostname, 'mx.example.net');
    assert.equal(o.ports.smtp, 2626);
    assert.equal(o.ports.imap, 0);
    assert.equal(o.bind, '0.0.0.0');
    assert.equal(o.dns, '127.0.0.1:5353');
    assert.equal(o.adminPassword, 'secret-secret');
  });

  it('refuses bad ports and host names with a clear message', () => {
    assert.throws(() => parseBootstrap([], { PILLARBOX_POP3_PORT: '99999' }), (e: Error) => e instanceof BootstrapError && /PILLARBOX_POP3_PORT/.test(e.message));
    assert.throws(() => parseBootstrap(['--hostname', 'bad_host!'], {}), BootstrapError);
    assert.throws(() => parseBootstrap(['--data-dir'], {}), /needs a value/);
  });

  it('derives the mail domain from the host name as the Setup Assistant does', () => {
    assert.equal(domainOfHostname('mail.example.test'), 'example.test');
    assert.equal(domainOfHostname('example.test'), undefined);
  });
});
