/**
 * One scan for many scrapes: concurrent scrapes wait for the scan in flight, and a result (or a
 * failure) is reused for a short interval after it is ready, so a reachable port cannot make the
 * exporter scan more often than once per interval.
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

/** The result of one scan, with its gzip encoding made on first use. */
export class Scrape {
  #gzipped: Promise<Buffer> | undefined;

  constructor(
    /** The metrics text. */
    readonly text: string,
  ) {}

  /** The text, gzip-compressed (computed once). */
  gzipped(): Promise<Buffer> {
    this.#gzipped ??= gzipAsync(this.text);
    return this.#gzipped;
  }
}

/** Shares scans between scrapes; `scans` counts the scans started. */
export class ScrapeCache {
  readonly #scan: () => Promise<string>;
  readonly #cacheMs: number;
  readonly #now: () => number;
  #inFlight: Promise<Scrape> | undefined;
  #last: { at: number; result: Promise<Scrape> } | undefined;
  /** Scans started so far. */
  scans = 0;

  /**
   * `scan` produces the metrics text; `cacheMs` (>= 0) is how long a result is reused after it is
   * ready (0: only scrapes that arrive during a scan share it); `now` is the clock in ms.
   */
  constructor(scan: () => Promise<string>, cacheMs: number, now: () => number = () => performance.now()) {
    if (!Number.isFinite(cacheMs) || cacheMs < 0) throw new RangeError(`scrape cache: cacheMs must be a number >= 0, got ${cacheMs}`);
    this.#scan = scan;
    this.#cacheMs = cacheMs;
    this.#now = now;
  }

  /** The current scrape: the cached one if fresh, the one in flight, or a new scan. */
  get(): Promise<Scrape> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#last && this.#now() - this.#last.at < this.#cacheMs) return this.#last.result;
    this.scans++;
    const result = (async () => new Scrape(await this.#scan()))();
    this.#inFlight = result;
    const settle = () => {
      this.#inFlight = undefined;
      this.#last = { at: this.#now(), result };
    };
    result.then(settle, settle);
    return result;
  }
}
