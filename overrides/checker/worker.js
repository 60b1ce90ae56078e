// bouncecodes checker: a module Web Worker that runs the bouncecodes runtime on Pyodide.
//
// Started by checker.js as `new Worker(url, { type: "module" })`. Protocol (all messages are plain objects):
//
//   page → worker  {type: "init", indexURL, runtimeURL, stdLibURL?}    once, first
//   page → worker  {id, text, label?, provider?} or {id, bytes: Uint8Array, label?, provider?}
//                                                                       classify one paste or one file
//   worker → page  {type: "state", state: "loading" | "ready" | "failed", message?, ms?, python?, runtime?,
//                   providers?}
//   worker → page  {id, results, json, pages, why, text?}               the answer
//   worker → page  {id, error: "message", kind: "InputTooLargeError" | ... | "internal", trace?, version?}
//
// An answer holds `results`: [Result.to_dict(), ...], one per recipient, possibly none; `json`: the
// very text `bouncecodes classify --format json` prints for the same input (records made by the
// CLI's own function, `label` standing for the file name, "-" by default as for standard input);
// `pages`: per result, the site pages of its reply code, enhanced code, reason, provider and rule,
// relative to the site root ("" where the registry has no page); `why`: per result, its grounds in
// words made from the registry's titles and names ({what, summary, rule, detail, found, provider,
// advice}: the reason's title and first sentence, the deciding entry, the detail, the kind of input,
// the provider's name, where the advice came from); and, when the text the classifier
// read differs from what was sent (bytes, or \r line ends), `text`: that text. Result spans are
// offsets, in code points, into `text` (or into the text sent). `provider` is what the reader typed
// into "Whose server refused it?": passed to bouncecodes.classify(data, provider=...), the same call as
// `bouncecodes classify --provider NAME` (an unknown name answers an UnknownProviderError listing close
// matches). The ready state carries `providers`: [[name, the provider's name], ...], every name that
// call takes (ids and host suffixes, recipient domains among them), for the field's suggestions.
//
// An error of kind "internal" is the classifier failing on this input (a bug: an exception that
// is no BounceCodesError); it carries `trace`, Python's traceback, and `version`, the runtime's,
// for the page to offer the reader to report it.
//
// indexURL is the versioned Pyodide folder (…/pyodide/314.0.7/), runtimeURL the content-hashed
// bouncecodes-<hash>.zip, stdLibURL the optional trimmed python_stdlib-<hash>.zip. Requests that
// arrive while Python loads wait for it; a request after a failed load answers with the load error.
// The page owns timeouts: it terminates this worker when an answer is late.

