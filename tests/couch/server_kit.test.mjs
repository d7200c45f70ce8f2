// The server kit against a CouchDB-protocol server (issue 20): the site database set up by
// server-kit/setup-site.mjs takes well-formed record documents and refuses malformed ones and
// edits of a step. A contract suite: against npm's pouchdb-server in memory on loopback (started
// and stopped here), or a real CouchDB 3 when COUCHDB_URL (with admin credentials) is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setUpSite, client, databaseName } from '../../server-kit/setup-site.mjs';

const PORT = 5987;
let server = process.env.COUCHDB_URL;
let child = null;
let call;
const SITE = `KIT${process.pid % 1000}`;
const DB = `/${databaseName(SITE)}`;

before(async () => {
  if (!server) {
    // In a folder of its own: it writes config.json and log.txt where it runs.
    child = spawn(resolve('node_modules/.bin/pouchdb-server'), ['--in-memory', '--port', String(PORT), '--host', '127.0.0.1'], { stdio: 'pipe', cwd: mkdtempSync(join(tmpdir(), 'pouchdb-server-')) });
    server = `http://127.0.0.1:${PORT}`;
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`${server}/`)).ok) break; } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  call = client(server);
  await setUpSite({ server, site: SITE, revsLimit: 100 });
});

after(async () => {
  if (process.env.COUCHDB_URL) {
    await call('DELETE', DB);
    await call('DELETE', `${DB}-plain`);
  }
  if (child) child.kill();
});

const ID = '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001';
const STAMP = '1796531787319-000000-01a249a3953074e6ae5459f3c506ab8a';
const step = (note) => ({
  _id: `ticket_event:${ID}`,
  record: { id: ID, kind: 'ticket_event', created_at: STAMP, updated_at: STAMP, origin_device: '01a249a3-9530-74e6-ae54-59f3c506ab8a', body: { note, to: 'assessed' }, writes: [] },
});

test('the site database exists with its members, revision limit and validation', async () => {
  assert.equal((await call('GET', DB)).status, 200);
  const security = (await call('GET', `${DB}/_security`)).json;
  assert.deepEqual(security.members.roles, [`patroldesk-site-${SITE.toLowerCase()}`, 'patroldesk-head-office']);
  // pouchdb-server cannot set it (README: differences of the test server).
  if (process.env.COUCHDB_URL) assert.equal((await call('GET', `${DB}/_revs_limit`)).json, 100);
  assert.match((await call('GET', `${DB}/_design/patroldesk`)).json.validate_doc_update, /^function/);
  // Running it again changes nothing and fails nothing.
  await setUpSite({ server, site: SITE, revsLimit: 100 });
});

test('a record document is taken; the same step again is fine, an edited step is refused', async () => {
  const put = await call('PUT', `${DB}/ticket_event:${ID}`, step('已联系业主'));
  assert.equal(put.status, 201, JSON.stringify(put.json));
  const again = await call('PUT', `${DB}/ticket_event:${ID}`, { ...step('已联系业主'), _rev: put.json.rev });
  assert.equal(again.status, 201, JSON.stringify(again.json));
  const edited = await call('PUT', `${DB}/ticket_event:${ID}`, { ...step('改过的备注'), _rev: again.json.rev });
  assert.equal(edited.status, 403);
  assert.match(JSON.stringify(edited.json), /never edited/);
});

test('malformed documents are refused with the reason', async () => {
  const cases = [
    [{ _id: 'person:1', record: {} }, /not a PatrolDesk record id/],
    [{ _id: `ticket:${ID.replace('0001', '0002')}`, record: { ...step('x').record, kind: 'ticket' } }, /different records/],
    [{ _id: `ticket_event:${ID.replace('0001', '0003')}`, record: { ...step('x').record, id: ID.replace('0001', '0003'), updated_at: 'yesterday' } }, /updated_at is not a stamp/],
    [{ _id: `ticket_event:${ID.replace('0001', '0004')}` }, /no record/],
    [{ _id: `ticket_event:${ID.replace('0001', '0005')}`, record: { ...step('x').record, id: ID.replace('0001', '0005'), body: [] } }, /body is not an object/],
  ];
  for (const [doc, why] of cases) {
    const put = await call('PUT', `${DB}/${encodeURIComponent(doc._id)}`, doc);
    assert.equal(put.status, 403, `${doc._id}: ${JSON.stringify(put.json)}`);
    assert.match(JSON.stringify(put.json), why);
  }
});

test('a replicated conflict is kept (new_edits: false), as the tablets settle it', async () => {
  const id = ID.replace('0001', '0010');
  const doc = (note, rev) => ({ ...step(note), _id: `ticket_event:${id}`, _rev: rev, record: { ...step(note).record, id } });
  const bulk = await call('POST', `${DB}/_bulk_docs`, { new_edits: false, docs: [doc('a', '1-aaa'), doc('a', '1-bbb')] });
  assert.ok(bulk.status < 300, JSON.stringify(bulk.json));
  const got = (await call('GET', `${DB}/ticket_event:${id}?conflicts=true`)).json;
  assert.equal(got._rev, '1-bbb', 'the higher revision id wins, as domain::couch::compare_revs says');
  assert.deepEqual(got._conflicts, ['1-aaa']);
});

test('a revision pushed with its parent (_revisions) extends the document; two on one parent are a conflict', async () => {
  // On a database without the kit's validation: with one, pouchdb-server drops every
  // `new_edits: false` update of an existing document without an error (README).
  const PLAIN = `${DB}-plain`;
  await call('PUT', PLAIN);
  const id = ID.replace('0001', '0020');
  const doc = (note, rev, ids) => ({ ...step(note), _id: `ticket:${id}`, _rev: rev, _revisions: { start: Number(rev.split('-')[0]), ids },
    record: { ...step(note).record, id, kind: 'ticket' } });
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(32);
  const c = 'c'.repeat(32);
  let bulk = await call('POST', `${PLAIN}/_bulk_docs`, { new_edits: false, docs: [doc('one', `1-${a}`, [a])] });
  assert.ok(bulk.status < 300, JSON.stringify(bulk.json));
  bulk = await call('POST', `${PLAIN}/_bulk_docs`, { new_edits: false, docs: [doc('two', `2-${b}`, [b, a])] });
  assert.ok(bulk.status < 300, JSON.stringify(bulk.json));
  let got = (await call('GET', `${PLAIN}/ticket:${id}?conflicts=true`)).json;
  assert.equal(got._rev, `2-${b}`);
  assert.equal(got._conflicts, undefined, 'a child of the known revision is no conflict');
  // The same push again (a retry after a cut connection) changes nothing.
  bulk = await call('POST', `${PLAIN}/_bulk_docs`, { new_edits: false, docs: [doc('two', `2-${b}`, [b, a])] });
  got = (await call('GET', `${PLAIN}/ticket:${id}?conflicts=true`)).json;
  assert.equal(got._rev, `2-${b}`);
  assert.equal(got._conflicts, undefined);
  // Another tablet pushed on the same parent: siblings, settled by the tablets.
  bulk = await call('POST', `${PLAIN}/_bulk_docs`, { new_edits: false, docs: [doc('other', `2-${c}`, [c, a])] });
  got = (await call('GET', `${PLAIN}/ticket:${id}?conflicts=true`)).json;
  assert.equal(got._rev, `2-${c}`, 'the higher revision id wins');
  assert.deepEqual(got._conflicts, [`2-${b}`]);
});
