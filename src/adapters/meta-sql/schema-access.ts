/** Kysely table types of the access aggregate (migration in migrations/). */
// biome-ignore lint/suspicious/noEmptyInterface: placeholder until the access tables land.
export interface AccessTables {}
