// PatrolDesk's head-office views for a site database (issue 20, server kit): the KPI figures
// of a site summed by the server, so head office reads a few rows per site instead of every
// ticket. Each map is one ES5 function expression (CouchDB's JavaScript query server).
// RESPOND_HOURS and COMPLAINT_HOURS are the KPI targets, written in by setup-site.mjs
// (defaults 24 and 48, as on the tablets). A record's local day is its own UTC offset's.
//
// by_day: key [local day received, category, department or ""], value (summed, _sum):
//   [received, answered in time, answered, completed, complaints,
//    complaints resolved in time, complaints resolved, reopened]
// undecided: tickets not answered and complaints not resolved (not on hold), keyed by the
//   moment they become late: [deadline ISO, "respond" | "complaint"], value [day, category,
//   department]. Head office reads the rows up to now to count the late ones.
// visits: return visits by local day: [visits, satisfied (score 4-5), score].
// list: one row per ticket by local day, for drill-down, without names, phones or text:
//   [number, category, department, status, received ISO].
export const VIEWS = {
  by_day: {
    map: function (doc) {
      if (doc._id.indexOf('ticket:') !== 0 || !doc.record || doc.record.deleted_at) return;
      var t = doc.record.body;
      if (!t || !t.received_at) return;
      var received = Date.parse(t.received_at);
      var day = new Date(received + (t.utc_offset_min || 0) * 60000).toISOString().slice(0, 10);
      var p = t.progress || {};
      var answered = p.first_response_at ? 1 : 0;
      var inTime = answered && Date.parse(p.first_response_at) - received <= RESPOND_HOURS * 3600000 ? 1 : 0;
      var done = t.status === 'resolved' || t.status === 'return_visited' || t.status === 'closed' ? 1 : 0;
      var complaint = t.kind === 'complaint' ? 1 : 0;
      var resolved = complaint && p.resolved_at ? 1 : 0;
      var held = 0;
      (p.holds || []).forEach(function (h) {
        var end = h.end ? Date.parse(h.end) : (p.resolved_at ? Date.parse(p.resolved_at) : Date.parse(h.start));
        held += Math.max(0, end - Date.parse(h.start));
      });
      var resolvedInTime = resolved && Date.parse(p.resolved_at) - received - held <= COMPLAINT_HOURS * 3600000 ? 1 : 0;
      emit([day, t.category || '', t.department || ''], [1, inTime, answered, done, complaint, resolvedInTime, resolved, p.reopen_count > 0 ? 1 : 0]);
    },
    reduce: '_sum',
  },
  undecided: {
    map: function (doc) {
      if (doc._id.indexOf('ticket:') !== 0 || !doc.record || doc.record.deleted_at) return;
      var t = doc.record.body;
      if (!t || !t.received_at) return;
      var received = Date.parse(t.received_at);
      var day = new Date(received + (t.utc_offset_min || 0) * 60000).toISOString().slice(0, 10);
      var p = t.progress || {};
      var where = [day, t.category || '', t.department || ''];
      if (!p.first_response_at) emit([new Date(received + RESPOND_HOURS * 3600000).toISOString(), 'respond'], where);
      if (t.kind === 'complaint' && !p.resolved_at && t.status !== 'on_hold') {
        var held = 0;
        (p.holds || []).forEach(function (h) { if (h.end) held += Math.max(0, Date.parse(h.end) - Date.parse(h.start)); });
        emit([new Date(received + held + COMPLAINT_HOURS * 3600000).toISOString(), 'complaint'], where);
      }
    },
  },
  visits: {
    map: function (doc) {
      if (doc._id.indexOf('ticket_event:') !== 0 || !doc.record || doc.record.deleted_at) return;
      var e = doc.record.body;
      if (!e || !e.action || e.action.type !== 'return_visit' || !e.at) return;
      var day = new Date(Date.parse(e.at) + (e.utc_offset_min || 0) * 60000).toISOString().slice(0, 10);
      emit([day], [1, e.action.score >= 4 ? 1 : 0, e.action.score]);
    },
    reduce: '_sum',
  },
  list: {
    map: function (doc) {
      if (doc._id.indexOf('ticket:') !== 0 || !doc.record || doc.record.deleted_at) return;
      var t = doc.record.body;
      if (!t || !t.received_at) return;
      var day = new Date(Date.parse(t.received_at) + (t.utc_offset_min || 0) * 60000).toISOString().slice(0, 10);
      emit([day], [t.number, t.category || '', t.department || '', t.status, t.received_at]);
    },
  },
};
