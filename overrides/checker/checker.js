// bouncecodes checker: the page side. Paste a reply, a bounce or log lines; the bouncecodes runtime
// classifies it in a Web Worker (worker.js) on Pyodide: nothing leaves the browser.
//
// Loaded as a classic script on every page (extra_javascript); it acts only where the page holds
// <div id="bouncecodes-checker">. It finds its assets beside itself: worker.js, and manifest.json
// (written at build time by bouncecodes.build.checker.build_checker_assets) naming the hashed runtime
// zip, the versioned Pyodide folder and the optional trimmed standard library. With Material's
// instant navigation it mounts again on each page change (document$); the worker, and so the
// loaded Python, lives on across pages. User text only ever reaches the page through textContent.
(() => {
  "use strict";

  const ROOT_ID = "bouncecodes-checker";
  const LOAD_TIMEOUT_MS = 90000; // first load: ~10 MB over the network, then Python starts
  const MAX_INPUT_BYTES = 5 * 1024 * 1024; // refused above this, before it reaches Python
  const CLASSIFY_TIMEOUT_MS = 20000; // one classification; the runtime itself is linear-time
  const SCRIPT_URL = (document.currentScript && document.currentScript.src) || document.baseURI;
  const SITE_ROOT = new URL("../", SCRIPT_URL); // checker.js sits in <site>/checker/
  const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "");

  const EXAMPLES = [
    ["A reply", "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table"],
    [
      "A Gmail block",
      "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires\n" +
        "550-5.7.26 all senders to authenticate with either SPF or DKIM.\n" +
        "550 5.7.26  https://support.google.com/mail/answer/81126#authentication - gsmtp",
    ],
    [
      "A Postfix log line",
      "Jan  1 00:00:00 mx postfix/smtp[123]: ABC123DEF: to=<carol@example.net>, relay=mx.example.net[192.0.2.1]:25, " +
        "dsn=5.2.2, status=bounced (host mx.example.net[192.0.2.1] said: 552 5.2.2 <carol@example.net>: " +
        "Mailbox full (in reply to RCPT TO command))",
    ],
  ];

  // ---- the engine: one worker per page load, restarted after a timeout or a crash ----

  class CheckerError extends Error {
    constructor(message, kind) {
      super(message);
      this.kind = kind;
    }
  }

  const engine = {
    worker: null,
    state: "idle", // idle | loading | ready | failed
    message: "",
    nextId: 1,
    pending: new Map(), // id -> {resolve, reject, timer}
    listeners: new Set(),
    loadTimer: null,

    onState(listener) {
      this.listeners.add(listener);
      listener(this.state, this.message);
      return () => this.listeners.delete(listener);
    },

    setState(state, message = "") {
      this.state = state;
      this.message = message;
      this.listeners.forEach((listener) => listener(state, message));
    },

    async start() {
      if (this.worker || this.state === "loading") return;
      this.setState("loading", "Loading Python…");
      try {
        const manifestURL = new URL("manifest.json", SCRIPT_URL);
        const response = await fetch(manifestURL, { cache: "no-cache" });
        if (!response.ok) throw new Error(`${manifestURL.pathname}: HTTP ${response.status}`);
        const manifest = await response.json();
        const init = {
          type: "init",
          indexURL: new URL(manifest.pyodide, manifestURL).href,
          runtimeURL: new URL(manifest.runtime, manifestURL).href,
        };
        if (manifest.stdlib) init.stdLibURL = new URL(manifest.stdlib, manifestURL).href;
        const worker = new Worker(new URL("worker.js", SCRIPT_URL), { type: "module" });
        worker.addEventListener("message", (event) => this.receive(event.data || {}));
        worker.addEventListener("error", (event) => this.fail(`The checker stopped: ${event.message || "worker error"}`));
        this.worker = worker;
        this.loadTimer = setTimeout(() => this.fail("Python took too long to load."), LOAD_TIMEOUT_MS);
        worker.postMessage(init);
      } catch (err) {
        this.fail(`The checker could not start: ${err.message || err}`);
      }
    },

    receive(message) {
      if (message.type === "state") {
        if (message.state === "ready") {
          clearTimeout(this.loadTimer);
          this.setState("ready", "");
        } else if (message.state === "failed") {
          this.fail(`Python could not load: ${message.message || "unknown error"}`);
        }
        return;
      }
      const request = this.pending.get(message.id);
      if (!request) return; // answered after a timeout: dropped
      this.pending.delete(message.id);
      clearTimeout(request.timer);
      if (message.error !== undefined) request.reject(new CheckerError(message.error, message.kind || "internal"));
      else request.resolve(message.results || []);
    },

    // Stop the worker, reject every pending request; the next classify() starts afresh.
    fail(message, state = "failed") {
      clearTimeout(this.loadTimer);
      if (this.worker) this.worker.terminate();
      this.worker = null;
      const pending = [...this.pending.values()];
      this.pending.clear();
      pending.forEach((request) => {
        clearTimeout(request.timer);
        request.reject(new CheckerError(message, state === "failed" ? "failed" : "timeout"));
      });
      this.setState(state, message);
    },

    classify(text) {
      if (!this.worker) this.start();
      return new Promise((resolve, reject) => {
        const id = this.nextId++;
        // the clock starts when Python is ready: the first load has its own timeout
        const arm = () => setTimeout(() => {
          this.pending.delete(id);
          this.fail("That took too long, so the checker was stopped. Try a shorter text.", "idle");
          reject(new CheckerError("That took too long, so the checker was stopped. Try a shorter text.", "timeout"));
        }, CLASSIFY_TIMEOUT_MS);
        const request = { resolve, reject, timer: null };
        this.pending.set(id, request);
        const send = () => {
          if (!this.pending.has(id)) return;
          request.timer = arm();
          this.worker.postMessage({ id, text });
        };
        if (this.state === "ready") send();
        else {
          const off = this.onState((state) => {
            if (state === "ready") {
              queueMicrotask(() => off());
              send();
            } else if (state === "failed") {
              queueMicrotask(() => off());
            }
          });
        }
      });
    },
  };

  // ---- the page: built with createElement and textContent only ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(href, text) {
    const a = el("a", null, text);
    a.href = href;
    return a;
  }

  function badge(text, modifier, title) {
    const node = el("span", `bc-badge bc-badge--${modifier}`, text);
    if (title) node.title = title;
    return node;
  }

  function field(list, label, value, { code = false, href = null } = {}) {
    if (value === undefined || value === null || value === "") return;
    list.append(el("dt", null, label));
    const dd = el("dd");
    if (code) dd.append(el("code", null, value));
    else if (href) dd.append(link(href, value));
    else dd.textContent = String(value);
    list.append(dd);
  }

  function card(result, index, total) {
    const article = el("article", "bc-card");
    article.classList.add(result.permanent ? "bc-card--permanent" : "bc-card--temporary");
    const head = el("div", "bc-card__head");
    const title = el("h3", "bc-card__title", result.recipient || "No recipient named in the text");
    if (!result.recipient) title.classList.add("bc-card__title--none");
    head.append(title);
    if (total > 1) head.append(el("span", "bc-card__count", `${index + 1} of ${total}`));
    article.append(head);

    const badges = el("p", "bc-card__badges");
    const reason = link(new URL(`reasons/${encodeURIComponent(result.reason)}/`, SITE_ROOT).href, result.reason);
    reason.className = "bc-badge bc-badge--reason";
    reason.title = "What this reason means";
    badges.append(reason);
    badges.append(result.permanent
      ? badge("permanent", "permanent", "Retrying will not help (5xx)")
      : badge("temporary", "temporary", "The sender may retry later (4xx)"));
    badges.append(result.hard
      ? badge("hard bounce", "hard", "Stop sending to this address")
      : badge("soft bounce", "soft", "The address may work again"));
    article.append(badges);

    if (result.action) article.append(el("p", "bc-card__action", result.action));

    const details = el("dl", "bc-card__fields");
    field(details, "Enhanced status", result.status, { code: true });
    field(details, "Reply code", result.reply, { code: true });
    field(details, "Detail", result.detail);
    if (result.provider) {
      field(details, "Provider", result.provider, {
        href: new URL(`providers/${encodeURIComponent(result.provider)}/`, SITE_ROOT).href,
      });
    }
    field(details, "Command", result.command, { code: true });
    field(details, "Remote MTA", result.remote_mta);
    field(details, "Reporting MTA", result.reporting_mta);
    field(details, "Feedback type", result.feedback_type);
    field(details, "Found in", result.source);
    field(details, "Decided by", result.rule, { code: true });
    article.append(details);

    if (result.diagnostic) {
      const quote = el("div", "bc-card__diagnostic");
      quote.append(el("p", "bc-card__label", "The server's words"));
      quote.append(el("pre", null, result.diagnostic));
      article.append(quote);
    }
    return article;
  }

  function mount(root) {
    if (root.dataset.bcMounted) return;
    root.dataset.bcMounted = "1";
    root.replaceChildren(); // drops the <noscript>-style fallback text, if any
    root.classList.add("bc-checker");

    const form = el("form", "bc-form");
    form.noValidate = true;
    const inputId = `${ROOT_ID}-input`;
    const label = el("label", "bc-form__label", "Paste a server reply, a bounce email (with its headers) or MTA log lines");
    label.htmlFor = inputId;
    const input = el("textarea", "bc-form__input");
    Object.assign(input, { id: inputId, rows: 10, spellcheck: false, autocomplete: "off" });
    input.setAttribute("autocapitalize", "off");
    input.placeholder = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown";

    const bar = el("div", "bc-form__bar");
    const button = el("button", "md-button md-button--primary bc-form__submit", "Classify");
    button.type = "submit";
    const hint = el("span", "bc-form__hint");
    const kbd = (text) => el("kbd", null, text);
    hint.append(kbd(IS_MAC ? "⌘" : "Ctrl"), "+", kbd("Enter"));
    const examples = el("span", "bc-form__examples", "Try: ");
    EXAMPLES.forEach(([name, text], i) => {
      const b = el("button", "bc-form__example", name);
      b.type = "button";
      b.addEventListener("click", () => {
        input.value = text;
        input.focus();
        run();
      });
      examples.append(b);
      if (i < EXAMPLES.length - 1) examples.append(" · ");
    });
    bar.append(button, hint, examples);

    const status = el("p", "bc-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const results = el("div", "bc-results");
    const privacy = el("p", "bc-privacy", "Runs entirely in your browser (Python compiled to WebAssembly): the text you paste is not sent anywhere.");

    form.append(label, input, bar);
    root.append(form, status, results, privacy);

    let busy = false;
    const showStatus = (text, kind = "info") => {
      status.textContent = text;
      status.dataset.kind = kind;
    };
    const off = engine.onState((state, message) => {
      if (!root.isConnected) return queueMicrotask(() => off());
      if (busy) return;
      if (state === "loading") showStatus(message || "Loading Python…", "loading");
      else if (state === "failed") showStatus(message, "error");
      else if (state === "ready" && status.dataset.kind === "loading") showStatus("Ready.", "info");
    });

    async function run() {
      const text = input.value;
      if (!text.trim()) {
        showStatus("Paste something to classify first.", "error");
        input.focus();
        return;
      }
      const size = new TextEncoder().encode(text).length;
      if (size > MAX_INPUT_BYTES) {
        results.replaceChildren();
        showStatus(`This text is ${(size / 1048576).toFixed(1)} MB; the checker takes up to 5 MB. ` +
          "Paste one bounce, or use the bouncecodes command for large files.", "error");
        return;
      }
      busy = true;
      button.disabled = true;
      root.setAttribute("aria-busy", "true");
      showStatus(engine.state === "ready" ? "Classifying…" : "Loading Python, then classifying…", "loading");
      const started = performance.now();
      try {
        const found = await engine.classify(text);
        if (!root.isConnected) return;
        results.replaceChildren(...found.map((r, i) => card(r, i, found.length)));
        const ms = Math.round(performance.now() - started);
        if (found.length === 0) {
          showStatus("No bounce found: no reply code, enhanced status or delivery report in this text.", "empty");
        } else {
          showStatus(`${found.length} recipient${found.length === 1 ? "" : "s"} classified in ${ms} ms.`, "info");
        }
      } catch (err) {
        if (!root.isConnected) return;
        results.replaceChildren();
        const prefix = err.kind === "InputTooLargeError" || err.kind === "InputError" ? "" : "Error: ";
        showStatus(`${prefix}${err.message || err}`, "error");
      } finally {
        busy = false;
        button.disabled = false;
        root.removeAttribute("aria-busy");
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!button.disabled) run();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (!button.disabled) run();
      }
    });

    engine.start(); // load while the user pastes
  }

  function mountAll() {
    const root = document.getElementById(ROOT_ID);
    if (root) mount(root);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mountAll); // Material: every page, instant navigation included
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
