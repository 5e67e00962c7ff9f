import { describe, expect, it } from 'vitest';
import {
  guardedLookup,
  isInternalHost,
  isPrivateAddress,
  type LookupFunction,
  redirectAllowed,
  resolvesInternal,
} from './ssrf.js';

// Pure decisions: no request goes anywhere (the lookups below are fakes).

const INTERNAL = [
  '127.0.0.1',
  '127.255.255.254',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.0.1',
  '192.168.255.255',
  '169.254.169.254',
  '169.254.0.1',
  '100.64.0.1',
  '0.0.0.0',
  '::1',
  '::',
  '[::1]',
  'fe80::1',
  'fe80::1%eth0',
  'febf::ffff',
  'fc00::1',
  'fd12:3456:789a::1',
  '::ffff:127.0.0.1',
  '::ffff:10.1.2.3',
  '::ffff:a9fe:a9fe', // 169.254.169.254, hex form
  '::ffff:192.168.1.1',
  '64:ff9b::a9fe:a9fe',
  '0:0:0:0:0:0:0:1',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '172.15.255.255',
  '172.32.0.1',
  '192.167.255.255',
  '192.169.0.1',
  '169.253.255.255',
  '169.255.0.1',
  '11.0.0.1',
  '9.255.255.255',
  '100.63.255.255',
  '100.128.0.1',
  '128.0.0.1',
  '2001:4860:4860::8888',
  '2606:4700:4700::1111',
  'fe00::1', // outside fe80::/10
  'fbff::1',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
];

describe('isPrivateAddress', () => {
  it.each(INTERNAL)('%s is internal', (a) => expect(isPrivateAddress(a)).toBe(true));
  it.each(PUBLIC)('%s is public', (a) => expect(isPrivateAddress(a)).toBe(false));
  it.each(['registry.example.com', 'localhost', '', '1.2.3', '256.1.1.1', 'fe80::zz'])(
    '%s is not an IP literal',
    (a) => expect(isPrivateAddress(a)).toBe(false),
  );
});

describe('isInternalHost', () => {
  it.each([
    '127.0.0.1:5000',
    '[::1]:5000',
    'localhost',
    'localhost:8080',
    'LOCALHOST.',
    'foo.localhost:1',
    '10.0.0.5:443',
    '::1',
  ])('%s is internal', (h) => expect(isInternalHost(h)).toBe(true));
  it.each([
    'ghcr.io',
    'registry-1.docker.io:443',
    '8.8.8.8:5000',
    '[2001:db8::1]:5000',
    'localhost.example.com',
  ])('%s is not', (h) => expect(isInternalHost(h)).toBe(false));
});

describe('redirectAllowed', () => {
  const to = (u: string) => new URL(u);
  it('lets a public registry redirect to public storage', () => {
    expect(redirectAllowed('ghcr.io', to('https://pkg-containers.githubusercontent.com/x'))).toBe(true);
    expect(redirectAllowed('ghcr.io', to('https://52.216.1.1/bucket/blob'))).toBe(true);
  });

  it.each([
    'http://127.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]:8080/',
    'http://[::ffff:169.254.169.254]/',
    'https://10.0.0.1/blob',
    'http://localhost:2375/containers/json',
    'http://192.168.1.1/',
    'http://0.0.0.0:80/',
  ])('refuses a public registry sending the client to %s', (u) => {
    expect(redirectAllowed('registry.example.com', to(u))).toBe(false);
    expect(redirectAllowed('8.8.8.8:443', to(u))).toBe(false);
  });

  it('lets an internal registry redirect anywhere (its own LAN included)', () => {
    expect(redirectAllowed('127.0.0.1:5000', to('http://127.0.0.1:9000/blob'))).toBe(true);
    expect(redirectAllowed('10.0.0.2:5000', to('http://10.0.0.3/blob'))).toBe(true);
    expect(redirectAllowed('localhost:5000', to('https://s3.amazonaws.com/x'))).toBe(true);
    expect(redirectAllowed('harbor.corp', to('http://10.1.1.1/'), true)).toBe(true);
  });

  it('refuses schemes other than http and https', () => {
    expect(redirectAllowed('127.0.0.1:5000', to('file:///etc/passwd'))).toBe(false);
    expect(redirectAllowed('ghcr.io', to('gopher://example.com/'))).toBe(false);
  });
});

/** A fake resolver: names to addresses, nothing on the network. */
function fakeDns(table: Record<string, string[]>): LookupFunction {
  return (hostname, _options, callback) => {
    const found = table[hostname];
    if (!found) return callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

const dns = fakeDns({
  'public.example': ['93.184.216.34'],
  'rebind.example': ['169.254.169.254'],
  'mixed.example': ['10.0.0.1', '93.184.216.34'],
  'lan.example': ['10.0.0.7', 'fd00::7'],
});

function lookup(host: string, all: boolean) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
    guardedLookup(dns)(host, { all }, (err, address) => resolve({ err, address })),
  );
}

describe('guardedLookup', () => {
  it('passes public addresses through', async () => {
    expect(await lookup('public.example', false)).toEqual({ err: null, address: '93.184.216.34' });
    expect((await lookup('public.example', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('refuses a name resolving only to internal addresses', async () => {
    const r = await lookup('rebind.example', false);
    expect(r.err?.code).toBe('EINTERNALADDRESS');
  });

  it('keeps only the public addresses of a mixed answer', async () => {
    expect((await lookup('mixed.example', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('passes resolver errors on', async () => {
    expect((await lookup('nowhere.example', false)).err?.code).toBe('ENOTFOUND');
  });
});

describe('resolvesInternal', () => {
  it('decides literals without a lookup and names by every address', async () => {
    expect(await resolvesInternal('127.0.0.1:5000', fakeDns({}))).toBe(true);
    expect(await resolvesInternal('lan.example:5000', dns)).toBe(true);
    expect(await resolvesInternal('mixed.example', dns)).toBe(false);
    expect(await resolvesInternal('public.example', dns)).toBe(false);
    expect(await resolvesInternal('nowhere.example', dns)).toBe(false);
  });
});
