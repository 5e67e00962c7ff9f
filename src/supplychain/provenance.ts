import { SupplyChainError } from './errors.js';
import type { JsonObject } from './json.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/** An in-toto ResourceDescriptor (needs at least one of uri, digest, content). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  /** base64 */
  content?: string;
  downloadLocation?: string;
  mediaType?: string;
  annotations?: JsonObject;
}

export interface ProvenanceInput {
  builderId: string;
  buildType: string;
  externalParameters: JsonObject;
  internalParameters?: JsonObject;
  resolvedDependencies?: readonly ResourceDescriptor[];
  invocationId?: string;
  startedOn?: Date | string;
  finishedOn?: Date | string;
}

export interface SlsaProvenanceV1 {
  buildDefinition: {
    buildType: string;
    externalParameters: JsonObject;
    internalParameters?: JsonObject;
    resolvedDependencies?: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string };
    metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
  };
}

function invalid(message: string): SupplyChainError {
  return new SupplyChainError('STATEMENT_INVALID', message);
}

function uri(value: string, what: string): string {
  if (!URL.canParse(value)) throw invalid(`${what} is not a URI: ${value.slice(0, 100)}`);
  return value;
}

function timestamp(value: Date | string, what: string): string {
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) throw invalid(`${what} is not a timestamp: ${String(value).slice(0, 100)}`);
  return d.toISOString().replace('.000Z', 'Z');
}

function descriptor(d: ResourceDescriptor, i: number): ResourceDescriptor {
  if (d.uri === undefined && d.digest === undefined && d.content === undefined)
    throw invalid(`resolvedDependencies[${i}] needs a uri, digest or content`);
  return d;
}

/** The SLSA Provenance v1 predicate, with only the fields given (Build L1's three are required). */
export function slsaProvenanceV1(input: ProvenanceInput): SlsaProvenanceV1 {
  const metadata = {
    ...(input.invocationId === undefined ? {} : { invocationId: input.invocationId }),
    ...(input.startedOn === undefined ? {} : { startedOn: timestamp(input.startedOn, 'startedOn') }),
    ...(input.finishedOn === undefined ? {} : { finishedOn: timestamp(input.finishedOn, 'finishedOn') }),
  };
  return {
    buildDefinition: {
      buildType: uri(input.buildType, 'buildType'),
      externalParameters: input.externalParameters,
      ...(input.internalParameters === undefined ? {} : { internalParameters: input.internalParameters }),
      ...(input.resolvedDependencies === undefined
        ? {}
        : { resolvedDependencies: input.resolvedDependencies.map(descriptor) }),
    },
    runDetails: {
      builder: { id: uri(input.builderId, 'builderId') },
      ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    },
  };
}