const GLUE = `
import json, sys
sys.path.insert(0, RUNTIME_PATH)
import bouncecodes
from bouncecodes.classify import provider_names as _provider_names
from bouncecodes.output import record as _record
from bouncecodes.parse.common import to_text

_registry = bouncecodes.load_registry()


def _rule_page(rule):
    kind, _, name = rule.partition(":")
    if kind == "provider" and "/" in name:
        provider, _, anchor = name.partition("/")
        return f"providers/{provider}/#{anchor}" if _registry.provider(provider) else ""
    if kind == "software" and "/" in name:
        program, _, anchor = name.partition("/")
        return f"software/{program}/#{anchor}" if _registry.program(program) else ""
    if kind == "phrase" and "/" in name:
        reason, _, anchor = name.partition("/")
        return f"reasons/{reason}/#pattern-{anchor}"
    if kind == "enhanced" and _registry.enhanced_entry(name):
        return f"enhanced/{name}/"
    if kind == "reply" and _registry.reply_code(name):
        return f"reply/{name}/"
    if kind == "reason":
        return f"reasons/{name.partition('/')[0]}/"
    if kind == "log" and "/category/" in name:
        fmt, _, word = name.partition("/category/")
        return f"software/{fmt.partition('/')[0]}/#category-{word}"
    return ""


def _short(name):
    """A name without its bracketed remark: "Microsoft 365 (Exchange Online)" → "Microsoft 365"."""
    return name.split(" (")[0]


def _owner(name):
    """The possessive of a name: "Microsoft 365's", "Spamhaus block lists'"."""
    name = _short(name)
    return name + ("'" if name.endswith("s") else "'s")


def _code_of(entry_id):
    """The code an enhanced entry stands for, as readers write it: X.2.2 → x.2.2, 5.XXX.YYY → 5.x.x."""
    return entry_id.replace("XXX", "x").replace("YYY", "x").replace("X.", "x.", 1)


# How a refinement of the classifier (a rule id "reason:<reason>/<step>") came to its reason, in words.
_STEPS = {
    "at-mail": "the reply answered the sender's address (MAIL FROM), so it is about the sender",
    "after-data": "the reply came after the message itself was sent (DATA), so it is about this message",
    "mailbox-status": "the enhanced status code says the mailbox exists",
    "at-connect": "the reply came at the start of the connection, before any recipient was named",
    "when-delayed": "the report is a delay warning: the sending server is still trying",
    "given-up": "the sending server gave up after temporary failures",
    "diagnostic-type": "the delivery report's kind of diagnostic",
    "action": "the delivery report's action",
}

# Where the evidence was found: the finders' input kinds (log lines name their program from the registry).
_KINDS = {
    "reply": "a server reply",
    "dsn": "a delivery report (the machine-readable part of a bounce email)",
    "text": "the text of a bounce email",
    "arf": "a complaint report (ARF)",
    "autoreply": "an automatic reply",
    "json": "a sending service's JSON notification",
}


def _why(r):
    """The answer's grounds in words, from the registry's own titles and names: which entry decided
    (and its page), what the detail is, where the evidence was found."""
    reason = _registry.reason(r.reason)
    detail = r.detail
    # what happened is the case the detail names, when the registry describes it (greylisting, not
    # "Sending host blocked"), by its title
    described = _case(r)
    what = described if described is not None else reason
    why = {"what": what.title, "summary": what.description.split(". ")[0].rstrip(".") + ".",
           "rule": "", "detail": "", "found": "", "provider": "", "advice": ""}
    provider = _registry.provider(r.provider) if r.provider else None
    if provider is not None:
        why["provider"] = provider.name
    kind, _, name = r.rule.partition(":")
    words = ""
    if kind == "provider":
        owner = _registry.provider(name.partition("/")[0])
        rule = next((x for x in owner.rules if x.id == r.rule), None) if owner else None
        if rule is not None:
            code = rule.status or rule.reply
            words = f"{_owner(owner.name)} rule for " + (code if code else "a wording of its own")
            if rule.meaning:
                words += f": {rule.meaning}"
    elif kind == "software":
        program = _registry.program(name.partition("/")[0])
        message = next((m for m in program.messages if m.id == r.rule), None) if program else None
        if message is not None:
            words = f"{_owner(program.name)} message \u201c{message.text}\u201d"
            if message.meaning:
                words += f": {message.meaning}"
    elif kind == "phrase":
        # as the case its detail names, when the registry describes it (greylisting), else as the reason
        base = _registry.reason(name.partition('/')[0])
        words = f"the server's words, which read as \u201c{(described or base).title}\u201d"
    elif kind == "enhanced":
        entry = next((e for e in _registry.enhanced if e.id == r.rule), None)
        if entry is not None:
            specific = "XXX" not in entry.code and "YYY" not in entry.code and r.status
            words = f"the enhanced status code {r.status if specific else _code_of(entry.code)}: {entry.title}"
    elif kind == "log":
        # a log format's own category of the failure: "log:powermta/accounting/category/quota-issues"
        fmt_id, _, word = name.partition("/category/")
        log = next((x for x in _registry.logs if x.id == fmt_id.partition("/")[0]), None)
        fmt = next((f for f in log.formats if f.id == fmt_id), None) if log else None
        category = next((c for c in getattr(fmt, "categories", ()) if c.name == word), None) if fmt else None
        if category is not None:
            words = f"{_owner(log.name)} own category of the failure, \u201c{category.name}\u201d: {category.meaning}"
    elif kind == "reply":
        entry = _registry.reply_code(name)
        if entry is not None:
            words = f"the reply code {entry.code}: {entry.title}"
    elif kind == "reason":
        base, _, step = name.partition("/")
        if step in _STEPS:
            words = f"{_STEPS[step]}: \u201c{_registry.reason(base).title}\u201d"
        elif base == "onhold":
            words = "nothing in the text names a cause yet"
        else:
            words = f"the kind of message: {_registry.reason(base).title}"
    why["rule"] = words
    if described is not None:
        why["detail"] = described.title
    elif detail:
        named = _registry.provider(detail)
        first = next((x for x in _registry.reasons if x.id == detail), None)
        if named is not None:
            why["detail"] = f"{_owner(named.name)} own finding"
        elif first is not None:
            why["detail"] = f"first read as \u201c{first.title}\u201d"
        else:
            why["detail"] = detail.replace("-", " ")
    # where the advice came from (a runtime with Result.advice_from): the provider's rule, a detail, the reason
    advice_kind, _, advice_name = getattr(r, "advice_from", "").partition(":")
    if advice_kind == "provider":
        owner = _registry.provider(advice_name.partition("/")[0])
        why["advice"] = f"{_owner(owner.name)} own, for this rule" if owner else ""
    elif advice_kind == "detail":
        base, _, name = advice_name.partition("/")
        found = next((d for d in getattr(_registry.reason(base), "details", ()) if d.id == name), None)
        why["advice"] = f"the one for \u201c{found.title}\u201d" if found else ""
    elif advice_kind == "reason":
        why["advice"] = f"the one for \u201c{_registry.reason(advice_name).title}\u201d"
    source = r.source
    if source.startswith("log:"):
        program_id, _, format_id = source[4:].partition("/")
        log = next((x for x in _registry.logs if x.id == program_id), None)
        fmt = next((f for f in log.formats if f.id == source[4:]), None) if log else None
        if log is not None:
            why["found"] = f"a {log.name} log line" + (f": {_short(fmt.title)}" if fmt else "")
    else:
        why["found"] = _KINDS.get(source, "")
    return why


def _case(r):
    """The case of its reason that the result's detail names, when the registry describes it (among
    the reason's details, where the runtime has them; each has a section on the reason's page); else None."""
    if not r.detail:
        return None
    return next((d for d in getattr(_registry.reason(r.reason), "details", ()) if d.id == r.detail), None)


def _pages(r):
    entry = _registry.enhanced_entry(r.status) if r.status else None
    pseudo = getattr(r, "status_source", "") == "pseudo"
    return {
        "reply": f"reply/{r.reply}/" if r.reply and _registry.reply_code(r.reply) else "",
        "status": f"enhanced/{entry.code}/" if entry is not None and not pseudo else "",
        "reason": f"reasons/{r.reason}/",
        # the section of the reason's page on the answer's particular case (greylisting …), if any
        "case": f"reasons/{r.reason}/#{r.detail}" if _case(r) is not None else "",
        "provider": f"providers/{r.provider}/" if r.provider and _registry.provider(r.provider) else "",
        "rule": _rule_page(r.rule),
    }


def _bouncecodes_classify(data, label="-", provider=""):
    if not isinstance(data, str):
        data = bytes(data.to_py())  # a Uint8Array: the file's bytes, undecoded
    try:
        results = bouncecodes.classify(data, provider=provider)
    except bouncecodes.BounceCodesError as exc:
        return json.dumps({"error": str(exc), "kind": type(exc).__name__})
    except Exception as exc:  # a bug: the page offers to report it
        import traceback

        return json.dumps({"error": f"{type(exc).__name__}: {exc}", "kind": "internal",
                           "trace": traceback.format_exc(), "version": bouncecodes.__version__})
    answer = {
        "results": [r.to_dict() for r in results],
        "json": json.dumps([_record(label, r) for r in results], ensure_ascii=False, indent=2) + "\\n",
        "pages": [_pages(r) for r in results],
        "why": [_why(r) for r in results],
    }
    text = to_text(data)
    if text != data:
        answer["text"] = text
    return json.dumps(answer, ensure_ascii=False)


def _bouncecodes_providers():
    return json.dumps(_provider_names(_registry), ensure_ascii=False)

`;

