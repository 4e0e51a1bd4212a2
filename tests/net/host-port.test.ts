import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostPortProblem, isHostName, parseHostPort } from '../../server/net/host-port';
import { HostList } from '../../server/net/host-list';
import { socketAddressProblem } from '../../server/net/socket-address';

describe('host names and host:port', () => {
  it('reads names, IPv4, bracketed IPv6 and ports from 1 to 65535', () => {
    assert.deepEqual(parseHostPort('smtp.example.org'), { host: 'smtp.example.org' });
    assert.deepEqual(parseHostPort(' smtp.example.org:587 '), { host: 'smtp.example.org', port: 587 });
    assert.deepEqual(parseHostPort('127.0.0.1:25'), { host: '127.0.0.1', port: 25 });
    assert.deepEqual(parseHostPort('[10.0.0.1]:2525'), { host: '10.0.0.1', port: 2525 });
    assert.deepEqual(parseHostPort('[2001:db8::1]:587'), { host: '2001:db8::1', port: 587 });
    assert.deepEqual(parseHostPort('[2001:db8::1]'), { host: '2001:db8::1' });
    assert.deepEqual(parseHostPort('[relay.example.net]'), { host: 'relay.example.net' }, "Postfix's no-MX notation");
    assert.deepEqual(parseHostPort('2001:db8::1'), { host: '2001:db8::1' }, 'a bare IPv6 address has no port');
    assert.deepEqual(parseHostPort('localhost:65535'), { host: 'localhost', port: 65535 });
    assert.deepEqual(parseHostPort('bücher.example:25'), { host: 'bücher.example', port: 25 });
  });

  it('refuses an empty or missing port, port 0 or over 65535, and hosts that are neither name nor address', () => {
    for (const bad of [
      '127.0.0.1:', // issue 17: accepted by updateSettings
      ':25',
      '',
      'host:0',
      'host:65536',
      'host:99999',
      'host:+25',
      'host:2 5',
      'host:25:26',
      '[2001:db8::1]:',
      '[2001:db8::1]x',
      '[]:25',
      'a b',
      'a:b:c:783',
      '!!:25',
      '-bad.example',
      'bad-.example',
      'under score.example',
      `${'a'.repeat(64)}.example`,
      '10.1.1',
      '192.168.1.300',
      '127.0.0.1\n:25',
      'fe80::1%eth0',
      '[fe80::1%eth0]:25',
    ]) {
      assert.equal(parseHostPort(bad), undefined, JSON.stringify(bad));
      assert.ok(hostPortProblem(bad), JSON.stringify(bad));
    }
  });

  it('settings want brackets around IPv6 and, where asked, a port', () => {
    assert.match(hostPortProblem('2001:db8::1:25') ?? '', /brackets.*\[2001:db8::1:25\]/);
    assert.equal(hostPortProblem('[2001:db8::1]:25'), undefined);
    assert.equal(hostPortProblem('smtp.example.net'), undefined);
    assert.match(hostPortProblem('smtp.example.net', { portRequired: true }) ?? '', /port is missing/);
    assert.equal(hostPortProblem('smtp.example.net:25', { portRequired: true }), undefined);
  });

  it('host names: letters, digits, hyphens inside, underscores; 63 per label, 253 in all; no numeric top level', () => {
    assert.ok(isHostName('mail.example.com'));
    assert.ok(isHostName('mail.example.com.'));
    assert.ok(isHostName('_dmarc.example.com'));
    assert.ok(isHostName('zen.spamhaus.org'));
    assert.ok(isHostName('xn--bcher-kva.example'));
    assert.ok(!isHostName('.'));
    assert.ok(!isHostName('..'));
    assert.ok(!isHostName('a..b'));
    assert.ok(!isHostName('-'));
    assert.ok(!isHostName('1.2.3.4'), 'an address is not a name');
    assert.ok(!isHostName(`${'a.'.repeat(127)}com`), 'over 253 characters');
  });

  it('socket addresses: an absolute path on one line, or host:port with a port', () => {
    assert.equal(socketAddressProblem('/run/clamav/clamd.ctl'), undefined);
    assert.equal(socketAddressProblem('127.0.0.1:783'), undefined);
    assert.equal(socketAddressProblem('[::1]:3310'), undefined);
    for (const bad of ['127.0.0.1:', '127.0.0.1', 'a:b:c:99999', '!!:0', 'spamd:0', '/run/x\nLocalSocket /tmp/y', 'relative/path']) {
      assert.ok(socketAddressProblem(bad), JSON.stringify(bad));
    }
  });
});

describe('host lists (relayAllowedHosts, refusedHosts)', () => {
  it('takes addresses, prefixes, netmasks, names and domains', () => {
    const list = new HostList(['192.168.40.0/21', '10.1.0.0/255.255.0.0', '2001:db8::/32', '198.51.100.7', 'example.com', 'mail.example.net.']);
    assert.deepEqual(list.invalid, []);
    assert.ok(list.matches('192.168.47.1'));
    assert.ok(list.matches('10.1.200.3'));
    assert.ok(list.matches('2001:db8::25'));
    assert.ok(list.matches('198.51.100.7'));
    assert.ok(list.matches('203.0.113.1', 'mx.example.com'));
    assert.ok(list.matches('203.0.113.1', 'mail.example.net'));
    assert.ok(!list.matches('8.8.8.8', 'dns.google'));
  });

  it('refuses what is not one of those, so that a typo never means "the whole Internet"', () => {
    for (const bad of [
      '10.0.0.0/', // was read as /0: every address
      '10.0.0.0/-0', // aborted the process inside net.BlockList
      '10.0.0.0/ 8',
      '10.0.0.0/0x8',
      '10.0.0.0/8.0',
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0.1/32/x',
      '::/255.0.0.0', // a dotted netmask is for IPv4
      '10.0.0.0/255.0.255.0', // not contiguous
      '192.168.1', // a mistyped network, not a name
      'fe80::1%eth0',
      'example.com/8',
      'no such host',
    ]) {
      const list = new HostList([bad]);
      assert.deepEqual(list.invalid, [bad], JSON.stringify(bad));
      assert.ok(!list.matches('8.8.8.8', 'dns.google'), JSON.stringify(bad));
    }
    // Explicit /0 is still what it says.
    assert.ok(new HostList(['0.0.0.0/0']).matches('8.8.8.8'));
  });
});
