import type { SupplyChainSettings } from '../../ports/access-store.js';
import { isSupplyChainError, parsePublicKeys, publicKeyPem } from '../../supplychain/index.js';
import { isTagPattern } from './tag-pattern.js';

/** At most this many trusted keys per project, each PEM entry at most this long. */
export const MAX_TRUSTED_KEYS = 16;
export const MAX_KEY_PEM_LENGTH = 16 * 1024;

/** A refused setting, with the field it is about (`trustedKeys[1]`). */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Every key of one entry, re-encoded as cosign writes it (so equal keys compare equal). */
function keysOf(pem: string, field: string): string[] {
  if (pem.length > MAX_KEY_PEM_LENGTH)
    throw new SettingsError(`${field} is longer than ${MAX_KEY_PEM_LENGTH} characters`, field);
  try {
    return parsePublicKeys(pem).map(publicKeyPem);
  } catch (err) {
    if (!isSupplyChainError(err)) throw err;
    throw new SettingsError(`${field} is not a usable PEM public key: ${err.message}`, field);
  }
}

/**
 * Checks and normalises a project's supply-chain settings: every key parses (an entry holding
 * several PUBLIC KEY blocks becomes several entries), duplicates go, at most MAX_TRUSTED_KEYS remain;
 * the tag pattern is a valid glob; a rule that needs keys has some. Throws SettingsError.
 */
export function checkSupplyChainSettings(s: SupplyChainSettings): SupplyChainSettings {
  const keys = [...new Set(s.trustedKeys.flatMap((pem, i) => keysOf(pem, `trustedKeys[${i}]`)))];
  if (keys.length > MAX_TRUSTED_KEYS)
    throw new SettingsError(
      `trustedKeys holds more than ${MAX_TRUSTED_KEYS} keys, the most a project may trust`,
      'trustedKeys',
    );
  const pattern = s.provenanceTagPattern;
  if (pattern !== null && !isTagPattern(pattern)) {
    throw new SettingsError(
      'provenanceTagPattern must be 1-128 tag characters ([A-Za-z0-9_.-]) and the wildcards * and ?',
      'provenanceTagPattern',
    );
  }
  if (keys.length === 0 && s.requireSigned)
    throw new SettingsError('requireSigned needs at least one trusted key', 'trustedKeys');
  if (keys.length === 0 && pattern !== null)
    throw new SettingsError('provenanceTagPattern needs at least one trusted key', 'trustedKeys');
  return { requireSigned: s.requireSigned, trustedKeys: keys, provenanceTagPattern: pattern };
}
