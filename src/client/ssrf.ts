import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction as NetLookupFunction } from 'node:net';

/**
 * The SSRF guard: a registry may send a client elsewhere (a `Location` redirect to object storage,
 * an upload URL, a token realm), but never into the network the client sits in — loopback,
 * link-local (cloud metadata at 169.254.169.254), private ranges — unless the registry itself
 * lives there. These are pure decisions over addresses; nothing here sends traffic.
 */

type Range4 = readonly [base: number, bits: number];

const V4_RANGES: readonly Range4[] = [
  [ip4(0, 0, 0, 0), 8], // "this network" (0.0.0.0 reaches the local host)
  [ip4(10, 0, 0, 0), 8],
  [ip4(100, 64, 0, 0), 10], // carrier-grade NAT
  [ip4(127, 0, 0, 0), 8],
  [ip4(169, 254, 0, 0), 16],
  [ip4(172, 16, 0, 0), 12],
  [ip4(192, 168, 0, 0), 16],
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function parse4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const n = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  if (n.some((x) => !(x >= 0 && x <= 255))) return undefined;
  return ip4(n[0] as number, n[1] as number, n[2] as number, n[3] as number);
}

function inRange4(addr: number, [base, bits]: Range4): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (addr & mask) >>> 0 === base;
}

/** The 8 16-bit groups of an IPv6 address (with an embedded IPv4 tail expanded), or undefined. */
function parse6(s: string): number[] | undefined {
  let text = s.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const v4 = parse4(tail[1]);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, -tail[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

function isPrivate6(g: number[]): boolean {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g;
  const zeroPrefix = a === 0 && b === 0 && c === 0 && d === 0 && e === 0;
  if (zeroPrefix && f === 0 && h === 0 && (i === 0 || i === 1)) return true; // :: and ::1
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms.
  if (zeroPrefix && (f === 0xffff || f === 0)) return isPrivate4(((h << 16) | i) >>> 0);
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) {
    return isPrivate4(((h << 16) | i) >>> 0); // NAT64 well-known prefix
  }
  if ((a & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((a & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((a & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  return false;
}

function isPrivate4(addr: number): boolean {
  return V4_RANGES.some((r) => inRange4(addr, r));
}

/**
 * Whether an IP literal is loopback, link-local, private (RFC 1918, CGNAT, unique local) or
 * unspecified. Non-IP strings are not addresses: false.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const kind = isIP(bare.split('%')[0] ?? '');
  if (kind === 4) return isPrivate4(parse4(bare) as number);
  if (kind === 6) {
    const groups = parse6(bare);
    return groups === undefined || isPrivate6(groups);
  }
  return false;
}

/** The host part of `host[:port]`, `[v6]:port` or a bare IPv6 literal, without brackets. */
export function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  if (isIP(hostPort) === 6) return hostPort;
  const colon = hostPort.lastIndexOf(':');
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
}

/** A host that names this machine or its network by itself: an internal IP literal or `localhost`. */
export function isInternalHost(hostPort: string): boolean {
  const host = hostOnly(hostPort).toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host);
}

/**
 * May a client talking to `endpointHost` go to `target`? Yes when the endpoint is internal itself
 * (a registry on the LAN may redirect within it; `endpointInternal` says so for a name that
 * resolves there, see {@link resolvesInternal}), or when the target's host is not internal. Names
 * in targets are decided by {@link isInternalHost} here and by the addresses they resolve to at
 * connect time where the dispatcher uses {@link guardedLookup}.
 */
export function redirectAllowed(
  endpointHost: string,
  target: URL,
  endpointInternal: boolean = isInternalHost(endpointHost),
): boolean {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return false;
  return endpointInternal || !isInternalHost(target.host);
}

/** Whether a host is internal by itself or by every address its name resolves to (one lookup). */
export async function resolvesInternal(
  hostPort: string,
  base: LookupFunction = dnsLookup as unknown as LookupFunction,
): Promise<boolean> {
  if (isInternalHost(hostPort)) return true;
  const addresses = await new Promise<LookupAddress[]>((resolve) =>
    base(hostOnly(hostPort), { all: true }, (err, found) =>
      resolve(err || !Array.isArray(found) ? [] : found),
    ),
  );
  return addresses.length > 0 && addresses.every((a) => isPrivateAddress(a.address));
}

/** `dns.lookup`'s callback form, as sockets call it. */
export type LookupFunction = NetLookupFunction;

/**
 * A `dns.lookup` for sockets (undici `connect: { lookup }`) that refuses names resolving to internal
 * addresses: with it, a public registry cannot reach the internal network through a name either
 * (DNS rebinding included, since the check is on the addresses actually connected to).
 */
export function guardedLookup(base: LookupFunction = dnsLookup as unknown as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', 0);
      const list = (Array.isArray(addresses) ? addresses : [{ address: addresses, family: 4 }]).filter(
        (a) => !isPrivateAddress(a.address),
      );
      const first = list[0];
      if (!first) {
        const refused = Object.assign(new Error(`${hostname} resolves to an internal address`), {
          code: 'EINTERNALADDRESS',
        });
        return callback(refused, options.all ? [] : '', 0);
      }
      if (options.all) return callback(null, list);
      return callback(null, first.address, first.family);
    });
  };
}
