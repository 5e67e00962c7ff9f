/**
 * The one error type the parsing and decrypting functions of `supplychain/` throw. Verification
 * never throws on bad input: it returns a verdict (see verify.ts).
 */
export const SUPPLY_CHAIN_ERROR_CODES = [
  'KEY_INVALID',
  'KEY_PASSWORD',
  'PAYLOAD_INVALID',
  'ENVELOPE_INVALID',
  'STATEMENT_INVALID',
  'BUNDLE_INVALID',
] as const;

export type SupplyChainErrorCode = (typeof SUPPLY_CHAIN_ERROR_CODES)[number];

export class SupplyChainError extends Error {
  readonly code: SupplyChainErrorCode;

  constructor(code: SupplyChainErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'SupplyChainError';
    this.code = code;
  }
}

export function isSupplyChainError(err: unknown): err is SupplyChainError {
  return err instanceof SupplyChainError;
}
