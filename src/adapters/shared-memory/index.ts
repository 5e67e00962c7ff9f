export { MemoryShared, type MemorySharedOptions } from './memory-shared.js';
