#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerServe } from './serve.js';

const program = new Command('wharf')
  .description('Wharf: a self-hosted OCI registry and supply-chain platform')
  .version('0.1.0')
  .showSuggestionAfterError()
  // Usage errors read like every other failure: one line, `wharf: …`.
  .configureOutput({ outputError: (text, write) => write(`wharf: ${text.replace(/^error: /, '')}`) })
  .exitOverride();

registerServe(program);
// The server and the client verbs load lazily: each costs tens of MiB the other never needs.
if (process.argv[2] !== 'serve') {
  const { registerClientCommands } = await import('./commands/index.js');
  registerClientCommands(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // One line, no stack: the message says what went wrong.
  process.stderr.write(`wharf: ${(err as Error).message}\n`);
  process.exit(1);
}
