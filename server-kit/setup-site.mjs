// Sets up one estate's database on a CouchDB 3 server (issue 20, server kit). Idempotent:
// run it again after changing the kit and it updates what differs.
//
//   node server-kit/setup-site.mjs --server http://admin:PASSWORD@couch.example.com:5984 --site DH01 \
//     [--staff name:password ...] [--head-office name:password] [--revs-limit 100]
//
// Creates `patroldesk-<site>` (lower case), its `_security` (members: the site's role and
// head office's; admins: `patroldesk-admin`), the design document with the validation
// function, head office's KPI views (kpi_views.mjs, with the site's KPI targets), the
// revision limit, and the staff and head-office users asked for.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HEAD_OFFICE_ROLE = 'patroldesk-head-office';
export const ADMIN_ROLE = 'patroldesk-admin';

export function databaseName(site) {
  if (!/^[A-Za-z0-9]{1,12}$/.test(site)) throw new Error(`site code "${site}" is not 1–12 letters or digits`);
  return `patroldesk-${site.toLowerCase()}`;
}

export function siteRole(site) {
  return `patroldesk-site-${site.toLowerCase()}`;
}

import { VIEWS } from './kpi_views.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const VALIDATE = readFileSync(join(here, 'validate_doc_update.js'), 'utf8')
  .split('\n').filter((line) => !line.startsWith('//')).join('\n').trim();

/** fetch against the server, credentials from the URL sent as Basic auth. */
export function client(serverUrl) {
  const url = new URL(serverUrl);
  const auth = url.username ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
  url.username = '';
  url.password = '';
  const base = url.toString().replace(/\/$/, '');
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: response.status, json };
  };
}

/** Head office's design document, the KPI targets written into its map functions. */
export function kpiDesign({ respondHours = 24, complaintHours = 48 } = {}) {
  if (!(respondHours > 0 && complaintHours > 0)) throw new Error('the KPI targets are hours above 0');
  const views = {};
  for (const [name, view] of Object.entries(VIEWS)) {
    views[name] = { map: view.map.toString().replaceAll('RESPOND_HOURS', String(respondHours)).replaceAll('COMPLAINT_HOURS', String(complaintHours)) };
    if (view.reduce) views[name].reduce = view.reduce;
  }
  return { language: 'javascript', views };
}

async function putOrUpdate(call, path, doc) {
  const existing = await call('GET', path);
  const body = existing.status === 200 ? { ...doc, _rev: existing.json._rev } : doc;
  const put = await call('PUT', path, body);
  if (put.status >= 300) throw new Error(`PUT ${path}: ${put.status} ${JSON.stringify(put.json)}`);
}

export async function setUpSite({ server, site, staff = [], headOffice = null, revsLimit = 100, respondHours = 24, complaintHours = 48 }) {
  const call = client(server);
  const db = `/${databaseName(site)}`;
  const created = await call('PUT', db);
  if (created.status !== 201 && created.status !== 412) throw new Error(`creating ${db}: ${created.status} ${JSON.stringify(created.json)}`);
  const security = await call('PUT', `${db}/_security`, {
    admins: { names: [], roles: [ADMIN_ROLE] },
    members: { names: [], roles: [siteRole(site), HEAD_OFFICE_ROLE] },
  });
  if (security.status >= 300) throw new Error(`_security: ${security.status} ${JSON.stringify(security.json)}`);
  await putOrUpdate(call, `${db}/_design/patroldesk`, { language: 'javascript', validate_doc_update: VALIDATE });
  await putOrUpdate(call, `${db}/_design/patroldesk-kpi`, kpiDesign({ respondHours, complaintHours }));
  const notes = [];
  const limit = await call('PUT', `${db}/_revs_limit`, revsLimit);
  // pouchdb-server's JSON parser refuses a bare number as a body (CouchDB takes it): said, not fatal.
  if (limit.status === 400 && limit.json?.reason === 'invalid_json') notes.push('this server did not take the revision limit (pouchdb-server); set it by hand');
  else if (limit.status >= 300) throw new Error(`_revs_limit: ${limit.status} ${JSON.stringify(limit.json)}`);
  const users = [...staff.map((u) => [u, [siteRole(site)]]), ...(headOffice ? [[headOffice, [HEAD_OFFICE_ROLE]]] : [])];
  for (const [spec, roles] of users) {
    const [name, password] = spec.split(':');
    if (!name || !password) throw new Error(`user "${spec}" is not name:password`);
    await putOrUpdate(call, `/_users/org.couchdb.user:${encodeURIComponent(name)}`, { _id: `org.couchdb.user:${name}`, name, password, roles, type: 'user' });
  }
  return { database: databaseName(site), role: siteRole(site), notes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const take = (flag) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  const [server] = take('--server');
  const [site] = take('--site');
  if (!server || !site) {
    console.error('usage: node server-kit/setup-site.mjs --server URL --site CODE [--staff name:password ...] [--head-office name:password] [--revs-limit N] [--respond-hours 24] [--complaint-hours 48]');
    process.exit(2);
  }
  const result = await setUpSite({ server, site, staff: take('--staff'), headOffice: take('--head-office')[0] ?? null, revsLimit: Number(take('--revs-limit')[0] ?? 100),
    respondHours: Number(take('--respond-hours')[0] ?? 24), complaintHours: Number(take('--complaint-hours')[0] ?? 48) });
  console.log(`set up ${result.database}; staff role ${result.role}, head office role ${HEAD_OFFICE_ROLE}`);
  for (const note of result.notes) console.log(`note: ${note}`);
}
