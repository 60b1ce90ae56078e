// Drive overrides/checker/worker.js in Node as the page would, with no browser.
//
//   node tests/pyodide/worker_harness.mjs --zip RUNTIME.zip [--index-url DIR] [--stdlib-url ZIP] < texts.json
//
// stdin: a JSON list of strings, or of {text, provider} objects (what the page sends when the reader
// filled in "Whose server refused it?"). The worker module is imported into this process with a
// stand-in `self` (postMessage/addEventListener) and a `fetch` that reads file: URLs; then it gets the
// init message and one {id, text[, provider]} request per item, all at once, before Python has loaded.
// stdout: one line, "BOUNCECODES-WORKER " + JSON of {"messages": [every message the worker posted, in order]}.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const MARKER = "BOUNCECODES-WORKER ";
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");

const args = { indexURL: path.join(repo, "node_modules", "pyodide") };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (argv[i] === "--zip") args.zip = path.resolve(argv[i + 1]);
  else if (argv[i] === "--index-url") args.indexURL = path.resolve(argv[i + 1]);
  else if (argv[i] === "--stdlib-url") args.stdLibURL = path.resolve(argv[i + 1]);
  else {
    process.stderr.write(`worker_harness.mjs: unknown option ${argv[i]}\n`);
    process.exit(2);
  }
}
const texts = JSON.parse(readFileSync(0, "utf8"));

const messages = [];
const listeners = [];
let answered = 0;
let finish;
const done = new Promise((resolve) => (finish = resolve));

globalThis.self = {
  postMessage(message) {
    messages.push(JSON.parse(JSON.stringify(message))); // structured-clone-ish: plain data only
    if (message.id !== undefined && ++answered === texts.length) finish();
    if (message.state === "failed") finish();
  },
  addEventListener(type, listener) {
    if (type === "message") listeners.push(listener);
  },
};
const nodeFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const href = String(url);
  if (!href.startsWith("file:")) return nodeFetch(url, init);
  try {
    return new Response(readFileSync(fileURLToPath(href)), { status: 200 });
  } catch {
    return new Response("", { status: 404 });
  }
};
const send = (data) => listeners.forEach((listener) => listener({ data }));

await import(pathToFileURL(path.join(repo, "overrides", "checker", "worker.js")).href);
const init = {
  type: "init",
  indexURL: args.indexURL + "/", // in Node, Pyodide wants a path; in a browser it is an http(s) URL
  runtimeURL: pathToFileURL(args.zip).href,
};
if (args.stdLibURL) init.stdLibURL = args.stdLibURL;
send(init);
texts.forEach((item, id) => send(typeof item === "string" ? { id, text: item } : { id, ...item }));
if (texts.length === 0) finish();
const timer = setTimeout(() => {
  process.stderr.write("worker_harness.mjs: no answer within 60 s\n");
  process.exit(3);
}, 60000);
await done;
clearTimeout(timer);
// a pipe takes a long line in several writes: exit once it has all of it
process.stdout.write(`${MARKER}${JSON.stringify({ messages })}\n`, () => process.exit(0));
