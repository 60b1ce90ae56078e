// bouncecodes checker: the page side. Paste a reply, a bounce or log lines (or open a .eml file);
// the bouncecodes runtime classifies it in a Web Worker (worker.js) on Pyodide: nothing leaves the
// browser.
//
// Loaded as a classic script on every page (extra_javascript); it acts only where the page holds
// <div id="bouncecodes-checker">. It finds its assets beside itself: worker.js, and manifest.json
// (written at build time by bouncecodes.build.checker.build_checker_assets) naming the hashed runtime
// zip, the versioned Pyodide folder and the optional trimmed standard library. With Material's
// instant navigation it mounts again on each page change (document$); the worker, and so the
// loaded Python, lives on across pages. User text only ever reaches the page through text nodes
// (textContent, createTextNode), never through HTML.
//
// A share link carries the text in the URL fragment only (#bz= deflate-raw, or #b= plain UTF-8,
// both base64url), which browsers never send to a server.
(() => {
  "use strict";

  const ROOT_ID = "bouncecodes-checker";
  const LOAD_TIMEOUT_MS = 90000; // first load: ~10 MB over the network, then Python starts
  const MAX_INPUT_BYTES = 5 * 1024 * 1024; // refused above this, before it reaches Python
  const CLASSIFY_TIMEOUT_MS = 20000; // one classification; the runtime itself is linear-time
  const MAX_LINK_CHARS = 1500000; // longer share links are refused: browsers and chat apps cut them
  const LONG_LINK_CHARS = 8000; // above this, the link works but some apps may cut it
  const EXCERPT_CONTEXT_LINES = 2; // lines shown around the evidence
  const EXCERPT_MAX_CHARS = 600; // per side of the evidence, and for the evidence itself (then "…")
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
    // kind "internal": the classifier failed on the input (a bug); details: {trace, version} then
    constructor(message, kind, details = {}) {
      super(message);
      this.kind = kind;
      this.details = details;
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
    providers: [], // [[name, provider's name], ...] from the registry, once Python is ready

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

    // The worker is started at once, so that its thread spins up while manifest.json is fetched;
    // it waits for the init message, sent as soon as the manifest names the files.
    async start() {
      if (this.worker || this.state === "loading") return;
      this.setState("loading", "Loading Python…");
      let worker;
      try {
        worker = new Worker(new URL("worker.js", SCRIPT_URL), { type: "module" });
        worker.addEventListener("message", (event) => this.receive(event.data || {}));
        worker.addEventListener("error", (event) => this.fail(`The checker stopped: ${event.message || "worker error"}`));
        this.worker = worker;
        this.loadTimer = setTimeout(() => this.fail("Python took too long to load."), LOAD_TIMEOUT_MS);
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
        // the same archives gzipped whole: fewer bytes, for browsers that can gunzip them (worker.js)
        if (manifest.runtime_gz) init.runtimeGzURL = new URL(manifest.runtime_gz, manifestURL).href;
        if (manifest.stdlib_gz) init.stdLibGzURL = new URL(manifest.stdlib_gz, manifestURL).href;
        if (this.worker === worker) worker.postMessage(init); // unless it failed meanwhile
      } catch (err) {
        if (!worker || this.worker === worker) this.fail(`The checker could not start: ${err.message || err}`);
      }
    },

    receive(message) {
      if (message.type === "state") {
        if (message.state === "ready") {
          clearTimeout(this.loadTimer);
          if (Array.isArray(message.providers)) this.providers = message.providers;
          mark("bouncecodes:ready", { ms: message.ms, python: message.python, runtime: message.runtime });
          document.dispatchEvent(new CustomEvent("bouncecodes:ready")); // defer-search.js waits for it
          this.setState("ready", "");
        } else if (message.state === "failed") {
          this.fail(`Python could not load: ${message.message || "unknown error"}`);
        } else if (message.state === "loading" && this.state === "loading" && message.message) {
          this.setState("loading", message.message); // the worker's progress
        }
        return;
      }
      const request = this.pending.get(message.id);
      if (!request) return; // answered after a timeout: dropped
      this.pending.delete(message.id);
      clearTimeout(request.timer);
      if (message.error !== undefined) {
        request.reject(new CheckerError(message.error, message.kind || "internal",
          { trace: message.trace || "", version: message.version || "" }));
      }
      else request.resolve({ ...message, sentAt: request.sentAt });
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
      document.dispatchEvent(new CustomEvent("bouncecodes:failed")); // defer-search.js stops waiting
    },

    // input: {text, provider?} or {bytes: Uint8Array, label, provider?}. Resolves to the worker's answer:
    // {results, json, pages, text?} (see worker.js).
    classify(input) {
      if (!this.worker) this.start();
      return new Promise((resolve, reject) => {
        const id = this.nextId++;
        // the clock starts when Python is ready: the first load has its own timeout
        const arm = () => setTimeout(() => {
          this.pending.delete(id);
          this.fail("That took too long, so the checker was stopped. Try a shorter text.", "idle");
          reject(new CheckerError("That took too long, so the checker was stopped. Try a shorter text.", "timeout"));
        }, CLASSIFY_TIMEOUT_MS);
        const request = { resolve, reject, timer: null, sentAt: 0 };
        this.pending.set(id, request);
        const send = () => {
          if (!this.pending.has(id) || !this.worker) return;
          request.timer = arm();
          request.sentAt = performance.now();
          this.worker.postMessage({ id, ...input });
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

  // Performance marks for anyone measuring the page (benchmarks/checker_load.py reads them).
  let firstResult = false;
  function mark(name, detail = null) {
    try {
      performance.mark(name, { detail });
    } catch {
      // no User Timing: nothing to record
    }
  }

  // ---- share links: the text in the URL fragment, never in the path or the query ----

  const share = {
    canCompress() {
      try {
        return typeof CompressionStream === "function" && Boolean(new CompressionStream("deflate-raw"));
      } catch {
        return false;
      }
    },

    toBase64url(bytes) {
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },

    fromBase64url(text) {
      const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
      const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return bytes;
    },

    async pipe(bytes, transform, limit = Infinity) {
      const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
      const chunks = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > limit) {
          await reader.cancel();
          throw new CheckerError("The text in this link is over 5 MB.", "InputTooLargeError");
        }
        chunks.push(value);
      }
      const out = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.length;
      }
      return out;
    },

    // "#bz=…" (deflate-raw) when the browser can compress, else "#b=…" (plain UTF-8).
    async encode(text) {
      const bytes = new TextEncoder().encode(text);
      if (this.canCompress()) return `#bz=${this.toBase64url(await this.pipe(bytes, new CompressionStream("deflate-raw")))}`;
      return `#b=${this.toBase64url(bytes)}`;
    },

    // The text of a share fragment; null when the fragment is no share link.
    async decode(hash) {
      const m = /^#(bz?)=([A-Za-z0-9_-]*)$/.exec(hash || "");
      if (!m) return null;
      let bytes;
      try {
        bytes = this.fromBase64url(m[2]);
        if (m[1] === "bz") {
          if (typeof DecompressionStream !== "function") {
            throw new CheckerError("This browser cannot open compressed share links.", "InputError");
          }
          bytes = await this.pipe(bytes, new DecompressionStream("deflate-raw"), MAX_INPUT_BYTES);
        }
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch (err) {
        if (err instanceof CheckerError) throw err;
        throw new CheckerError("This share link is damaged: it was probably cut short when it was copied.", "InputError");
      }
    },
  };

  // ---- the page: built with createElement and text nodes only ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(path, text) {
    const a = el("a", null, text);
    a.href = new URL(path, SITE_ROOT).href;
    return a;
  }

  // Text with its https addresses as links (advice that names a form): text nodes and <a> only.
  function linked(text) {
    const parts = [];
    let at = 0;
    for (const m of String(text).matchAll(/https:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g)) {
      parts.push(document.createTextNode(text.slice(at, m.index)));
      const a = el("a", null, m[0]);
      a.href = m[0];
      parts.push(a);
      at = m.index + m[0].length;
    }
    parts.push(document.createTextNode(text.slice(at)));
    return parts;
  }

  function badge(text, modifier, title) {
    const node = el("span", `bc-badge bc-badge--${modifier}`, text);
    if (title) node.title = title;
    return node;
  }

  // dd content: plain text, <code>, or a link (around <code> when both) when there is a page.
  function field(list, label, value, { code = false, page = "", note = "", notePage = "", className = "" } = {}) {
    if (value === undefined || value === null || value === "") return null;
    const dt = el("dt", null, label);
    const dd = el("dd", className || null);
    const inner = code ? el("code", null, value) : document.createTextNode(String(value));
    if (page) {
      const a = link(page, "");
      a.append(inner);
      dd.append(a);
    } else {
      dd.append(inner);
    }
    if (note) {
      const span = el("span", "bc-card__note", `${note} (`);
      if (notePage) span.append(link(notePage, "about pseudo codes"), ")");
      else span.textContent = note;
      dd.append(" ", span);
    }
    list.append(dt, dd);
    return dd;
  }

  // Python counts code points; JavaScript strings count UTF-16 units. Converts every span of the
  // results at once, in one walk over the text (only when it holds characters beyond U+FFFF).
  function unitSpans(text, spans) {
    const valid = (span) => Array.isArray(span) && span.length === 2 && span[1] > span[0];
    if (!/[\uD800-\uDBFF]/.test(text)) {
      return spans.map((span) => (valid(span) ? [Math.min(span[0], text.length), Math.min(span[1], text.length)] : null));
    }
    const wanted = [...new Set(spans.filter(valid).flat())].sort((a, b) => a - b);
    const units = new Map();
    let seen = 0;
    let at = 0;
    for (const offset of wanted) {
      while (seen < offset && at < text.length) {
        const c = text.charCodeAt(at);
        at += c >= 0xd800 && c <= 0xdbff && at + 1 < text.length ? 2 : 1;
        seen += 1;
      }
      units.set(offset, at);
    }
    return spans.map((span) => (valid(span) ? [units.get(span[0]), units.get(span[1])] : null));
  }

  // A read-only view of the text around [start, end) (UTF-16 indices), that part in <mark>; span
  // is the result's own span (code points), kept on the mark for reference.
  function evidence(text, units, span) {
    if (!units || !text) return null;
    const [start, end] = units;
    if (!(end > start)) return null;
    let from = start;
    for (let lines = 0; from > 0 && lines <= EXCERPT_CONTEXT_LINES && start - from < EXCERPT_MAX_CHARS; ) {
      from -= 1;
      if (text[from] === "\n") lines += 1;
    }
    if (from < start && text[from] === "\n") from += 1;
    let to = end;
    for (let lines = 0; to < text.length && lines <= EXCERPT_CONTEXT_LINES && to - end < EXCERPT_MAX_CHARS; to++) {
      if (text[to] === "\n") lines += 1;
    }
    if (to > end && text[to - 1] === "\n") to -= 1;

    const pre = el("pre", "bc-evidence");
    const more = (where) => el("span", `bc-evidence__more bc-evidence__more--${where}`, "…");
    if (from > 0) pre.append(more("before"));
    pre.append(document.createTextNode(text.slice(from, start)));
    const mark = el("mark", "bc-evidence__mark");
    if (end - start > 2 * EXCERPT_MAX_CHARS) {
      mark.append(document.createTextNode(text.slice(start, start + EXCERPT_MAX_CHARS)));
      mark.append(more("inside"));
      mark.append(document.createTextNode(text.slice(end - EXCERPT_MAX_CHARS, end)));
    } else {
      mark.textContent = text.slice(start, end);
    }
    mark.dataset.start = String(span[0]);
    mark.dataset.end = String(span[1]);
    pre.append(mark, document.createTextNode(text.slice(end, to)));
    if (to < text.length) pre.append(more("after"));
    return pre;
  }

  // "line 12" or "lines 3–5": where [start, end) (UTF-16 indices) sits in the text, the text
  // equivalent of the highlight for readers who do not see it.
  function lineOf(text, units) {
    const lineAt = (at) => {
      let line = 1;
      for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) line += 1;
      return line;
    };
    const first = lineAt(units[0]);
    const last = lineAt(Math.max(units[0], units[1] - 1));
    return first === last ? `line ${first}` : `lines ${first}–${last}`;
  }

  let cardIds = 0; // ids that tie each card, and its parts, to their labels

  // A card leads with what happened and what to do, in the registry's words; the codes follow; the
  // grounds of the answer (the registry entry that decided, the detail, the kind of input) sit in a
  // "Why this answer" disclosure, in words made by worker.js from the registry's titles and names.
  function card(result, pages, why, text, units, index, total) {
    pages = pages || {};
    why = why || {};
    const id = `${ROOT_ID}-card-${++cardIds}`;
    const article = el("article", "bc-card");
    article.classList.add(result.permanent ? "bc-card--permanent" : "bc-card--temporary");
    // a region named by its heading, the recipient: screen readers list the cards by recipient
    article.setAttribute("role", "region");
    article.setAttribute("aria-labelledby", `${id}-title`);
    const head = el("div", "bc-card__head");
    const title = el("h3", "bc-card__title", result.recipient || "No recipient named in the text");
    title.id = `${id}-title`;
    if (!result.recipient) title.classList.add("bc-card__title--none");
    head.append(title);
    if (total > 1) head.append(el("span", "bc-card__count", `${index + 1} of ${total}`));
    article.append(head);

    const reasonPage = pages.reason || `reasons/${encodeURIComponent(result.reason)}/`;
    if (why.what) {
      const what = el("p", "bc-card__what");
      what.append(el("span", "bc-card__label bc-card__label--inline", "What happened: "));
      const named = link(pages.case || reasonPage, why.what);
      named.className = "bc-card__reason";
      what.append(named);
      if (why.summary) what.append(el("span", "bc-card__summary", ` — ${why.summary}`));
      article.append(what);
    }
    if (result.action) {
      const action = el("p", "bc-card__action");
      action.append(el("span", "bc-card__label bc-card__label--inline", "What to do: "), ...linked(result.action));
      article.append(action);
    }

    const badges = el("p", "bc-card__badges");
    const reason = link(reasonPage, result.reason);
    reason.className = "bc-badge bc-badge--reason";
    reason.title = "What this reason means";
    badges.append(reason);
    badges.append(result.permanent
      ? badge("permanent", "permanent", "This message will not be retried")
      : badge("temporary", "temporary", "The sending server still retries this message"));
    badges.append(result.hard
      ? badge("hard bounce", "hard", "Stop sending to this address")
      : badge("soft bounce", "soft", "The address may work again"));
    article.append(badges);

    const fields = el("dl", "bc-card__fields");
    // status_source: "bounce" (the server sent the code), "pseudo" (derived from the reason), ""
    // (none). Older runtimes have no such field: a status there always came from the bounce.
    const pseudo = result.status_source === "pseudo";
    // the address as the sender gave it, when forwarding changed it (a DSN's Original-Recipient)
    field(fields, "Sent to", result.original_recipient, { className: "bc-field--original" });
    field(fields, "Reply code", result.reply, { code: true, page: pages.reply, className: "bc-field--reply" });
    field(fields, "Enhanced status", result.status, {
      code: true,
      page: pseudo ? "" : pages.status,
      note: pseudo ? "derived from the reason, not sent by the server" : "",
      notePage: "guides/pseudo-status-codes/",
      className: pseudo ? "bc-field--status bc-field--pseudo" : "bc-field--status",
    });
    field(fields, "Provider", why.provider || result.provider, { page: pages.provider, className: "bc-field--provider" });
    if (fields.childElementCount) article.append(fields);

    if (result.diagnostic) {
      const quote = el("div", "bc-card__diagnostic");
      quote.append(el("p", "bc-card__label", "The server's words"));
      quote.append(el("pre", null, result.diagnostic));
      article.append(quote);
    }
    const view = evidence(text, units, result.span);
    if (view) {
      const where = el("div", "bc-card__evidence");
      const label = el("p", "bc-card__label", `Where it was found in your text: ${lineOf(text, units)}`);
      label.id = `${id}-evidence`;
      // it may scroll: a keyboard reaches it, and a screen reader hears what it is
      view.tabIndex = 0;
      view.setAttribute("role", "region");
      view.setAttribute("aria-labelledby", label.id);
      where.append(label, view);
      article.append(where);
    }

    // the grounds, for readers who want them: closed until asked for
    const grounds = el("details", "bc-card__why");
    grounds.append(el("summary", null, "Why this answer"));
    const decided = el("p", "bc-why__rule");
    decided.append(`Decided by ${why.rule || "the registry entry"}`);
    decided.append(why.rule && /[.!?]$/.test(why.rule) ? " " : ". ");
    const entry = el("code", null, result.rule);
    if (pages.rule) {
      const a = link(pages.rule, "");
      a.append(entry);
      decided.append("Registry entry: ", a, ".");
    } else {
      decided.append("Registry entry: ", entry, ".");
    }
    grounds.append(decided);
    if (result.detail) {
      const detail = el("p", "bc-why__detail", `More precisely: ${why.detail || result.detail} `);
      detail.append("(", el("code", null, result.detail), " in the JSON).");
      grounds.append(detail);
    }
    if (why.advice) grounds.append(el("p", "bc-why__advice", `The advice is ${why.advice}.`));
    if (why.found) grounds.append(el("p", "bc-why__found", `Found in ${why.found}.`));
    const more = el("dl", "bc-card__fields");
    // inbound: a refusal the logging server gave; outbound: a delivery that failed; none: not said
    field(more, "Direction", result.direction, { className: "bc-field--direction" });
    field(more, "Command", result.command, { code: true });
    field(more, "Remote server", result.remote_mta);
    field(more, "Reporting server", result.reporting_mta);
    field(more, "Feedback type", result.feedback_type);
    if (more.childElementCount) grounds.append(more);
    article.append(grounds);
    return article;
  }

  // The card of an input the classifier failed on: a bug to report. The text is offered to copy,
  // with the error, never put in a link: it may hold addresses, and links travel and get logged.
  function failureCard(err, text) {
    const details = err.details || {};
    const report = [
      "The bouncecodes checker failed on this text.",
      `bouncecodes ${details.version || "(version unknown)"}`,
      err.message,
      "",
      (details.trace || "").trimEnd(),
      "",
      "----- the text -----",
      text,
    ].join("\n");
    const id = `${ROOT_ID}-card-${++cardIds}`;
    const article = el("article", "bc-card bc-card--failed");
    // a region named by its heading, as the result cards are
    article.setAttribute("role", "region");
    article.setAttribute("aria-labelledby", `${id}-title`);
    const title = el("h3", "bc-card__title", "The classifier failed on this text");
    title.id = `${id}-title`;
    article.append(title);
    article.append(el("p", "bc-card__action",
      "This is a bug in bouncecodes, not a fault in what you pasted. Please report it to the bouncecodes " +
      "project: copy the text and the error with the button below, check that the text holds nothing you " +
      "would not share (replace names and addresses if need be), and paste it into a new issue. Nothing " +
      "has been sent anywhere."));
    article.append(el("pre", "bc-failure__error", err.message));
    const copy = el("button", "md-button bc-failure__copy", "Copy the text and the error");
    copy.type = "button";
    const shown = el("details", "bc-failure__report");
    const shownSummary = el("summary", null, "What the button copies");
    shownSummary.id = `${id}-report`;
    shown.append(shownSummary);
    const pre = el("pre", "bc-failure__text", report);
    pre.tabIndex = 0; // it scrolls: a keyboard reaches it, and a screen reader hears what it is
    pre.setAttribute("role", "region");
    pre.setAttribute("aria-labelledby", shownSummary.id);
    shown.append(pre);
    copy.addEventListener("click", async () => {
      const copied = await copyText(report, null);
      if (!copied) { // no clipboard: shown and selected, to copy by hand
        shown.open = true;
        const range = document.createRange();
        range.selectNodeContents(pre);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      }
      copy.textContent = copied ? "Copied" : "Selected: copy it";
      setTimeout(() => { copy.textContent = "Copy the text and the error"; }, 2000);
    });
    article.append(copy, shown);
    return article;
  }

  async function copyText(text, fallbackNode) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      if (fallbackNode) { // the user can still copy it by hand
        const range = document.createRange();
        range.selectNodeContents(fallbackNode);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      return false;
    }
  }

  // On a phone the answer lands below the fold: when the first card is out of sight, the status line
  // above the cards is scrolled to the top (under the sticky header: scroll-margin in checker.css),
  // smoothly unless the reader asked for reduced motion.
  function bringIntoView(node) {
    const first = node.parentElement && node.parentElement.querySelector(".bc-card");
    if (!first) return;
    const box = first.getBoundingClientRect();
    if (box.top >= 0 && box.top < window.innerHeight - 48) return; // in sight, its head at least
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    node.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
  }

  function mount(root) {
    if (root.dataset.bcMounted) return;
    root.dataset.bcMounted = "1";
    root.dataset.bcRuns = "0";
    root.replaceChildren(); // drops the <noscript>-style fallback text, if any
    root.classList.add("bc-checker");

    const form = el("form", "bc-form");
    form.noValidate = true;
    const inputId = `${ROOT_ID}-input`;
    const label = el("label", "bc-form__label",
      "Paste a server reply, a bounce email (with its headers) or MTA log lines — or drop a .eml file here");
    label.htmlFor = inputId;
    const input = el("textarea", "bc-form__input");
    Object.assign(input, { id: inputId, rows: 10, spellcheck: false, autocomplete: "off" });
    input.setAttribute("autocapitalize", "off");
    input.placeholder = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown";
    input.setAttribute("aria-keyshortcuts", IS_MAC ? "Meta+Enter" : "Control+Enter");

    // Whose server refused it: for a bare reply, which names no server, the provider's own rules then
    // apply (bouncecodes classify --provider NAME). Suggestions: the registry's provider ids and domains.
    const who = el("p", "bc-form__provider");
    const whoId = `${ROOT_ID}-provider`;
    const whoLabel = el("label", "bc-form__provider-label", "Whose server refused it?");
    whoLabel.htmlFor = whoId;
    const whoInput = el("input", "bc-form__provider-input");
    Object.assign(whoInput, { id: whoId, type: "text", spellcheck: false, autocomplete: "off",
                              placeholder: "optional: gmail.com, outlook.com, yahoo…" });
    whoInput.setAttribute("autocapitalize", "off");
    whoInput.setAttribute("list", `${ROOT_ID}-providers`);
    const whoList = el("datalist");
    whoList.id = `${ROOT_ID}-providers`;
    const whoHint = el("span", "bc-form__hint", "for a reply that does not say which server sent it");
    whoHint.id = `${ROOT_ID}-provider-hint`;
    whoInput.setAttribute("aria-describedby", whoHint.id);
    who.append(whoLabel, " ", whoInput, " ", whoHint, whoList);
    const suggest = () => {
      if (whoList.childElementCount || !engine.providers.length) return;
      whoList.append(...engine.providers.map(([value, name]) => {
        const option = document.createElement("option");
        option.value = value;
        option.label = name;
        return option;
      }));
    };

    const bar = el("div", "bc-form__bar");
    const button = el("button", "md-button md-button--primary bc-form__submit", "Classify");
    button.type = "submit";
    const hint = el("span", "bc-form__hint");
    const kbd = (text) => el("kbd", null, text);
    hint.append(kbd(IS_MAC ? "⌘" : "Ctrl"), "+", kbd("Enter"));

    const fileInput = el("input", "bc-form__file");
    Object.assign(fileInput, { type: "file", accept: ".eml,.txt,message/rfc822" });
    fileInput.setAttribute("aria-label", "Open a bounce file (.eml or .txt)");
    fileInput.tabIndex = -1; // invisible: the "Open file…" button opens it
    const openButton = el("button", "md-button bc-form__open", "Open file…");
    openButton.type = "button";
    openButton.addEventListener("click", () => fileInput.click());
    const shareButton = el("button", "md-button bc-form__share", "Share link");
    shareButton.type = "button";
    shareButton.title = "Put the text in this page's address (after the #, which is never sent to a server) and copy it";
    bar.append(button, hint, openButton, fileInput, shareButton);

    const examples = el("p", "bc-form__examples", "Try: ");
    EXAMPLES.forEach(([name, text], i) => {
      const b = el("button", "bc-form__example", name);
      b.type = "button";
      b.addEventListener("click", () => {
        input.value = text;
        loaded = null;
        input.focus();
        run();
      });
      examples.append(b);
      if (i < EXAMPLES.length - 1) examples.append(" · ");
    });

    const status = el("p", "bc-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const shareOut = el("p", "bc-share");
    shareOut.hidden = true;
    const results = el("div", "bc-results");

    // The answer as `bouncecodes classify --format json` prints it, to read or copy.
    const json = el("details", "bc-json");
    json.hidden = true;
    const summary = el("summary", null, "JSON, as ");
    summary.append(el("code", null, "bouncecodes classify --format json"), " prints it");
    const jsonPre = el("pre", "bc-json__text");
    summary.id = `${ROOT_ID}-json-summary`;
    jsonPre.tabIndex = 0; // it scrolls: a keyboard reaches it
    jsonPre.setAttribute("role", "region");
    jsonPre.setAttribute("aria-labelledby", summary.id);
    const copyJson = el("button", "md-button bc-json__copy", "Copy JSON");
    copyJson.type = "button";
    json.append(summary, copyJson, jsonPre);

    const privacy = el("p", "bc-privacy", "Runs entirely in your browser (Python compiled to WebAssembly): the text you paste is not sent anywhere.");

    form.append(label, input, who, bar, examples);
    root.append(form, status, shareOut, results, json, privacy);

    let busy = false;
    let loaded = null; // {bytes, label, text}: an opened file, while the text box still shows it
    const showStatus = (text, kind = "info") => {
      status.textContent = text;
      status.dataset.kind = kind;
    };
    const off = engine.onState((state, message) => {
      if (!root.isConnected) return queueMicrotask(() => off());
      if (state === "ready") suggest();
      if (busy) { // a click while Python loads: the load's progress, then the text
        if (state === "loading" && message) showStatus(`${message} Your text is classified next.`, "loading");
        return;
      }
      // progress never hides a message meant for the reader (a refused file, a damaged link)
      if (state === "loading" && status.dataset.kind !== "error") showStatus(message || "Loading Python…", "loading");
      else if (state === "failed") showStatus(message, "error");
      else if (state === "ready" && (!status.dataset.kind || status.dataset.kind === "loading")) showStatus("Ready.", "info");
    });
    const done = () => {
      root.dataset.bcRuns = String(Number(root.dataset.bcRuns) + 1);
    };
    const tooLarge = (size) => {
      results.replaceChildren();
      json.hidden = true;
      showStatus(`This is ${(size / 1048576).toFixed(1)} MB; the checker takes up to 5 MB. ` +
        "Paste one bounce, or use the bouncecodes command for large files.", "error");
      done();
    };

    let again = false; // a run asked for while one is going: done right after it
    async function run() {
      if (busy) {
        again = true;
        return;
      }
      const text = input.value;
      const fromFile = loaded && loaded.text === text ? loaded : null;
      if (!fromFile && !text.trim()) {
        showStatus("Paste something to classify first.", "error");
        input.focus();
        return;
      }
      const size = fromFile ? fromFile.bytes.length : new TextEncoder().encode(text).length;
      if (size > MAX_INPUT_BYTES) return tooLarge(size);
      busy = true;
      button.disabled = true;
      root.setAttribute("aria-busy", "true");
      showStatus(engine.state === "ready" ? "Classifying…"
        : `${(engine.state === "loading" && engine.message) || "Loading Python…"} Your text is classified next.`, "loading");
      try {
        const provider = whoInput.value.trim();
        const answer = await engine.classify(fromFile ? { bytes: fromFile.bytes, label: fromFile.label, provider }
          : { text, provider });
        if (!root.isConnected) return;
        const shown = typeof answer.text === "string" ? answer.text : text;
        if (fromFile && input.value === fromFile.text) {
          input.value = shown; // the file as the classifier read it
          fromFile.text = input.value;
        }
        const found = answer.results || [];
        const units = unitSpans(shown, found.map((r) => r.span));
        results.replaceChildren(...found.map((r, i) => card(r, (answer.pages || [])[i], (answer.why || [])[i], shown, units[i],
          i, found.length)));
        results.querySelectorAll(".bc-evidence").forEach((view) => { // the evidence in sight, not just its context
          const marked = view.querySelector("mark");
          if (marked) view.scrollTop = Math.max(0, marked.offsetTop - 24);
        });
        jsonPre.textContent = answer.json || "";
        json.hidden = !answer.json || !found.length; // no box to open with nothing in it ("[]")
        if (found.length) bringIntoView(status);
        // from the request to the worker (Python ready) to the cards in the page
        const ms = performance.now() - answer.sentAt;
        root.dataset.bcMs = ms.toFixed(1);
        if (!firstResult) {
          firstResult = true;
          mark("bouncecodes:first-result");
        }
        const took = ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
        if (found.length === 0) {
          showStatus("No bounce found: no failure, reply code or delivery report in this text.", "empty");
        } else {
          showStatus(`${found.length} recipient${found.length === 1 ? "" : "s"} classified in ${took} ms.`, "info");
        }
      } catch (err) {
        if (!root.isConnected) return;
        results.replaceChildren();
        json.hidden = true;
        if (err.kind === "internal") {
          results.append(failureCard(err, text));
          showStatus("The classifier failed on this text: please report it (below).", "error");
        } else {
          const prefix = ["InputTooLargeError", "InputError", "UnknownProviderError"].includes(err.kind) ? "" : "Error: ";
          showStatus(`${prefix}${err.message || err}`, "error");
        }
      } finally {
        busy = false;
        button.disabled = false;
        root.removeAttribute("aria-busy");
        if (root.isConnected) done();
        if (again && root.isConnected) {
          again = false;
          run();
        }
      }
    }

    // -- files: read as bytes, classified as bytes (the classifier decodes them as the CLI does) --
    async function openFile(file) {
      if (!file) return;
      if (file.size > MAX_INPUT_BYTES) return tooLarge(file.size);
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        // shown until the classifier sends back its own decoding (UTF-8, else Latin-1)
        const preview = new TextDecoder("utf-8").decode(bytes);
        loaded = { bytes, label: file.name || "-", text: "" };
        input.value = preview;
        loaded.text = input.value;
        clearShareHash();
        run();
      } catch (err) {
        showStatus(`This file could not be read: ${err.message || err}`, "error");
        done();
      }
    }
    fileInput.addEventListener("change", () => {
      const file = fileInput.files && fileInput.files[0];
      fileInput.value = ""; // the same file can be opened again
      openFile(file);
    });
    const hasFiles = (event) => event.dataTransfer && [...(event.dataTransfer.types || [])].includes("Files");
    form.addEventListener("dragover", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      form.classList.add("bc-form--drop");
    });
    form.addEventListener("dragleave", (event) => {
      if (!form.contains(event.relatedTarget)) form.classList.remove("bc-form--drop");
    });
    form.addEventListener("drop", (event) => {
      form.classList.remove("bc-form--drop");
      if (!hasFiles(event)) return; // dropped text goes into the text box as usual
      event.preventDefault();
      openFile(event.dataTransfer.files[0]);
    });

    // -- share links --
    function clearShareHash() {
      if (/^#bz?=/.test(location.hash)) history.replaceState(history.state, "", location.pathname + location.search);
      shareOut.hidden = true;
    }
    input.addEventListener("input", () => {
      if (loaded && input.value !== loaded.text) loaded = null;
      clearShareHash();
    });
    shareButton.addEventListener("click", async () => {
      const text = input.value;
      if (!text.trim()) {
        showStatus("Paste something first: the link carries the text.", "error");
        return;
      }
      if (new TextEncoder().encode(text).length > MAX_INPUT_BYTES) return tooLarge(new TextEncoder().encode(text).length);
      const fragment = await share.encode(text);
      if (fragment.length > MAX_LINK_CHARS) {
        showStatus("This text is too long for a link; share the file instead.", "error");
        return;
      }
      history.replaceState(history.state, "", location.pathname + location.search + fragment);
      const url = location.href;
      const box = el("input", "bc-share__url");
      Object.assign(box, { type: "text", readOnly: true, value: url, spellcheck: false });
      box.setAttribute("aria-label", "Share link");
      box.addEventListener("focus", () => box.select());
      let copied = false;
      try {
        await navigator.clipboard.writeText(url);
        copied = true;
      } catch {
        // no clipboard access: the link is selected in the box below, to copy by hand
      }
      shareOut.replaceChildren(el("span", "bc-share__title", copied ? "Link copied." : "Copy this link:"), box,
        el("span", "bc-share__note",
          "The text is in the part after #, which browsers never send to a server: whoever opens the link " +
          "classifies it in their own browser." +
          (url.length > LONG_LINK_CHARS ? " It is a long link: some mail and chat apps cut long links." : "")));
      shareOut.hidden = false;
      if (!copied) box.select();
    });
    async function openShared() {
      let text;
      try {
        text = await share.decode(location.hash);
      } catch (err) {
        showStatus(err.message || String(err), "error");
        done();
        return;
      }
      if (text === null || !root.isConnected) return;
      input.value = text;
      loaded = null;
      run();
    }
    const onHash = () => {
      if (!root.isConnected) return window.removeEventListener("hashchange", onHash);
      openShared();
    };
    window.addEventListener("hashchange", onHash);

    copyJson.addEventListener("click", async () => {
      const copied = await copyText(jsonPre.textContent, jsonPre);
      copyJson.textContent = copied ? "Copied" : "Selected: copy it";
      setTimeout(() => { copyJson.textContent = "Copy JSON"; }, 2000);
    });

    whoInput.addEventListener("change", () => { // a verdict on the page follows the field
      if (results.childElementCount && input.value.trim()) run();
    });
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
    openShared();
  }

  function mountAll() {
    const root = document.getElementById(ROOT_ID);
    if (root) mount(root);
  }

  // On the checker page itself, Python starts loading now, before the theme has set the page up.
  if (document.getElementById(ROOT_ID)) engine.start();

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mountAll); // Material: every page, instant navigation included
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
