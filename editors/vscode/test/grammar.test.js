// Tokenizes policies with the TextMate grammar, as VS Code does (vscode-textmate with the
// Oniguruma regex engine), and checks the scopes of the words that matter.
"use strict";
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(
  path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"),
);

async function main() {
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.virt") return null;
      const file = path.join(__dirname, "..", "syntaxes", "virt.tmLanguage.json");
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  const grammar = await registry.loadGrammar("source.virt");

  /** The innermost scope of every token of `text`, as [token, scope] pairs. */
  function tokens(text) {
    let state = vsctm.INITIAL;
    const out = [];
    for (const line of text.split("\n")) {
      const result = grammar.tokenizeLine(line, state);
      for (const t of result.tokens) {
        const piece = line.slice(t.startIndex, t.endIndex);
        if (piece.trim()) out.push([piece.trim(), t.scopes[t.scopes.length - 1]]);
      }
      state = result.ruleStack;
    }
    return out;
  }
  function scopeOf(text, word) {
    const found = tokens(text).find(([piece]) => piece === word);
    assert.ok(found, `no token ${JSON.stringify(word)} in ${JSON.stringify(text)}: ${JSON.stringify(tokens(text))}`);
    return found[1];
  }

  const cases = [
    ["allow random;", "allow", "keyword.other.grant.virt"],
    ["allow random;", "random", "constant.language.subsystem.virt"],
    ["deny env;", "env", "constant.language.subsystem.virt"],
    ["stdout ignore;", "ignore", "constant.language.mode.virt"],
    ["use std::sandbox;", "std::sandbox", "entity.name.namespace.virt"],
    ['env PONG = "demo";', "PONG", "variable.other.env.virt"],
    ['env allow "HOME", "LANG_*";', "allow", "keyword.other.statement.virt"],
    ['http allow "GET https://api.example.com/**";', "http", "keyword.other.statement.virt"],
    ["deny http;", "http", "constant.language.subsystem.virt"],
    ['clocks fixed "2026-01-01T00:00:00Z";', "fixed", "constant.language.mode.virt"],
    ["random seed 42;", "random", "keyword.other.statement.virt"],
    ["random seed 42;", "42", "constant.numeric.integer.virt"],
    ['env allow "LANG_*";', "*", "keyword.operator.glob.virt"],
    ['mount "/" from "./dir" {', "from", "keyword.other.modifier.virt"],
    ['file "/a" = "x\\ny";', "\\n", "constant.character.escape.virt"],
    ['file "/a" = "bad \\q";', "\\q", "invalid.illegal.escape.virt"],
    ["allow exit; // why", "why", "comment.line.double-slash.virt"],
    ["/* a\nb */ allow exit;", "b", "comment.block.virt"],
    ["# not a comment", "# not a comment", "invalid.illegal.hash-comment.virt"],
  ];
  for (const [text, word, scope] of cases) {
    assert.strictEqual(scopeOf(text, word), scope, `${word} in ${text}`);
  }

  // Every policy of the repository tokenizes, and no word is left without a scope.
  const root = path.join(__dirname, "..", "..", "..");
  for (const file of ["examples/pong/pong.virt", "compiler/stdlib/cli.virt", "compiler/stdlib/sandbox.virt", "compiler/stdlib/deterministic.virt"]) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    for (const [piece, scope] of tokens(text)) {
      assert.notStrictEqual(scope, "source.virt", `${file}: ${JSON.stringify(piece)} has no scope`);
    }
  }
  console.log(`grammar: ${cases.length} cases and the repository's policies tokenize as expected`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
