import { RegistryError } from '../../oci/errors.js';

/** A request that clashes with what is stored (a tag taken by another digest): 409 with its detail. */
export const conflict = (message: string, detail: Record<string, unknown> = {}) =>
  new RegistryError('WHARF_ERR_CONFLICT', message, { detail });

export const invalid = (message: string, detail: Record<string, unknown> = {}) =>
  new RegistryError('WHARF_ERR_REQUEST_INVALID', message, { detail });

export const notFound = (message: string, detail: Record<string, unknown> = {}) =>
  new RegistryError('WHARF_ERR_NOT_FOUND', message, { detail });
