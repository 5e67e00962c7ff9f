import { Command, CommanderError } from 'commander';
import { registerAttest } from './attest.js';
import { registerAudit } from './audit.js';
import { registerCopy } from './copy.js';
import { registerDelete } from './delete.js';
import { registerGc } from './gc.js';
import { registerImmutability } from './immutability.js';
import { registerInspect } from './inspect.js';
import { type CliIo, processIo } from './io.js';
import { registerKey } from './key.js';
import { registerLabel } from './label.js';
import { registerLogin } from './login.js';
import { registerMember } from './member.js';
import { registerPolicy } from './policy.js';
import { registerProject } from './project.js';
import { registerPromote } from './promote.js';
import { registerProvenance } from './provenance.js';
import { registerReplication } from './replication.js';
import { registerRetention } from './retention.js';
import { registerRobot } from './robot.js';
import { registerSbom } from './sbom.js';
import { registerSign } from './sign.js';
import { registerTag } from './tag.js';
import { registerTags } from './tags.js';
import { registerTree } from './tree.js';
import { registerUser } from './user.js';
import { registerVerify } from './verify.js';
import { registerWebhook } from './webhook.js';

export type { CliIo } from './io.js';

/**
 * Adds the client verbs (copy, inspect, tags, delete, login, logout) to a commander program.
 * Failures print one line to stderr and set a non-zero exit code; nothing throws out of an action.
 */
export function registerClientCommands(program: Command, io: CliIo = processIo()): void {
  registerCopy(program, io);
  registerInspect(program, io);
  registerTags(program, io);
  registerDelete(program, io);
  registerLogin(program, io);
  registerProject(program, io);
  registerUser(program, io);
  registerMember(program, io);
  registerRobot(program, io);
  registerAudit(program, io);
  registerWebhook(program, io);
  registerGc(program, io);
  registerReplication(program, io);
  registerPolicy(program, io);
  registerKey(program, io);
  registerSign(program, io);
  registerVerify(program, io);
  registerAttest(program, io);
  registerProvenance(program, io);
  registerSbom(program, io);
  registerTree(program, io);
  registerTag(program, io);
  registerLabel(program, io);
  registerImmutability(program, io);
  registerPromote(program, io);
  registerRetention(program, io);
}

/**
 * Runs the client verbs on `argv` (without `node` and the script name) and resolves to the exit
 * code, without touching process.exitCode. Output goes to `io` (process streams by default).
 */
export async function runCli(argv: string[], io: Partial<Omit<CliIo, 'setExitCode'>> = {}): Promise<number> {
  let code = 0;
  const full: CliIo = {
    ...processIo(),
    ...io,
    setExitCode: (c) => {
      code = c;
    },
  };
  const program = new Command('wharf')
    .exitOverride()
    .configureOutput({ writeOut: full.stdout, writeErr: full.stderr });
  registerClientCommands(program, full);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return code;
}
