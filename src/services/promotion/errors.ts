import { RegistryError } from '../../oci/errors.js';

/** A request that clashes with what is stored (a tag taken by another digest): the API's 409. */
export class PromotionConflictError extends Error {
  constructor(
    message: string,
    readonly detail: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PromotionConflictError';
  }
}

export const invalid = (message: string, detail: Record<string, unknown> = {}) =>
  new RegistryError('WHARF_ERR_REQUEST_INVALID', message, { detail });

export const notFound = (message: string, detail: Record<string, unknown> = {}) =>
  new RegistryError('WHARF_ERR_NOT_FOUND', message, { detail });