// Classified once during start-up: the registry's patterns are compiled now, not on the first paste.
const WARM_UP = `_bouncecodes_classify("550 5.1.1 <warm-up@example.org>: user unknown")`;

// Classified right after the page is told Python is ready: a bounce email takes another path (the
// message reader, the notice's text, the delivery-status fields) whose modules and patterns are
// loaded on first use. Done while the reader looks at the page, the first email they paste or drop
// is answered as fast as later ones; a share link's bounce, asked for at once, waits for it as it
// would have paid for it.
const WARM_UP_EMAIL = String.raw`_bouncecodes_classify("""From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: <warm-up@example.org>
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

<warm-up@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 user unknown
    (in reply to RCPT TO command)

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; warm-up@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--b--
""")`;

let ready = null; // Promise of the Python classify function (a PyProxy)

function post(message) {
  self.postMessage(message);
}

// A promise that rejects when WebAssembly's streaming compile fails (the .wasm file sent with
// another type than application/wasm, say). Pyodide only logs "wasm instantiation failed!" then,
// and its loadPyodide never settles: without this the page would wait for its own timeout.
function wasmFailure() {
  return new Promise((_, reject) => {
    for (const name of ["compileStreaming", "instantiateStreaming"]) {
      const original = WebAssembly[name];
      if (typeof original !== "function") continue;
      WebAssembly[name] = function (...args) {
        return original.apply(this, args).catch((err) => {
          reject(new Error(`WebAssembly could not be loaded (${(err && err.message) || err}); ` +
            "a server must send .wasm files as application/wasm"));
          throw err;
        });
      };
    }
  });
}

