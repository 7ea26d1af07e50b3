import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { BasicAuth, parseBasic } from './basic-auth.js';
import { basic } from '../testutils/tls.js';

const users = new Map([
  ['alice', bcrypt.hashSync('secret', 4)],
  ['bob', bcrypt.hashSync('hunter2', 4)],
]);

test('parseBasic reads user:password and refuses other schemes and junk', () => {
  assert.deepEqual(parseBasic(basic('alice', 'se:cret')), { user: 'alice', password: 'se:cret' });
  assert.deepEqual(parseBasic(`basic ${Buffer.from('a:').toString('base64')}`), { user: 'a', password: '' });
  assert.equal(parseBasic(undefined), null);
  assert.equal(parseBasic('Bearer abc'), null);
  assert.equal(parseBasic('Basic !!!'), null);
  assert.equal(parseBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`), null);
});

test('BasicAuth lets the right password in, refuses wrong ones and unknown users, and remembers successes', async () => {
  const auth = new BasicAuth(users);
  assert.equal(await auth.check(basic('alice', 'secret')), 'ok');
  assert.equal(auth.compares, 1);
  assert.equal(await auth.check(basic('alice', 'secret')), 'ok');
  assert.equal(auth.compares, 1, 'a remembered success runs no bcrypt comparison');
  assert.equal(await auth.check(basic('alice', 'hunter2')), 'denied');
  assert.equal(await auth.check(basic('bob', 'hunter2')), 'ok');
  // An unknown user is denied, after a comparison like any other (even with a password some user has).
  const before = auth.compares;
  assert.equal(await auth.check(basic('carol', 'secret')), 'denied');
  assert.equal(auth.compares, before + 1);
  assert.equal(await auth.check(undefined), 'denied');
});

test('BasicAuth runs one comparison at a time and answers busy beyond the queue', async () => {
  const auth = new BasicAuth(users, { maxPending: 2 });
  const verdicts = await Promise.all([1, 2, 3, 4].map((i) => auth.check(basic('alice', `wrong${i}`))));
  assert.deepEqual(verdicts, ['denied', 'denied', 'busy', 'busy']);
  assert.equal(auth.compares, 2);
  // Remembered credentials skip the queue.
  assert.equal(await auth.check(basic('alice', 'secret')), 'ok');
  const again = await Promise.all([auth.check(basic('alice', 'x')), auth.check(basic('alice', 'y')), auth.check(basic('alice', 'secret'))]);
  assert.deepEqual(again, ['denied', 'denied', 'ok']);
  assert.throws(() => new BasicAuth(new Map()), /no users/);
  assert.throws(() => new BasicAuth(users, { maxPending: 0 }), /maxPending/);
});
