import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MxResolver, orderByPreference, parseHostPort, type Route } from '../../server/outbound/mx-resolver';
import { DNSMASQ, DnsServer } from './peers';

const ME = 'mail.example.test';

describe('MX resolution against dnsmasq', { skip: DNSMASQ ? undefined : 'dnsmasq is not installed (apt-get install dnsmasq-base)' }, () => {
  let dns: DnsServer;
  let resolver: MxResolver;

  before(async () => {
    dns = await DnsServer.start([
      '--mx-host=remote.test,mx2.remote.test,20',
      '--mx-host=remote.test,mx1.remote.test,10',
      '--host-record=mx1.remote.test,127.10.0.1',
      '--host-record=mx2.remote.test,127.10.0.2,::1',
      ...['a', 'b', 'c', 'd'].flatMap((h, i) => [`--mx-host=equal.test,${h}.equal.test,10`, `--host-record=${h}.equal.test,127.10.1.${i + 1}`]),
      '--host-record=amail.test,127.10.2.1',
      '--dns-rr=nullmx.test,15,000000',
      '--mx-host=loop.test,mail.example.test,10',
      '--mx-host=backup.test,mx.backup.test,10',
      '--mx-host=backup.test,mail.example.test,20',
      '--mx-host=backup.test,mx3.backup.test,30',
      '--host-record=mx.backup.test,127.10.3.1',
      '--mx-host=noaddr.test,ghost.noaddr.test,10',
      '--host-record=relay.test,127.10.4.1',
      '--txt-record=txtonly.test,only text here',
      // Forwarded to a server that does not answer: the lookup times out.
      '--server=/broken.test/127.0.0.1#9',
    ]);
    resolver = new MxResolver({ server: dns.address, timeoutMs: 300, tries: 1 });
  });
  after(() => dns?.stop());

  const hosts = (r: Route) => {
    assert.equal(r.kind, 'hosts', JSON.stringify(r));
    return r.kind === 'hosts' ? r.hosts : [];
  };
  const failed = (r: Route) => {
    assert.equal(r.kind, 'failed', JSON.stringify(r));
    return r.kind === 'failed' ? r : { status: '', diagnostic: '' };
  };

  it('orders MX hosts by preference, IPv4 before IPv6', async () => {
    const h = hosts(await resolver.route('remote.test', ME));
    assert.deepEqual(h.map((x) => [x.name, x.port, x.addresses]), [
      ['mx1.remote.test', 25, ['127.10.0.1']],
      ['mx2.remote.test', 25, ['127.10.0.2', '::1']],
    ]);
  });

  it('shuffles hosts of equal preference', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const names = hosts(await resolver.route('equal.test', ME)).map((x) => x.name);
      assert.deepEqual([...names].sort(), ['a.equal.test', 'b.equal.test', 'c.equal.test', 'd.equal.test']);
      orders.add(names.join());
    }
    assert.ok(orders.size > 1, 'more than one order seen');
    const sorted = orderByPreference([
      { exchange: 'z', priority: 30 },
      { exchange: 'y', priority: 5 },
      { exchange: 'x', priority: 10 },
    ]);
    assert.deepEqual(sorted.map((r) => r.exchange), ['y', 'x', 'z']);
  });

  it('falls back to the domain’s own address when it has no MX', async () => {
    assert.deepEqual(hosts(await resolver.route('amail.test', ME)), [{ name: 'amail.test', port: 25, addresses: ['127.10.2.1'], problem: undefined }]);
  });

  it('answers no such domain (5.1.2), null MX (5.1.10) and no records at all (5.4.4) for good', async () => {
    const nx = failed(await resolver.route('nope.test', ME));
    assert.equal(nx.status, 'permanent');
    assert.match(nx.diagnostic, /^5\.1\.2 /);
    const nul = failed(await resolver.route('nullmx.test', ME));
    assert.equal(nul.status, 'permanent');
    assert.match(nul.diagnostic, /^5\.1\.10 .*null MX/);
    const empty = failed(await resolver.route('txtonly.test', ME));
    assert.equal(empty.status, 'permanent');
    assert.match(empty.diagnostic, /^5\.4\.4 domain txtonly\.test has no MX and no address records/);
  });

  it('treats a DNS timeout and an unreachable resolver as temporary (4.4.3)', async () => {
    const slow = failed(await resolver.route('broken.test', ME));
    assert.equal(slow.status, 'temporary');
    assert.match(slow.diagnostic, /^4\.4\.3 DNS lookup of MX records for broken\.test failed: (ETIMEOUT|ESERVFAIL|ECONNREFUSED)/);
    const nowhere = new MxResolver({ server: '127.0.0.1:9', timeoutMs: 300, tries: 1 });
    const down = failed(await nowhere.route('remote.test', ME));
    assert.equal(down.status, 'temporary');
    assert.match(down.diagnostic, /^4\.4\.3 /);
  });

  it('never sends mail to itself: drops MX hosts at or after our own preference, refuses when we are the best (5.4.6)', async () => {
    const loop = failed(await resolver.route('loop.test', ME));
    assert.equal(loop.status, 'permanent');
    assert.match(loop.diagnostic, /^5\.4\.6 mail for loop\.test loops back to myself/);
    assert.deepEqual(hosts(await resolver.route('backup.test', ME)).map((x) => x.name), ['mx.backup.test']);
    failed(await resolver.route('anything.test', 'anything.test'));
  });

  it('reports MX hosts without addresses instead of dropping them silently', async () => {
    const [ghost] = hosts(await resolver.route('noaddr.test', ME));
    assert.deepEqual(ghost.addresses, []);
    assert.match(ghost.problem!, /^5\.4\.4 host ghost\.noaddr\.test has no address records/);
  });

  it('resolves the relay host by its addresses only, with its port', async () => {
    assert.deepEqual(hosts(await resolver.relay('relay.test:2525')).map((x) => [x.name, x.port, x.addresses]), [['relay.test', 2525, ['127.10.4.1']]]);
    assert.deepEqual(hosts(await resolver.relay('[127.0.0.9]')).map((x) => [x.port, x.addresses]), [[25, ['127.0.0.9']]]);
    assert.match(failed(await resolver.relay('bad host:x')).diagnostic, /^4\.3\.5 /);
    assert.deepEqual(hosts(await resolver.route('[127.0.0.7]', ME)).map((x) => x.addresses), [['127.0.0.7']]);
  });
});

describe('resolver address', () => {
  it('refuses a PILLARBOX_DNS that is not an address, saying so', () => {
    assert.throws(() => new MxResolver({ server: 'dns.example:53' }), /PILLARBOX_DNS: "dns\.example:53" is not an IP address/);
    assert.doesNotThrow(() => new MxResolver({ server: '[::1]:5353' }));
    assert.doesNotThrow(() => new MxResolver({ server: '192.0.2.53' }));
  });
});

describe('host:port parsing', () => {
  it('reads host, host:port, [host]:port and bare IPv6', () => {
    assert.deepEqual(parseHostPort('smtp.example.org', 25), { host: 'smtp.example.org', port: 25 });
    assert.deepEqual(parseHostPort(' smtp.example.org:587 ', 25), { host: 'smtp.example.org', port: 587 });
    assert.deepEqual(parseHostPort('[10.0.0.1]:2525', 25), { host: '10.0.0.1', port: 2525 });
    assert.deepEqual(parseHostPort('2001:db8::1', 53), { host: '2001:db8::1', port: 53 });
    assert.equal(parseHostPort('host:99999', 25), undefined);
    assert.equal(parseHostPort('a b', 25), undefined);
  });
});
