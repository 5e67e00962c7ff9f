/** A repository's project: its first path segment (`team-payments` for `team-payments/api`). */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash === -1 ? repository : repository.slice(0, slash);
}
