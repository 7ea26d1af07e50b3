import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest } from '../testutils/kernel.js';
import { linkHelperUnavailable, runLinkHelper } from '../testutils/link-helper.js';
import { counterMap, loadTestProgram, socketFilter, udpPortFilter } from '../testutils/link-programs.js';
import { Assembler, R0 } from '../asm/index.js';
import { AttachType, ProgramType } from '../types.js';
import { NotSupportedError } from '../sys/errors.js';
import { attachCgroup, attachProgram, attachSocketFilter, attachTcx, attachXdp, LinkType, AttachTargetNotFoundError } from './index.js';

const DROP_PORT = 40123;
const PASS_PORT = 40124;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function netReason(): string | null {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 (ip) to create a veth pair in a network namespace';
  }
  return null;
}

/** A veth pair: `host` in this namespace (10.201.N.1), `peer` in namespace `ns` (10.201.N.2). */
interface Veth {
  ns: string;
  host: string;
  hostAddr: string;
  peerAddr: string;
  ifindex: number;
  [Symbol.dispose](): void;
}

function veth(): Veth {
  const tag = (process.pid % 60000).toString(36);
  const ns = `tsbpf-link-${tag}`;
  const host = `tsbx${tag}a`;
  const octet = 100 + (process.pid % 100);
  const hostAddr = `10.201.${octet}.1`;
  const peerAddr = `10.201.${octet}.2`;
  try {
    ip('netns', 'del', ns);
  } catch {
    // not there
  }
  try {
    ip('link', 'del', host);
  } catch {
    // not there
  }
  const v: Veth = {
    ns,
    host,
    hostAddr,
    peerAddr,
    ifindex: 0,
    [Symbol.dispose]() {
      try {
        ip('link', 'del', host);
      } catch {
        // gone with the namespace
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    },
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', 'peer0', 'netns', ns);
    ip('addr', 'add', `${hostAddr}/24`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('-n', ns, 'addr', 'add', `${peerAddr}/24`, 'dev', 'peer0');
    ip('-n', ns, 'link', 'set', 'peer0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    v.ifindex = Number(readFileSync(`/sys/class/net/${host}/ifindex`, 'utf8'));
  } catch (e) {
    v[Symbol.dispose]();
    throw e;
  }
  return v;
}

/** Sends `count` UDP datagrams from inside the namespace to host:port. */
function sendFromNs(v: Veth, port: number, count: number): void {
  const script = `const s=require('dgram').createSocket('udp4');let n=0;const go=()=>{if(n++>=${count})return s.close();s.send('x',${port},'${v.hostAddr}',go)};go();`;
  execFileSync('ip', ['netns', 'exec', v.ns, process.execPath, '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** A UDP socket bound to addr:port that counts what it receives. */
async function receiver(addr: string, port: number): Promise<{ socket: Socket; received: () => number; [Symbol.asyncDispose](): Promise<void> }> {
  const socket = createSocket('udp4');
  let n = 0;
  socket.on('message', () => n++);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, addr, () => resolve());
  });
  return { socket, received: () => n, [Symbol.asyncDispose]: () => new Promise<void>((r) => socket.close(() => r())) };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const mode of [undefined, 'skb'] as const) {
  test(`XDP (${mode ?? 'default'} mode) on a veth drops UDP to one port and passes another, counting both`, async (t) => {
    if (!kernelTest(t, { reason: netReason })) return;
    using v = veth();
    using counts = counterMap('xdp_counts');
    using prog = loadTestProgram('xdp_ports', ProgramType.XDP, udpPortFilter(counts.fd, DROP_PORT, PASS_PORT, { data: 0, dataEnd: 4, pass: 2, drop: 1 }), {
      expectedAttachType: AttachType.XDP,
    });
    await using dropRx = await receiver(v.hostAddr, DROP_PORT);
    await using passRx = await receiver(v.hostAddr, PASS_PORT);
    using link = attachXdp(v.host, prog, { mode });
    sendFromNs(v, DROP_PORT, 5);
    sendFromNs(v, PASS_PORT, 3);
    await until(() => passRx.received() >= 3 && counts.lookup(0) === 5n);
    assert.equal(counts.lookup(0), 5n, 'UDP to the drop port seen by XDP');
    assert.equal(counts.lookup(1), 3n, 'UDP to the pass port seen by XDP');
    assert.equal(passRx.received(), 3);
    assert.equal(dropRx.received(), 0);
    const info = link.info();
    assert.equal(info.type, LinkType.XDP);
    assert.deepEqual(info.xdp, { ifindex: v.ifindex });
    assert.equal(link.kind, 'xdp');

    // update(): swap in a program that passes everything, atomically.
    using passAll = loadTestProgram('xdp_pass', ProgramType.XDP, new Assembler().mov64(R0, 2).exit().build(), { expectedAttachType: AttachType.XDP });
    link.update(passAll);
    assert.equal(link.info().programId, passAll.info().id);
    sendFromNs(v, DROP_PORT, 2);
    await until(() => dropRx.received() >= 2);
    assert.equal(dropRx.received(), 2);
    assert.equal(counts.lookup(0), 5n);

    // A second XDP link on the same interface is refused.
    assert.throws(() => attachXdp(v.ifindex, prog, { mode }), /EBUSY: an XDP program is already attached/);
    link.close();
    assert.throws(() => link.info(), /already closed/);
  });
}

test('tcx ingress on a veth drops UDP to one port; two links run in order; closing detaches', async (t) => {
  if (!kernelTest(t, { reason: netReason })) return;
  using v = veth();
  using counts = counterMap('tcx_counts');
  // __sk_buff: data at 76, data_end at 80; TC_ACT_OK 0, TC_ACT_SHOT 2.
  using prog = loadTestProgram('tcx_ports', ProgramType.SchedCls, udpPortFilter(counts.fd, DROP_PORT, PASS_PORT, { data: 76, dataEnd: 80, pass: 0, drop: 2 }), {
    expectedAttachType: AttachType.TCX_INGRESS,
  });
  // A second program that passes to the next one (TCX_NEXT = -1).
  using next = loadTestProgram('tcx_next', ProgramType.SchedCls, new Assembler().mov64(R0, -1).exit().build(), { expectedAttachType: AttachType.TCX_INGRESS });
  await using dropRx = await receiver(v.hostAddr, DROP_PORT);
  await using passRx = await receiver(v.hostAddr, PASS_PORT);
  using link = attachTcx(v.host, prog, { direction: 'ingress' });
  using first = attachTcx(v.host, next, { direction: 'ingress', before: link });
  sendFromNs(v, DROP_PORT, 4);
  sendFromNs(v, PASS_PORT, 2);
  await until(() => passRx.received() >= 2 && counts.lookup(0) === 4n);
  assert.equal(counts.lookup(0), 4n);
  assert.equal(counts.lookup(1), 2n);
  assert.equal(passRx.received(), 2);
  assert.equal(dropRx.received(), 0);
  assert.deepEqual(link.info().tcx, { ifindex: v.ifindex, attachType: AttachType.TCX_INGRESS });
  assert.equal(first.info().type, LinkType.TCX);
  link.close();
  sendFromNs(v, DROP_PORT, 2);
  await until(() => dropRx.received() >= 2);
  assert.equal(dropRx.received(), 2, 'detached: packets reach the socket again');
  assert.equal(counts.lookup(0), 4n);
  assert.throws(() => attachTcx('no-such-if0', prog, { direction: 'ingress' }), AttachTargetNotFoundError);
  assert.throws(() => attachTcx(v.host, prog, { direction: 'sideways' as 'ingress' }), /direction must be 'ingress' or 'egress'/);
});

test('socket filter: drop-all receives nothing, closing detaches, keep-all receives everything', async (t) => {
  if (!kernelTest(t)) return;
  await using rx = await receiver('127.0.0.1', 0);
  const port = rx.socket.address().port;
  const fd = (rx.socket as unknown as { _handle: { fd: number } })._handle.fd;
  assert.ok(Number.isInteger(fd) && fd >= 0, 'the dgram socket exposes its fd');
  const tx = createSocket('udp4');
  const send = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await new Promise<void>((r, j) => tx.send('ping', port, '127.0.0.1', (e) => (e ? j(e) : r())));
  };
  try {
    using drop = socketFilter(false);
    using keep = socketFilter(true);
    const l1 = attachSocketFilter(fd, drop);
    assert.equal(l1.kind, 'socket_filter');
    assert.equal(l1.isBpfLink, false);
    assert.equal(l1.info().programId, drop.info().id);
    assert.throws(() => l1.pin('/sys/fs/bpf/x'), (e: unknown) => e instanceof NotSupportedError && /socket filter attachment is not a bpf link/.test((e as Error).message));
    await send(3);
    await sleep(150);
    assert.equal(rx.received(), 0, 'dropped by the filter');
    l1.close();
    l1.close();
    await send(2);
    await until(() => rx.received() >= 2);
    assert.equal(rx.received(), 2, 'no filter after close');
    using l2 = attachProgram({ fd: keep.fd, name: keep.name, type: keep.type }, { section: 'socket', socketFd: fd });
    await send(4);
    await until(() => rx.received() >= 6);
    assert.equal(rx.received(), 6);
    assert.throws(() => attachSocketFilter(1 << 20, keep), /EBADF/);
  } finally {
    tx.close();
  }
});

function cgroup2Root(): string | undefined {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[2] === 'cgroup2') return f[1];
  }
  return undefined;
}

