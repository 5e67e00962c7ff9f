import type { Generated } from 'kysely';
import type { Digest } from '../../oci/digest.js';

/** Tables of tag history, labels and immutability rules (migration 0005-tags). */
export interface LifecycleTables {
  tag_history: TagHistoryTable;
  artifact_labels: ArtifactLabelsTable;
  immutability_rules: ImmutabilityRulesTable;
}

export interface TagHistoryTable {
  id: Generated<number>;
  repo_id: number;
  tag: string;
  /** 'created' | 'moved' | 'deleted' */
  action: string;
  from_digest: Digest | null;
  to_digest: Digest | null;
  actor: string;
  actor_kind: string;
  occurred_at: number;
}

export interface ArtifactLabelsTable {
  repo_id: number;
  manifest_digest: Digest;
  key: string;
  value: string;
  updated_at: number;
}

export interface ImmutabilityRulesTable {
  id: Generated<number>;
  project_id: number;
  repo_decoration: string;
  repo_pattern: string;
  tag_decoration: string;
  tag_pattern: string;
  created_at: number;
}
