/** What an Authorization header carries. */
export type Credentials =
  | { scheme: 'none' }
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string }
  | { scheme: 'invalid' };

export function readCredentials(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { scheme: 'none' };
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  const scheme = m?.[1]?.toLowerCase();
  const value = m?.[2] ?? '';
  if (scheme === 'bearer') return { scheme: 'bearer', token: value };
  if (scheme !== 'basic') return { scheme: 'invalid' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { scheme: 'invalid' };
  return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