test('cgroup sock_create program denies socket() to a process in the cgroup until the link closes', async (t) => {
  if (!kernelTest(t, { reason: () => linkHelperUnavailable() ?? (cgroup2Root() ? null : 'needs a mounted cgroup2 hierarchy') })) return;
  const dir = join(cgroup2Root()!, `tsbpf-link-${process.pid}`);
  if (!existsSync(dir)) mkdirSync(dir);
  try {
    using deny = loadTestProgram('cg_deny_sock', ProgramType.CgroupSock, new Assembler().mov64(R0, 0).exit().build(), {
      expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE,
    });
    const inCgroup = (): Promise<string> => runLinkHelper(['socket'], undefined, ['sh', '-c', `echo $$ > ${dir}/cgroup.procs && exec "$0" "$@"`]);
    assert.equal(await inCgroup(), 'ok');
    const link = attachCgroup(dir, deny);
    assert.equal(await inCgroup(), 'EPERM');
    const info = link.info();
    assert.equal(info.type, LinkType.Cgroup);
    assert.deepEqual(info.cgroup, { cgroupId: BigInt(statSync(dir).ino), attachType: AttachType.CGROUP_INET_SOCK_CREATE });
    link.close();
    assert.equal(await inCgroup(), 'ok');
    // detach(): the program leaves the cgroup while the link fd stays open.
    using again = attachCgroup(dir, deny, AttachType.CGROUP_INET_SOCK_CREATE);
    assert.equal(await inCgroup(), 'EPERM');
    again.detach();
    assert.equal(await inCgroup(), 'ok');
    assert.equal(again.closed, false);
    assert.throws(() => attachCgroup(join(dir, 'missing'), deny), AttachTargetNotFoundError);
    assert.throws(() => attachCgroup('/proc', deny), /not a cgroup v2 directory/);
  } finally {
    rmdirSync(dir);
  }
});
