/**
 * The event outbox / audit log, webhooks with their deliveries, and the durable jobs queue.
 * The SQL adapter lives in src/adapters/meta-sql/events/.
 */
// biome-ignore lint/suspicious/noEmptyInterface: placeholder until the events aggregate lands.
export interface EventStore {}
