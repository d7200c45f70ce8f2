// PatrolDesk's validate_doc_update for a site database (issue 20, server kit). Runs inside
// CouchDB's JavaScript query server, so: one function expression, ES5, no modules.
// The tablets check every document they receive as strictly as an imported file; this is the
// server's own line: malformed documents and edits of a step never get in, whoever sends them.
function (newDoc, oldDoc, userCtx, secObj) {
  var KINDS = { ticket: 1, ticket_event: 1, drill_plan: 1, drill_run: 1, improvement: 1 };
  var UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  var STAMP = /^\d{13}-\d{6}-[0-9a-f]{32}$/;
  var MAX_BYTES = 1048576;
  function refuse(why) { throw({ forbidden: why }); }

  // Who may write is the database's `_security` (members: the site's role and head
  // office's), which CouchDB checks before this runs; design documents are its admins'.
  if (newDoc._id.indexOf('_design/') === 0) return;
  // Conflict losers are deleted by the tablets that settle a conflict; a deletion carries
  // no record. (The app's own deletions are tombstones inside the record.)
  if (newDoc._deleted === true) return;

  // A photo: its id is the SHA-256 of its one attachment, an image; never changed.
  var photo = /^photo:([0-9a-f]{64})$/.exec(newDoc._id);
  if (photo) {
    var a = newDoc._attachments && newDoc._attachments.photo;
    if (!a || ['image/jpeg', 'image/png', 'image/webp'].indexOf(a.content_type) < 0) refuse('a photo is one image attachment');
    if (!newDoc.photo || newDoc.photo.sha256 !== photo[1]) refuse('the photo names another photo');
    if (oldDoc && !oldDoc._deleted) refuse('a photo is never changed');
    return;
  }
  var m = new RegExp('^(ticket|ticket_event|drill_plan|drill_run|improvement):(' + UUID + ')$').exec(newDoc._id);
  if (!m || !KINDS[m[1]]) refuse('not a PatrolDesk record id: ' + String(newDoc._id).slice(0, 80));
  var r = newDoc.record;
  if (!r || typeof r !== 'object') refuse('no record');
  if (r.kind !== m[1] || r.id !== m[2]) refuse('the _id and the record name different records');
  if (typeof r.created_at !== 'string' || !STAMP.test(r.created_at)) refuse('created_at is not a stamp');
  if (typeof r.updated_at !== 'string' || !STAMP.test(r.updated_at)) refuse('updated_at is not a stamp');
  if (typeof r.origin_device !== 'string' || !new RegExp('^' + UUID + '$').test(r.origin_device)) refuse('origin_device is not an id');
  if (!r.body || typeof r.body !== 'object' || Array.isArray(r.body)) refuse('body is not an object');
  if (r.writes !== undefined && !Array.isArray(r.writes)) refuse('writes is not a list');
  if (r.purged_at !== undefined && (typeof r.purged_at !== 'string' || !STAMP.test(r.purged_at))) refuse('purged_at is not a stamp');
  if (JSON.stringify(newDoc).length > MAX_BYTES) refuse('larger than 1 MB');
  // A step is written once and never edited: the same step again is fine, a change is not —
  // except a purge of residents' data past the retention period, which may only strike
  // names and phone numbers out of its texts (the note, work done, cause, comment).
  function beyondTexts(rec) {
    var copy = JSON.parse(JSON.stringify(rec));
    delete copy.updated_at; delete copy.updated_by; delete copy.purged_at; delete copy.writes;
    if (copy.body) {
      delete copy.body.note;
      if (copy.body.action) { delete copy.body.action.work_done; delete copy.body.action.cause; delete copy.body.action.comment; }
    }
    return JSON.stringify(copy);
  }
  if (m[1] === 'ticket_event' && oldDoc && !oldDoc._deleted && JSON.stringify(oldDoc.record) !== JSON.stringify(r)) {
    if (r.purged_at === undefined || beyondTexts(oldDoc.record) !== beyondTexts(r)) refuse('a step is never edited');
  }
}
