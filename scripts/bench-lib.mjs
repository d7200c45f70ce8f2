// Pieces the benchmark scripts share.

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
