// Starts the language server the way the extension does (`virtc lsp --stdio`, with the
// JSON-RPC implementation vscode-languageclient uses) and checks a short session: diagnostics
// for an open policy and completion after `allow `. The executable is $VIRTC (default:
// `virtc` on the PATH); without one the test is skipped with a message.
"use strict";
const assert = require("assert");
const cp = require("child_process");
const os = require("os");
const path = require("path");
const fs = require("fs");
const rpc = require("vscode-jsonrpc/node");

async function main() {
  const command = process.env.VIRTC || "virtc";
  const probe = cp.spawnSync(command, ["--version"]);
  if (probe.error) {
    console.log(`server: skipped, \`${command}\` cannot be run (set VIRTC to the virtc executable)`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtc-vscode-"));
  const file = path.join(dir, "policy.virt");
  const text = "allow randon;\nallow \n";
  fs.writeFileSync(file, text);
  const child = cp.spawn(command, ["lsp", "--stdio"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, XDG_CACHE_HOME: path.join(dir, "cache") },
  });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const diagnostics = new Promise((resolve) => {
    connection.onNotification("textDocument/publishDiagnostics", (params) => resolve(params));
  });
  connection.listen();
  const timeout = setTimeout(() => {
    console.error("server: no answer in 20 s");
    child.kill();
    process.exit(1);
  }, 20000);

  const init = await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
  });
  assert.strictEqual(init.serverInfo.name, "virtc");
  connection.sendNotification("initialized", {});
  const uri = "file://" + file;
  connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "virt", version: 1, text },
  });
  const published = await diagnostics;
  assert.strictEqual(published.uri, uri);
  assert.deepStrictEqual(
    published.diagnostics.map((d) => d.code),
    ["V0010", "V0002"],
    JSON.stringify(published),
  );
  const items = await connection.sendRequest("textDocument/completion", {
    textDocument: { uri },
    position: { line: 1, character: 6 },
  });
  const labels = items.map((i) => i.label);
  assert.ok(labels.includes("random") && labels.includes("all"), labels.join(", "));
  await connection.sendRequest("shutdown");
  connection.sendNotification("exit");
  const code = await new Promise((resolve) => child.on("exit", resolve));
  assert.strictEqual(code, 0);
  clearTimeout(timeout);
  connection.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`server: \`${command} lsp --stdio\` published ${published.diagnostics.length} diagnostics and completed ${labels.length} subsystems`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
