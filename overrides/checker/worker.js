// bouncecodes checker: a module Web Worker that runs the bouncecodes runtime on Pyodide.
//
// Started by checker.js as `new Worker(url, { type: "module" })`. Protocol (all messages are plain objects):
//
//   page → worker  {type: "init", indexURL, runtimeURL, stdLibURL?}    once, first
//   page → worker  {id, text}                                           classify one paste
//   worker → page  {type: "state", state: "loading" | "ready" | "failed", message?, ms?}
//   worker → page  {id, results: [Result.to_dict(), ...]}               one per recipient, possibly none
//   worker → page  {id, error: "message", kind: "InputTooLargeError" | ... | "internal"}
//
// indexURL is the versioned Pyodide folder (…/pyodide/314.0.7/), runtimeURL the content-hashed
// bouncecodes-<hash>.zip, stdLibURL the optional trimmed python_stdlib-<hash>.zip. Requests that
// arrive while Python loads wait for it; a request after a failed load answers with the load error.
// The page owns timeouts: it terminates this worker when an answer is late.

const GLUE = `
import json, sys
sys.path.insert(0, RUNTIME_PATH)
import bouncecodes

def _bouncecodes_classify(text):
    try:
        return json.dumps({"results": [r.to_dict() for r in bouncecodes.classify(text)]})
    except bouncecodes.BounceCodesError as exc:
        return json.dumps({"error": str(exc), "kind": type(exc).__name__})

_bouncecodes_classify("550 5.1.1 <warm-up@example.org>: user unknown")  # loads the registry once, now
`;

let ready = null; // Promise of the Python classify function (a PyProxy)

function post(message) {
  self.postMessage(message);
}

async function load({ indexURL, runtimeURL, stdLibURL }) {
  const started = performance.now();
  post({ type: "state", state: "loading", message: "Loading Python…" });
  const base = indexURL.endsWith("/") ? indexURL : `${indexURL}/`;
  const [{ loadPyodide }, runtime] = await Promise.all([
    import(`${base}pyodide.mjs`),
    fetch(runtimeURL).then((response) => {
      if (!response.ok) throw new Error(`${runtimeURL}: HTTP ${response.status}`);
      return response.arrayBuffer();
    }),
  ]);
  const options = { indexURL: base, stdout: () => {}, stderr: (line) => console.warn("[pyodide]", line) };
  if (stdLibURL) options.stdLibURL = stdLibURL;
  const pyodide = await loadPyodide(options);
  const name = runtimeURL.split("/").pop().split(/[?#]/)[0] || "bouncecodes.zip";
  const path = `/lib/bouncecodes-runtime/${name}`;
  pyodide.FS.mkdirTree("/lib/bouncecodes-runtime");
  pyodide.FS.writeFile(path, new Uint8Array(runtime));
  pyodide.globals.set("RUNTIME_PATH", path);
  await pyodide.runPythonAsync(GLUE);
  const classify = pyodide.globals.get("_bouncecodes_classify");
  post({ type: "state", state: "ready", ms: Math.round(performance.now() - started) });
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
  const { id, text } = message;
  if (id === undefined) return;
  if (typeof text !== "string") {
    post({ id, error: "Expected text to classify.", kind: "InputError" });
    return;
  }
  if (!ready) {
    post({ id, error: "The checker was not started.", kind: "internal" });
    return;
  }
  try {
    const classify = await ready;
    const answer = JSON.parse(classify(text));
    post(answer.error === undefined ? { id, results: answer.results } : { id, error: answer.error, kind: answer.kind });
  } catch (err) {
    post({ id, error: String((err && err.message) || err), kind: "internal" });
  }
});
