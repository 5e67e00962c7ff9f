#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerClientCommands } from './commands/index.js';
import { registerServe } from './serve.js';

const program = new Command('wharf')
  .description('Wharf: a self-hosted OCI registry and supply-chain platform')
  .version('0.1.0')
  .showSuggestionAfterError()
  .exitOverride();

registerServe(program);
registerClientCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // One line, no stack: the message says what went wrong.
  process.stderr.write(`wharf: ${(err as Error).message}\n`);
  process.exit(1);
}
