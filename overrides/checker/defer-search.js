// Loaded on the checker page only, before the theme's own script (overrides/main.html). The theme
// starts a Web Worker that downloads the site's search index and builds it as the page opens; on a
// two-core machine that competes with Python's start in the checker's worker. Here the search
// worker is created as a stand-in that keeps the theme's messages and starts the real worker once
// the checker is ready (or failed), the reader focuses the search box, or 8 seconds have passed.
(() => {
  const RealWorker = window.Worker;
  if (typeof RealWorker !== "function") return;
  const SEARCH_WORKER = /\/workers\/search\.[^/]*\.js$/;
  const waiting = [];
  let released = false;

  function release() {
    if (released) return;
    released = true;
    for (const start of waiting.splice(0)) start();
  }

  class HeldWorker extends EventTarget {
    constructor(url, options) {
      super();
      this.onmessage = null;
      this.onerror = null;
      this.onmessageerror = null;
      this.real = null;
      this.queue = [];
      this.terminated = false;
      const start = () => {
        if (this.terminated) return;
        const real = new RealWorker(url, options);
        for (const type of ["message", "messageerror", "error"]) {
          real.addEventListener(type, (event) => {
            const copy = type === "error" ? new Event("error") : new MessageEvent(type, { data: event.data });
            const handler = this[`on${type}`];
            if (typeof handler === "function") handler.call(this, copy);
            this.dispatchEvent(copy);
          });
        }
        this.real = real;
        for (const [message, transfer] of this.queue.splice(0)) real.postMessage(message, transfer);
      };
      if (released) start();
      else waiting.push(start);
    }

    postMessage(message, transfer) {
      if (this.real) this.real.postMessage(message, transfer);
      else this.queue.push([message, transfer || []]);
    }

    terminate() {
      this.terminated = true;
      if (this.real) this.real.terminate();
    }
  }

  window.Worker = function Worker(url, options) {
    const held = !released && SEARCH_WORKER.test(new URL(String(url), location.href).pathname);
    return held ? new HeldWorker(url, options) : new RealWorker(url, options);
  };
  window.Worker.prototype = RealWorker.prototype;

  document.addEventListener("bouncecodes:ready", release, { once: true });
  document.addEventListener("bouncecodes:failed", release, { once: true });
  document.addEventListener("focusin", (event) => {
    if (event.target instanceof Element && event.target.closest(".md-search")) release();
  });
  document.addEventListener("keydown", (event) => {
    if (["/", "s", "f"].includes(event.key)) release(); // the theme's keys that open search
  });
  setTimeout(release, 8000);
})();
