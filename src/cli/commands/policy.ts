import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  type AdmissionDecision,
  AdmissionEngine,
  type AdmissionRequest,
  applyPatches,
  type Diagnostic,
  PolicyError,
  parseAdmissionReview,
  parsePolicies,
  parseStaticImages,
  renderDecision,
  requestForResource,
  StaticVerifier,
} from '../../services/admission/index.js';
import { type CliIo, errorMessage, printJson } from './io.js';

/** Exit codes of `wharf policy test`. */
export const POLICY_TEST_EXIT = { admitted: 0, denied: 1, badInput: 2 } as const;

interface TestFlags {
  attestations?: string;
  json?: boolean;
}

/** Bad input: every line is printed, the exit code is 2. */
class InputError extends Error {
  readonly lines: readonly string[];
  constructor(lines: string[]) {
    super(lines.join('; '));
    this.lines = lines;
  }
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError([`cannot read ${what} ${file}: ${errorMessage(err)}`]);
  }
}

function parseData(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new InputError([`${file}: ${errorMessage(err)}`]);
  }
}

function readRequest(resource: unknown, file: string): AdmissionRequest {
  try {
    const isReview = (resource as { kind?: unknown } | null)?.kind === 'AdmissionReview';
    return isReview ? parseAdmissionReview(resource) : requestForResource(resource);
  } catch (err) {
    throw new InputError([`${file}: ${errorMessage(err)}`]);
  }
}

async function load(policyFile: string, resourceFile: string, flags: TestFlags) {
  const policyText = await readText(policyFile, 'policy');
  let policies: ReturnType<typeof parsePolicies>;
  try {
    policies = parsePolicies(policyText, policyFile);
  } catch (err) {
    if (err instanceof PolicyError) throw new InputError([...err.problems]);
    throw err;
  }
  const request = readRequest(
    parseData(await readText(resourceFile, 'resource'), resourceFile),
    resourceFile,
  );
  let verifier = new StaticVerifier({}, 'no --attestations file');
  if (flags.attestations) {
    const file = flags.attestations;
    try {
      verifier = new StaticVerifier(
        parseStaticImages(JSON.parse(await readText(file, 'attestations')), file),
        file,
      );
    } catch (err) {
      throw err instanceof InputError ? err : new InputError([`${file}: ${errorMessage(err)}`]);
    }
  }
  return { engine: new AdmissionEngine({ policies, verifier }), request };
}

/** Mutate, then (if admitted) validate the patched object: what a cluster with both webhooks does. */
async function run(engine: AdmissionEngine, request: AdmissionRequest): Promise<AdmissionDecision[]> {
  const mutate = await engine.evaluate(request, 'mutate');
  if (!mutate.allowed) return [mutate];
  const object = applyPatches(request.object, mutate.patches);
  return [mutate, await engine.evaluate({ ...request, object }, 'validate')];
}

function renderDiagnostic(d: Diagnostic): string {
  return `  ${d.severity}: ${d.policy} ${d.path}: ${d.message}`;
}

async function policyTest(
  io: CliIo,
  policyFile: string,
  resourceFile: string,
  flags: TestFlags,
): Promise<number> {
  const { engine, request } = await load(policyFile, resourceFile, flags);
  const decisions = await run(engine, request);
  const admitted = decisions.every((d) => d.allowed);
  const diagnostics = engine.diagnostics();
  if (flags.json) {
    printJson(io, { admitted, decisions, diagnostics });
  } else {
    const lines = decisions.flatMap(renderDecision);
    if (diagnostics.length) lines.push('diagnosis:', ...diagnostics.map(renderDiagnostic));
    const last = decisions[decisions.length - 1];
    lines.push(admitted ? 'result: ADMITTED' : `result: DENIED: ${last?.message ?? ''}`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  return admitted ? POLICY_TEST_EXIT.admitted : POLICY_TEST_EXIT.denied;
}

export function registerPolicy(program: Command, io: CliIo): void {
  const policy = program.command('policy').description('Kyverno verifyImages policies, evaluated offline');
  policy
    .command('test')
    .description(
      'evaluate a ClusterPolicy against a resource offline (mutate, then validate) and explain every decision; ' +
        'exit 0 when admitted, 1 when denied, 2 on bad input',
    )
    .argument('<policy>', 'ClusterPolicy YAML (several documents allowed)')
    .argument(
      '<resource>',
      'a Pod, a pod controller (Deployment, CronJob, …) or an AdmissionReview, YAML or JSON',
    )
    .option(
      '--attestations <file>',
      'JSON keyed by image: { "<image>": { "digest": "sha256:…", "signed": true, "statements": [ … ] } }',
    )
    .option('--json', 'print the decisions and the diagnosis as JSON')
    .action(async (policyFile: string, resourceFile: string, flags: TestFlags) => {
      try {
        io.setExitCode(await policyTest(io, policyFile, resourceFile, flags));
      } catch (err) {
        const lines = err instanceof InputError ? err.lines : [errorMessage(err)];
        io.stderr(lines.map((l) => `wharf: ${l}\n`).join(''));
        io.setExitCode(POLICY_TEST_EXIT.badInput);
      }
    });
}
