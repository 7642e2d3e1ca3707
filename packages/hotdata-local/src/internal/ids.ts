import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A 4-character prefix and 26 random characters, like the service's ids (`dbid…`, `upld…`). */
export function newId(prefix: string): string {
  const bytes = randomBytes(26);
  let id = prefix;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
