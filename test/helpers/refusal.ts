import { RegistryClientError } from '../../src/client/index.js';

/** The refusal a registry client call ends in: HTTP status, OCI code and the registry's message. */
export async function refusal(
  p: Promise<unknown>,
): Promise<{ status: number; code?: string; message?: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RegistryClientError))
    throw new Error(`expected a registry refusal, got ${String(err)}`);
  return {
    status: err.status,
    ...(err.code === undefined ? {} : { code: err.code }),
    ...(err.registryMessage === undefined ? {} : { message: err.registryMessage }),
  };
}
