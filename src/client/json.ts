/**
 * A record as it arrives in JSON: dates become ISO strings, branded strings (digests) plain ones,
 * the rest keeps its shape (string literal unions stay unions). The API's clients (the CLI, the
 * tests) read the ports' records through this instead of restating them.
 */
export type Json<T> = T extends Date
  ? string
  : T extends string
    ? object extends Omit<T, keyof string>
      ? T
      : string
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;
