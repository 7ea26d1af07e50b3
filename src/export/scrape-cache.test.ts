import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ScrapeCache } from './scrape-cache.js';

/** A scan the test finishes by hand. */
function manualScan() {
  const pending: Array<{ resolve: (s: string) => void; reject: (e: Error) => void }> = [];
  const scan = () => new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  return { scan, pending };
}

test('scrapes during a scan share it; with cacheMs 0 the next scrape scans again', async () => {
  const { scan, pending } = manualScan();
  const cache = new ScrapeCache(scan, 0);
  const all = Array.from({ length: 50 }, () => cache.get());
  assert.equal(cache.scans, 1);
  assert.equal(pending.length, 1);
  pending[0].resolve('m 1\n');
  const results = await Promise.all(all);
  assert.ok(results.every((r) => r === results[0]));
  assert.equal(results[0].text, 'm 1\n');
  const next = cache.get();
  assert.equal(cache.scans, 2);
  pending[1].resolve('m 2\n');
  assert.equal((await next).text, 'm 2\n');
});

test('a result (or a failure) is reused for cacheMs after it is ready', async () => {
  let now = 0;
  const { scan, pending } = manualScan();
  const cache = new ScrapeCache(scan, 1000, () => now);
  const first = cache.get();
  now = 5000; // a slow scan: the interval counts from when the result is ready
  pending[0].resolve('a 1\n');
  await first;
  now = 5999;
  assert.equal(await cache.get(), await first);
  assert.equal(cache.scans, 1);
  now = 6000;
  const failed = cache.get();
  assert.equal(cache.scans, 2);
  pending[1].reject(new Error('boom'));
  await assert.rejects(failed, /boom/);
  now = 6500;
  await assert.rejects(cache.get(), /boom/);
  assert.equal(cache.scans, 2, 'a failure is reused too, so failing scans cannot be forced in a loop');
  now = 7001;
  void cache.get();
  assert.equal(cache.scans, 3);
  pending[2].resolve('');
  assert.throws(() => new ScrapeCache(scan, -1), /cacheMs/);
});

test('the gzip encoding decodes to the text and is made once', async () => {
  const cache = new ScrapeCache(async () => 'x 1\n'.repeat(1000), 1000);
  const s = await cache.get();
  const z = await s.gzipped();
  assert.equal(gunzipSync(z).toString(), s.text);
  assert.ok(z.length < s.text.length / 10);
  assert.equal(await s.gzipped(), z);
});
