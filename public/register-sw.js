// Registers the service worker and runs the update handshake with the app (see
// src/platform/update.rs), in this tab and when another tab applies an update. A plain file, not inline: the CSP allows no inline script
// but trunk's own loader, by hash.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator)) return;
  var applying = false;
  // A page first opened without a worker sees one take over on the first install: that is
  // not a new build.
  var controlledAtStart = !!navigator.serviceWorker.controller;

  function announce() {
    window.__patroldeskUpdateReady = true;
    window.dispatchEvent(new Event('patroldesk:update-ready'));
  }

  function watch(worker) {
    worker.addEventListener('statechange', function () {
      // Only an update waits behind a controlling worker; the very first install does not.
      if (worker.state === 'installed' && navigator.serviceWorker.controller) announce();
    });
  }

  window.addEventListener('load', function () {
    navigator.serviceWorker.register('/sw.js').then(function (reg) {
      if (reg.waiting && navigator.serviceWorker.controller) announce();
      if (reg.installing) watch(reg.installing);
      reg.addEventListener('updatefound', function () {
        if (reg.installing) watch(reg.installing);
      });
      window.addEventListener('patroldesk:apply-update', function () {
        // No worker waiting: another tab applied it already, and the new build controls this
        // page; loading it again is the update.
        if (!reg.waiting) { window.location.reload(); return; }
        applying = true;
        reg.waiting.postMessage({ type: 'SKIP_WAITING' });
      });
      // Tablets stay open for days: look for a new build whenever the app comes back.
      document.addEventListener('visibilitychange', function () {
        if (document.visibilityState === 'visible') reg.update().catch(function () {});
      });
    }).catch(function (err) {
      console.warn('service worker not registered:', err && err.message);
    });
  });

  navigator.serviceWorker.addEventListener('controllerchange', function () {
    // Reload once, and only when the user asked for the update here.
    if (applying) {
      applying = false;
      window.location.reload();
      return;
    }
    // Another tab applied it: this page still runs the old build while the new worker
    // serves the new build's files, so it must be loaded again. The app says so (a form
    // being filled in is not cut off).
    if (!controlledAtStart) return;
    window.__patroldeskUpdatedElsewhere = true;
    window.dispatchEvent(new Event('patroldesk:updated-elsewhere'));
  });
})();
