import { projectOf } from '../policy/project.js';
import { connectUpstream, type ProxyTarget, type UpstreamRegistry, upstreamRepository } from './upstream.js';

/** A repository of a proxy cache project, with what its pulls go to. */
export interface ProxiedRepository {
  project: string;
  /** The upstream origin (for messages and logs). */
  upstream: string;
  /** The repository upstream. */
  remote: string;
  client: UpstreamRegistry;
}

/**
 * Resolves repositories to their upstream, keeping one client per project (so upstream tokens are
 * reused) and replacing it when the project's setting changes.
 */
export class Upstreams {
  private readonly clients = new Map<string, { key: string; client: UpstreamRegistry }>();

  constructor(
    private readonly targetOf: (project: string) => Promise<ProxyTarget | undefined>,
    private readonly connect: (target: ProxyTarget) => UpstreamRegistry = connectUpstream,
  ) {}

  /** Undefined unless the repository's project is a proxy cache. */
  async resolve(repo: string): Promise<ProxiedRepository | undefined> {
    const project = projectOf(repo);
    const target = await this.targetOf(project);
    if (!target) return undefined;
    const remote = upstreamRepository(repo, project, target);
    if (remote === undefined) return undefined;
    return { project, upstream: target.upstream, remote, client: this.clientFor(project, target) };
  }

  /** The project's upstream origin, for a read-only refusal; undefined unless it is a proxy. */
  async upstreamOf(repo: string): Promise<string | undefined> {
    return (await this.targetOf(projectOf(repo)))?.upstream;
  }

  private clientFor(project: string, target: ProxyTarget): UpstreamRegistry {
    const key = JSON.stringify([target.upstream, target.credentials?.username, target.credentials?.password]);
    const known = this.clients.get(project);
    if (known?.key === key) return known.client;
    const client = this.connect(target);
    this.clients.set(project, { key, client });
    return client;
  }
}
