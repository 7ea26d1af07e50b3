import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setNativeForTesting, type NativeBinding } from './native.js';
import { Poller } from './poller.js';
import { SyscallError } from './errors.js';

/** A fake addon with just the poll functions: records live handles and lets the test fire them. */
function fakePoll() {
  const live = new Map<object, { fd: number; cb: (status: number, events: number) => void; ref: boolean }>();
  let started = 0;
  let failFd = -1;
  const fake = {
    pollStart(fd: number, cb: (status: number, events: number) => void) {
      if (fd === failFd) throw Object.assign(new Error('uv_poll_init: EBADF'), { errno: 9 });
      const h = {};
      live.set(h, { fd, cb, ref: true });
      started++;
      return h;
    },
    pollStop(h: object) {
      live.delete(h);
    },
    pollRef(h: object, on: boolean) {
      const e = live.get(h);
      if (e) e.ref = on;
    },
  };
  setNativeForTesting(fake as unknown as NativeBinding);
  return {
    live,
    get started() {
      return started;
    },
    failOn(fd: number) {
      failFd = fd;
    },
    fire(fd: number, status = 0) {
      for (const e of [...live.values()]) if (e.fd === fd) e.cb(status, 1);
    },
  };
}

describe('Poller (fake addon)', () => {
  afterEach(() => setNativeForTesting(undefined));

  test('handles exist only while someone waits; readiness wakes every waiter', async () => {
    const f = fakePoll();
    const p = new Poller([5, 6], 'test');
    assert.equal(f.live.size, 0);
    const a = p.wait();
    const b = p.wait(1000);
    assert.equal(f.live.size, 2, 'one handle per fd, shared by waiters');
    assert.equal(p.waiting, 2);
    f.fire(6);
    assert.deepEqual(await Promise.all([a, b]), ['ready', 'ready']);
    assert.equal(f.live.size, 0);
    assert.equal(p.waiting, 0);
  });

  test('recheck (one-shot readiness): asked once per registration after it is set up; data there resolves the waits', async () => {
    const f = fakePoll();
    let data = false;
    let asked = 0;
    const p = new Poller([5, 6], 'test', true, () => {
      asked++;
      return data;
    });
    // Nothing there at the recheck: the wait goes on until the fd fires.
    // A timer then an immediate, set up after the poller's own: they run after its recheck.
    const afterRecheck = (): Promise<void> => new Promise((r) => setTimeout(() => setImmediate(r), 0));
    const a = p.wait();
    await afterRecheck();
    assert.equal(asked, 1);
    assert.equal(p.waiting, 1);
    f.fire(5);
    assert.equal(await a, 'ready');
    // Data written before the registration reached epoll: the recheck finds it, no fd fires.
    data = true;
    assert.equal(await p.wait(), 'ready');
    assert.equal(asked, 2);
    assert.equal(f.live.size, 0);
    // A registration that ended before its recheck ran is not rechecked (ended by an abort, so
    // nothing races the recheck's own timer).
    const ac = new AbortController();
    const c = p.wait(undefined, ac.signal);
    ac.abort(new Error('gone'));
    await assert.rejects(c, /gone/);
    await afterRecheck();
    assert.equal(asked, 2, 'no recheck after the registration ended');
  });

  test('timeout resolves "timeout" once it has elapsed and stops the handles', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const f = fakePoll();
    const p = new Poller([5], 'test');
    let result: string | undefined;
    const w = p.wait(20).then((r) => (result = r));
    t.mock.timers.tick(19);
    await Promise.resolve();
    assert.equal(result, undefined, 'still waiting after 19 of 20 ms');
    assert.equal(f.live.size, 1);
    t.mock.timers.tick(1);
    await w;
    assert.equal(result, 'timeout');
    assert.equal(f.live.size, 0, 'handles stopped');
  });

  test('abort rejects with the reason, leaves other waiters alone', async () => {
    const f = fakePoll();
    const p = new Poller([5], 'test');
    const ac = new AbortController();
    const a = p.wait(undefined, ac.signal);
    const b = p.wait();
    ac.abort(new Error('stop'));
    await assert.rejects(a, /stop/);
    assert.equal(f.live.size, 1, 'b still waits');
    f.fire(5);
    assert.equal(await b, 'ready');
    await assert.rejects(p.wait(undefined, AbortSignal.abort()), { name: 'AbortError' });
    assert.equal(f.live.size, 0);
  });

  test('close resolves pending waits with "closed"; later waits too', async () => {
    const f = fakePoll();
    const p = new Poller([5], 'test');
    const a = p.wait();
    p.close();
    p.close();
    assert.equal(await a, 'closed');
    assert.equal(await p.wait(), 'closed');
    assert.equal(f.live.size, 0);
    assert.equal(p.closed, true);
  });

  test('an error status rejects with a SyscallError naming the reader', async () => {
    const f = fakePoll();
    const p = new Poller([5], 'ringbuf ev');
    const a = p.wait();
    f.fire(5, -9);
    await assert.rejects(a, (e: unknown) => e instanceof SyscallError && e.code === 'EBADF' && /^ringbuf ev: poll: EBADF/.test(e.message));
  });

  test('a failing pollStart stops the handles already started', async () => {
    const f = fakePoll();
    f.failOn(6);
    const p = new Poller([5, 6], 'perf ev');
    await assert.rejects(p.wait(), /^SyscallError: perf ev: poll: EBADF/);
    assert.equal(f.live.size, 0);
    assert.equal(p.waiting, 0);
  });

  test('unref reaches live handles and new ones', async () => {
    const f = fakePoll();
    const p = new Poller([5], 'test', false);
    const a = p.wait(10_000);
    assert.equal([...f.live.values()][0].ref, false);
    p.setRef(true);
    assert.equal([...f.live.values()][0].ref, true);
    f.fire(5);
    assert.equal(await a, 'ready');
  });
});
