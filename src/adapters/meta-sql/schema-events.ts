/** Kysely table types of the events aggregate (migration in migrations/). */
// biome-ignore lint/suspicious/noEmptyInterface: placeholder until the events tables land.
export interface EventTables {}
