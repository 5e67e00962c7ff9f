import type { Command } from 'commander';
import { normalizeRegistryKey, removeCredentials, storeCredentials } from '../../client/docker-config.js';
import { RegistryClient } from '../../client/registry-client.js';
import { action, type CliIo, UsageError } from './io.js';
import { readSecretStdin } from './manage.js';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  plainHttp?: boolean;
}

async function passwordFrom(io: CliIo, flags: LoginFlags): Promise<string> {
  if (flags.password !== undefined && flags.passwordStdin) {
    throw new UsageError('--password and --password-stdin are mutually exclusive');
  }
  if (flags.passwordStdin) return readSecretStdin(io);
  if (flags.password !== undefined) return flags.password;
  throw new UsageError('a password is required: -p PASSWORD or --password-stdin');
}

async function runLogin(io: CliIo, registryArg: string, flags: LoginFlags): Promise<void> {
  const registry = normalizeRegistryKey(registryArg);
  if (!flags.username) throw new UsageError('a username is required: -u USER');
  const credentials = { username: flags.username, password: await passwordFrom(io, flags) };
  if (credentials.password === '') throw new UsageError('the password is empty');
  const client = new RegistryClient({
    registry,
    credentials,
    ...(flags.plainHttp ? { plainHttp: true } : {}),
  });
  await client.ping();
  const path = await storeCredentials(registry, credentials, { env: io.env });
  io.stdout(`Login Succeeded (credentials stored in ${path})\n`);
}

export function registerLogin(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('check credentials against a registry and store them in the docker config')
    .argument('<registry>', 'registry host[:port]')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--plain-http', 'use http instead of https (default for localhost and 127.0.0.1)')
    .action(action(io, (registry: string, flags: LoginFlags) => runLogin(io, registry, flags)));
  program
    .command('logout')
    .description('remove stored credentials for a registry')
    .argument('<registry>', 'registry host[:port]')
    .action(
      action(io, async (registry: string) => {
        const removed = await removeCredentials(normalizeRegistryKey(registry), { env: io.env });
        io.stdout(removed ? `Removed credentials for ${registry}\n` : `Not logged in to ${registry}\n`);
      }),
    );
}