// The bytes at url; a gzip stream (the .zip.gz archives) is gunzipped with DecompressionStream. A
// host that sent it with Content-Encoding: gzip has had the browser gunzip it already: then the
// bytes are the zip itself and are returned as they are.
async function fetchArchive(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function load({ indexURL, runtimeURL, stdLibURL, runtimeGzURL, stdLibGzURL }) {
  const started = performance.now();
  post({ type: "state", state: "loading", message: "Loading Python (step 1 of 3: downloading and starting Pyodide)…" });
  // Fail fast where loadPyodide would hang without a word: no WebAssembly at all, or a policy
  // that forbids compiling it (a Content-Security-Policy without 'wasm-unsafe-eval').
  if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
  try {
    await WebAssembly.compile(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])); // an empty module
  } catch (err) {
    throw new Error("WebAssembly is blocked here: a Content-Security-Policy must allow 'wasm-unsafe-eval' " +
      `(${(err && err.message) || err})`);
  }
  const base = indexURL.endsWith("/") ? indexURL : `${indexURL}/`;
  const gunzip = typeof DecompressionStream === "function";
  const [{ loadPyodide }, runtime, stdlib] = await Promise.all([
    import(`${base}pyodide.mjs`),
    fetchArchive(gunzip && runtimeGzURL ? runtimeGzURL : runtimeURL),
    gunzip && stdLibGzURL ? fetchArchive(stdLibGzURL) : null,
  ]);
  const options = { indexURL: base, stdout: () => {}, stderr: (line) => console.warn("[pyodide]", line) };
  // Pyodide fetches its standard library itself: hand it the gunzipped bytes through a blob: URL
  if (stdlib) options.stdLibURL = URL.createObjectURL(new Blob([stdlib], { type: "application/zip" }));
  else if (stdLibURL) options.stdLibURL = stdLibURL;
  const pyodide = await Promise.race([loadPyodide(options), wasmFailure()]);
  if (stdlib) URL.revokeObjectURL(options.stdLibURL);
  const pythonUp = performance.now();
  post({ type: "state", state: "loading", message: "Loading Python (step 2 of 3: importing the classifier)…" });
  const name = runtimeURL.split("/").pop().split(/[?#]/)[0] || "bouncecodes.zip";
  const path = `/lib/bouncecodes-runtime/${name}`;
  pyodide.FS.mkdirTree("/lib/bouncecodes-runtime");
  pyodide.FS.writeFile(path, new Uint8Array(runtime));
  pyodide.globals.set("RUNTIME_PATH", path);
  await pyodide.runPythonAsync(GLUE);
  post({ type: "state", state: "loading", message: "Loading Python (step 3 of 3: warming up the classifier)…" });
  pyodide.runPython(WARM_UP);
  const classify = pyodide.globals.get("_bouncecodes_classify");
  const providers = JSON.parse(pyodide.runPython("_bouncecodes_providers()"));
  const now = performance.now();
  // ms: the whole start; python: until loadPyodide resolved; runtime: the runtime's import and warm-up
  post({ type: "state", state: "ready", ms: Math.round(now - started), python: Math.round(pythonUp - started),
         runtime: Math.round(now - pythonUp), providers });
  pyodide.runPython(WARM_UP_EMAIL);
  return classify;
}

self.addEventListener("message", async (event) => {
  const message = event.data || {};
  if (message.type === "init") {
    if (ready) return; // one worker, one Python
    ready = load(message);
    ready.catch((err) => post({ type: "state", state: "failed", message: String((err && err.message) || err) }));
    return;
  }
  const { id, text, bytes } = message;
  if (id === undefined) return;
  const label = typeof message.label === "string" && message.label ? message.label : "-";
  const provider = typeof message.provider === "string" ? message.provider : "";
  if (typeof text !== "string" && !(bytes instanceof Uint8Array)) {
    post({ id, error: "Expected text or bytes to classify.", kind: "InputError" });
    return;
  }
  if (!ready) {
    post({ id, error: "The checker was not started.", kind: "internal" });
    return;
  }
  try {
    const classify = await ready;
    const answer = JSON.parse(classify(typeof text === "string" ? text : bytes, label, provider));
    post(answer.error === undefined ? { id, ...answer }
      : { id, error: answer.error, kind: answer.kind, trace: answer.trace, version: answer.version });
  } catch (err) {
    post({ id, error: String((err && err.message) || err), kind: "internal" });
  }
});
