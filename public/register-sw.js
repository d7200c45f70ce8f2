// Registers the service worker and runs the update handshake with the app (see
// src/platform/update.rs). A plain file, not inline: the CSP allows no inline script
// but trunk's own loader, by hash.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator)) return;
  var applying = false;

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
        if (!reg.waiting) return;
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
    // Reload once, and only when the user asked for the update.
    if (!applying) return;
    applying = false;
    window.location.reload();
  });
})();
