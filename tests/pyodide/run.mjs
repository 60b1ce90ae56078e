// Classify inputs with the bouncecodes runtime under Pyodide in Node (no browser).
//
//   node tests/pyodide/run.mjs --zip RUNTIME.zip [--index-url DIR] [--stdlib-url ZIP] < inputs.json
//
// stdin: a JSON list; each item is {"text": "..."} or {"base64": "..."} (raw bytes).
// stdout: exactly one line, "BOUNCECODES-RESULT " + JSON of {"python": sys.version, "email_module": the
//   file email.message was loaded from, "outcomes": [...]}, with for each input either
//   {"results": [r.to_dict() for r in bouncecodes.classify(x)]} or {"error": "ExceptionType: message"}.
// Anything Pyodide or Python prints goes to stderr, so stdout holds nothing but that line.
// Exit codes: 0 done, 2 bad usage or input, 3 Pyodide could not be loaded, 4 the runtime could not be imported.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const MARKER = "BOUNCECODES-RESULT ";
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");

function fail(code, message) {
  process.stderr.write(`run.mjs: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const args = { indexURL: path.join(repo, "node_modules", "pyodide") };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) fail(2, `${flag} needs a value`);
    if (flag === "--zip") args.zip = path.resolve(value);
    else if (flag === "--index-url") args.indexURL = path.resolve(value);
    else if (flag === "--stdlib-url") args.stdLibURL = path.resolve(value);
    else fail(2, `unknown option ${flag}`);
  }
  if (!args.zip) fail(2, "--zip RUNTIME.zip is required");
  return args;
}

const CLASSIFY = `
import base64, json, sys
import bouncecodes

def _classify_all(payload):
    out = []
    for item in json.loads(payload):
        data = base64.b64decode(item["base64"]) if "base64" in item else item["text"]
        try:
            out.append({"results": [r.to_dict() for r in bouncecodes.classify(data)]})
        except Exception as exc:
            out.append({"error": f"{type(exc).__name__}: {exc}"})
    import email.message
    return json.dumps({"python": sys.version, "email_module": email.message.__file__, "outcomes": out},
                      ensure_ascii=False, sort_keys=True)
`;

const args = parseArgs(process.argv.slice(2));
const stdin = readFileSync(0, "utf8");
try {
  if (!Array.isArray(JSON.parse(stdin))) throw new Error("not a list");
} catch (err) {
  fail(2, `stdin must be a JSON list of inputs (${err.message})`);
}

let loadPyodide;
const entry = path.join(args.indexURL, "pyodide.mjs");
try {
  ({ loadPyodide } = await import(pathToFileURL(entry).href));
} catch (err) {
  fail(3, `cannot import ${entry} (${err.message}); run \`npm ci\` at the repository root`);
}

const toStderr = (line) => process.stderr.write(`${line}\n`);
let pyodide;
try {
  const options = { indexURL: args.indexURL + path.sep, stdout: toStderr, stderr: toStderr };
  if (args.stdLibURL) options.stdLibURL = args.stdLibURL;
  pyodide = await loadPyodide(options);
} catch (err) {
  fail(3, `loadPyodide failed: ${err.stack || err}`);
}

const mounted = `/lib/bouncecodes-runtime/${path.basename(args.zip)}`;
try {
  pyodide.FS.mkdirTree(path.posix.dirname(mounted));
  pyodide.FS.writeFile(mounted, readFileSync(args.zip));
  pyodide.globals.set("_runtime_zip", mounted);
  pyodide.runPython(`import sys\nsys.path.insert(0, _runtime_zip)\n${CLASSIFY}`);
  const where = pyodide.runPython("bouncecodes.__file__");
  if (!where.startsWith(mounted + "/")) throw new Error(`bouncecodes was imported from ${where}, not from the archive`);
} catch (err) {
  fail(4, `cannot import bouncecodes from ${args.zip}: ${err.message || err}`);
}

const classifyAll = pyodide.globals.get("_classify_all");
const output = classifyAll(stdin);
classifyAll.destroy();
process.stdout.write(`${MARKER}${output}\n`);
