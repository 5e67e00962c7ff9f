/**
 * Users, projects, members, robots and token signing keys. Filled in by issue 3's access work;
 * the SQL adapter lives in src/adapters/meta-sql/access/.
 */
// biome-ignore lint/suspicious/noEmptyInterface: placeholder until the access aggregate lands.
export interface AccessStore {}
