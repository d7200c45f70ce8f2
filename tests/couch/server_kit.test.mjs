// The server kit against a CouchDB-protocol server (issue 20): the site database set up by
// server-kit/setup-site.mjs takes well-formed record documents and refuses malformed ones and
// edits of a step. A contract suite: against npm's pouchdb-server in memory on loopback (started
// and stopped here), or a real CouchDB 3 when COUCHDB_URL (with admin credentials) is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setUpSite, client, databaseName } from '../../server-kit/setup-site.mjs';

const PORT = 5987;
let server = process.env.COUCHDB_URL;
let child = null;
let childDir = null;
let call;
const SITE = `KIT${process.pid % 1000}`;
const DB = `/${databaseName(SITE)}`;

before(async () => {
  if (!server) {
    // In a folder of its own: it writes config.json and log.txt where it runs.
    childDir = mkdtempSync(join(tmpdir(), 'pouchdb-server-'));
    child = spawn(resolve('node_modules/.bin/pouchdb-server'), ['--in-memory', '--port', String(PORT), '--host', '127.0.0.1'], { stdio: 'pipe', cwd: childDir });
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
  if (child) {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((done) => { child.once('exit', done); child.kill(); });
    }
    rmSync(childDir, { recursive: true, force: true });
  }
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
  // A purge past the retention period may strike a resident out of its texts, and only that.
  const LATER = STAMP.replace(/^1796/, '1797');
  const purged = (note, to = 'assessed') => ({ ...step(note), _rev: again.json.rev, record: { ...step(note).record, updated_at: LATER, purged_at: LATER, body: { note, to } } });
  const moved = await call('PUT', `${DB}/ticket_event:${ID}`, purged('•••', 'closed'));
  assert.equal(moved.status, 403, 'a "purge" that changes the step is refused');
  const struck = await call('PUT', `${DB}/ticket_event:${ID}`, purged('已联系•••'));
  assert.equal(struck.status, 201, JSON.stringify(struck.json));
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

test('a photo is taken as one image named by its SHA-256, and never changed', async () => {
  const { createHash } = await import('node:crypto');
  const bytes = Buffer.from('fake jpeg bytes for the kit');
  const sha = createHash('sha256').update(bytes).digest('hex');
  const photo = (type, named = sha) => ({ _id: `photo:${sha}`, photo: { sha256: named, type }, _attachments: { photo: { content_type: type, data: bytes.toString('base64') } } });
  let put = await call('PUT', `${DB}/photo:${'1'.repeat(64)}`, { ...photo('image/jpeg'), _id: `photo:${'1'.repeat(64)}` });
  assert.match(JSON.stringify(put.json), /names another photo/);
  put = await call('PUT', `${DB}/photo:${sha}`, photo('text/html'));
  assert.match(JSON.stringify(put.json), /one image attachment/);
  put = await call('PUT', `${DB}/photo:${sha}`, photo('image/jpeg'));
  assert.equal(put.status, 201, JSON.stringify(put.json));
  put = await call('PUT', `${DB}/photo:${sha}`, { ...photo('image/png'), _rev: put.json.rev });
  assert.equal(put.status, 403);
  assert.match(JSON.stringify(put.json), /never changed/);
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

test('head office views sum a site\'s KPI figures by local day, list late undecided tickets, and leave deleted ones out', async () => {
  const KPI = `${DB}/_design/patroldesk-kpi/_view`;
  const h = (iso, hours) => new Date(Date.parse(iso) + hours * 3600000).toISOString();
  const ticket = (n, body, extra = {}) => {
    const id = `0190aaaa-bbbb-7ccc-8ddd-${String(n).padStart(12, '0')}`;
    return { _id: `ticket:${id}`, record: { id, kind: 'ticket', created_at: STAMP, updated_at: STAMP, origin_device: '01a249a3-9530-74e6-ae54-59f3c506ab8a', body: { number: `KIT-${n}`, utc_offset_min: 480, ...body }, writes: [], ...extra } };
  };
  const visit = (n, at, score) => {
    const id = `0190aaaa-bbbb-7ccc-8ddd-${String(100 + n).padStart(12, '0')}`;
    return { _id: `ticket_event:${id}`, record: { id, kind: 'ticket_event', created_at: STAMP, updated_at: STAMP, origin_device: '01a249a3-9530-74e6-ae54-59f3c506ab8a', body: { at, utc_offset_min: 480, to: 'return_visited', action: { type: 'return_visit', score } }, writes: [] } };
  };
  const t1 = '2026-12-01T02:00:00.000Z'; // 10:00 local on 1 December
  const t2 = '2026-12-01T20:00:00.000Z'; // 04:00 local on 2 December
  const t3 = '2026-12-02T00:00:00.000Z';
  const docs = [
    // Answered in 2 h, resolved and closed.
    ticket(1, { kind: 'repair', category: 'plumbing', department: 'engineering', status: 'closed', received_at: t1, progress: { first_response_at: h(t1, 2), resolved_at: h(t1, 5), holds: [], reopen_count: 0 } }),
    // A complaint answered late (30 h), 30 h on hold, resolved at 60 h: handled in 30 h; reopened once.
    ticket(2, { kind: 'complaint', category: 'noise', department: 'security', status: 'resolved', received_at: t2, progress: { first_response_at: h(t2, 30), resolved_at: h(t2, 60), holds: [{ start: h(t2, 10), end: h(t2, 40) }], reopen_count: 1 } }),
    // A complaint nobody has answered.
    ticket(3, { kind: 'complaint', category: 'noise', status: 'new', received_at: t3 }),
    // Deleted on a tablet (the app's tombstone): counted nowhere.
    ticket(4, { kind: 'repair', category: 'lift', status: 'new', received_at: t3 }, { deleted_at: STAMP }),
    visit(1, '2026-12-02T03:00:00.000Z', 5),
    visit(2, '2026-12-02T04:00:00.000Z', 3),
  ];
  const bulk = await call('POST', `${DB}/_bulk_docs`, { docs });
  assert.ok(bulk.json.every((r) => r.ok), JSON.stringify(bulk.json));

  const byDay = (await call('GET', `${KPI}/by_day?group_level=1`)).json.rows;
  assert.deepEqual(byDay, [
    { key: ['2026-12-01'], value: [1, 1, 1, 1, 0, 0, 0, 0] },
    { key: ['2026-12-02'], value: [2, 0, 1, 1, 2, 1, 1, 1] },
  ]);
  const byCategory = (await call('GET', `${KPI}/by_day?group_level=3&startkey=["2026-12-02"]&endkey=["2026-12-02",{}]`)).json.rows;
  assert.deepEqual(byCategory.map((r) => [r.key, r.value[0]]), [[['2026-12-02', 'noise', ''], 1], [['2026-12-02', 'noise', 'security'], 1]]);
  // Late by 12:00 UTC on 3 December: ticket 3's answer (due at 00:00); its complaint clock runs to the 4th.
  const late = (await call('GET', `${KPI}/undecided?endkey=["2026-12-03T12:00:00.000Z",{}]`)).json.rows;
  assert.deepEqual(late.map((r) => [r.key[1], r.value]), [['respond', ['2026-12-02', 'noise', '']]]);
  const visits = (await call('GET', `${KPI}/visits?group_level=1`)).json.rows;
  assert.deepEqual(visits, [{ key: ['2026-12-02'], value: [2, 1, 8] }]);
  const list = (await call('GET', `${KPI}/list?startkey=["2026-12-02"]&endkey=["2026-12-02",{}]`)).json.rows;
  assert.deepEqual(list.map((r) => r.value.slice(0, 4)), [['KIT-2', 'noise', 'security', 'resolved'], ['KIT-3', 'noise', '', 'new']]);
  for (const row of list) assert.equal(JSON.stringify(row).includes('reporter'), false);
});
