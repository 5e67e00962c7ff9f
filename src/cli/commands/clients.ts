import type { Command } from 'commander';
import type { Credentials } from '../../client/auth.js';
import { readCredentials } from '../../client/docker-config.js';
import {
  type ImageEndpoint,
  type ImageLocation,
  LayoutEndpoint,
  RegistryEndpoint,
} from '../../client/endpoints.js';
import { RegistryClient } from '../../client/registry-client.js';
import { type CliIo, UsageError } from './io.js';

export interface RegistryFlags {
  plainHttp?: boolean;
  creds?: string;
}

/** Adds `--plain-http` and `--creds USER:PASS`. */
export function withRegistryFlags(cmd: Command): Command {
  return cmd
    .option('--plain-http', 'use http instead of https (default for localhost and 127.0.0.1)')
    .option('--creds <user:password>', 'registry credentials (default: from the docker config)');
}

/** Parses `USER:PASSWORD` (the password may itself contain colons). */
export function parseCreds(value: string | undefined, flag: string): Credentials | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0) throw new UsageError(`${flag} must be USER:PASSWORD`);
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** A client for `registry`, with credentials from the flag, else from the docker config. */
export async function clientFor(
  io: CliIo,
  registry: string,
  opts: { plainHttp?: boolean | undefined; credentials?: Credentials | undefined },
): Promise<RegistryClient> {
  const credentials = opts.credentials ?? (await readCredentials(registry, { env: io.env }));
  return new RegistryClient({
    registry,
    credentials,
    ...(opts.plainHttp ? { plainHttp: true } : {}),
  });
}

/** Opens one side of a copy/inspect. `create`: a layout destination may be created. */
export async function endpointFor(
  io: CliIo,
  loc: ImageLocation,
  opts: { plainHttp?: boolean | undefined; credentials?: Credentials | undefined; create?: boolean },
): Promise<ImageEndpoint> {
  if (loc.kind === 'oci') return new LayoutEndpoint(loc.dir, loc.tag, opts.create === true);
  return new RegistryEndpoint(await clientFor(io, loc.ref.registry, opts), loc.ref);
}
