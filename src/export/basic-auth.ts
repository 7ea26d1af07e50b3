/**
 * HTTP basic auth against bcrypt hashes, with the CPU cost bounded: a bcrypt check is slow on
 * purpose, so credentials that passed once are remembered (by their SHA-256), checks run one at a
 * time, and requests beyond a short queue are told to retry instead of piling up.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** What a check decided: let in, refuse (401), or too many checks waiting (429). */
export type AuthVerdict = 'ok' | 'denied' | 'busy';

/** Checks `Authorization: Basic` headers against users and bcrypt hashes. */
export class BasicAuth {
  readonly #users: ReadonlyMap<string, string>;
  readonly #passed = new Set<string>();
  readonly #maxPending: number;
  #pending = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** bcrypt comparisons run so far (remembered credentials do not run one). */
  compares = 0;

  /**
   * `users` maps names to bcrypt hashes (non-empty); `maxPending` (default 16) bounds the checks
   * waiting for their turn.
   */
  constructor(users: ReadonlyMap<string, string>, opts: { maxPending?: number } = {}) {
    if (users.size === 0) throw new RangeError('basic auth: no users');
    const maxPending = opts.maxPending ?? 16;
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new RangeError(`basic auth: maxPending must be a positive integer, got ${maxPending}`);
    this.#users = users;
    this.#maxPending = maxPending;
  }

  /** Checks an `Authorization` header value. */
  async check(header: string | undefined): Promise<AuthVerdict> {
    const creds = parseBasic(header);
    if (!creds) return 'denied';
    const digest = createHash('sha256').update(creds.user).update('\0').update(creds.password).digest('base64');
    if (this.#passed.has(digest)) return 'ok';
    if (this.#pending >= this.#maxPending) return 'busy';
    const known = this.#users.get(creds.user);
    // An unknown user costs one comparison too (against another user's hash), so the time taken
    // does not tell which names exist.
    const hash = known ?? this.#users.values().next().value!;
    this.#pending++;
    const turn = this.#queue.then(async () => {
      this.compares++;
      return bcrypt.compare(creds.password, hash);
    });
    this.#queue = turn.catch(() => {});
    try {
      const match = await turn;
      if (!match || known === undefined) return 'denied';
      // bcrypt reads only the first 72 bytes, so several passwords can match one hash: bound the set.
      if (this.#passed.size < 1024) this.#passed.add(digest);
      return 'ok';
    } finally {
      this.#pending--;
    }
  }
}

/** The user and password of an `Authorization: Basic` header, or null when it is not one. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const m = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
