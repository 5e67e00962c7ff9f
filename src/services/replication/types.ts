import type {
  CredentialType,
  ReplicationFilters,
  ReplicationMode,
  ReplicationPolicyRecord,
  ReplicationTrigger,
} from '../../ports/replication-store.js';

/** An endpoint's credentials as given: a user and password (or access token used as one), or a static Bearer token. */
export type EndpointCredentials =
  | { type: 'basic'; username: string; password: string }
  | { type: 'token'; token: string };

export interface PolicyInput {
  name: string;
  description?: string;
  project?: string | null;
  mode: ReplicationMode;
  endpoint: { url: string; insecure?: boolean; credentials?: EndpointCredentials | null };
  filters?: ReplicationFilters;
  trigger?: ReplicationTrigger;
  destinationNamespace?: string | null;
  deleteReplication?: boolean;
  enabled?: boolean;
}

export type PolicyPatch = Partial<Omit<PolicyInput, 'endpoint'>> & {
  endpoint?: Partial<PolicyInput['endpoint']>;
};

/** A policy as callers see it: the credentials' type at most, never the secret. */
export interface PolicyView {
  id: number;
  name: string;
  description: string;
  project: string | null;
  mode: ReplicationMode;
  endpoint: { url: string; insecure: boolean; credentials: { type: CredentialType } | null };
  filters: ReplicationFilters;
  trigger: ReplicationTrigger;
  destinationNamespace: string | null;
  deleteReplication: boolean;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function policyView(p: ReplicationPolicyRecord): PolicyView {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    project: p.project,
    mode: p.mode,
    endpoint: {
      url: p.endpointUrl,
      insecure: p.insecure,
      credentials: p.credentialType ? { type: p.credentialType } : null,
    },
    filters: p.filters,
    trigger: p.trigger,
    destinationNamespace: p.destinationNamespace,
    deleteReplication: p.deleteReplication,
    enabled: p.enabled,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** Seals and opens small secrets at rest (AES-256-GCM; SecretBox has this shape). */
export interface CredentialSealer {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** An artifact's labels (LabelStore.of has this shape). */
export interface ArtifactLabels {
  of(repository: string, digest: string): Promise<Record<string, string>>;
}

/** Job kinds. */
export const EXECUTE_JOB = 'replication.execute';
export const ARTIFACT_JOB = 'replication.artifact';

/** What a `replication.execute` job is given. */
export interface ExecuteJob {
  policyId: number;
  trigger: 'manual' | 'cron' | 'onPush';
  dryRun?: boolean;
  /** Set when the execution was recorded before the job (manual runs). */
  executionId?: number;
  /** The event an onPush job was enqueued for. */
  event?: {
    type: 'PUSH_ARTIFACT' | 'DELETE_ARTIFACT';
    repository: string;
    tag: string | null;
    digest: string | null;
  };
}

/** What a `replication.artifact` job is given. */
export interface ArtifactJob {
  artifactId: number;
  /** Replicate a deletion instead of copying. */
  delete?: boolean;
}
