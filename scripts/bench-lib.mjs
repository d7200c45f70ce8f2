// Pieces the benchmark scripts share.

/** Keeps a handle on the app's wasm memory in every page of `context` (`window.__wasmMemory`),
 *  to report its size beside the JS heap: the app's own module's, as the modules split off it
 *  import that memory and export none. */
export function keepWasmMemory(context) {
  return context.addInitScript(() => {
    const keep = (result) => { const i = result.instance || result; if (i.exports?.memory) window.__wasmMemory ||= i.exports.memory; return result; };
    const streaming = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = (...a) => streaming(...a).then(keep);
    const plain = WebAssembly.instantiate;
    WebAssembly.instantiate = (...a) => plain(...a).then(keep);
  });
}

/** The page's memory in MB: its JS heap after a collection, and its wasm memory (which never
 *  shrinks, so it is the most the app has held). Needs `keepWasmMemory` on its context. */
export async function pageMemory(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const metrics = await cdp.send('Performance.enable').then(() => cdp.send('Performance.getMetrics'));
  const js = metrics.metrics.find((m) => m.name === 'JSHeapUsedSize').value / 1048576;
  const wasm = (await page.evaluate(() => window.__wasmMemory?.buffer.byteLength || 0)) / 1048576;
  await cdp.detach();
  return { js, wasm, total: js + wasm };
}

/** Milliseconds from typing `letter` into the board's search until the count changed and the next frame painted. */
export function keystroke(page, letter) {
  return page.evaluate(async (letter) => {
    const input = document.querySelector('#f-search');
    const count = document.querySelector('[data-testid="board-count"]');
    const before = count.textContent;
    const t0 = performance.now();
    input.value = letter;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((ok) => { const o = new MutationObserver(() => { if (count.textContent !== before) { o.disconnect(); ok(); } }); o.observe(count, { childList: true, subtree: true, characterData: true }); });
    await new Promise((ok) => requestAnimationFrame(() => ok()));
    return performance.now() - t0;
  }, letter);
}

/**
 * The scale goals (issue 15), for `action` timed at `large` ms on `n` tickets and at `small`
 * ms on the small store: up to 10,000 tickets at most 1.5× the small store's cost or 150 ms,
 * whichever is larger (a cold start also ≤ 1 s); at 50,000 a detail open and a step at most
 * 300 ms. true / false, or null where no goal is set (other actions at 50,000: shown, not judged).
 */
export function scaleGoalMet(action, n, small, large) {
  if (n > 10000) {
    return /detail open|workflow step/.test(action) ? large <= 300 : null;
  }
  const ratioMet = large <= Math.max(1.5 * small, 150);
  return /cold start/.test(action) ? ratioMet && large <= 1000 : ratioMet;
}
