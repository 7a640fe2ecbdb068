// A JavaScript command for tests/tests/javascript.rs, built by tests/js/build.sh with
// componentize-js. Run with no arguments, it prints the environment's GREETING, the text of
// /data/hello.txt (or `no file`), and, when FETCH holds a URL, the status of `fetch(FETCH)` or
// the error it failed with; a failed fetch makes `run` return an error (exit status 1).
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

function env(name) {
  const entry = getEnvironment().find(([key]) => key === name);
  return entry ? entry[1] : undefined;
}

// The text of a file given by its absolute path, or undefined: found through the preopened
// directory whose guest path is a prefix of it.
function readFile(path) {
  for (const [dir, root] of getDirectories()) {
    const prefix = root.endsWith('/') ? root : root + '/';
    if (!path.startsWith(prefix)) continue;
    try {
      const file = dir.openAt({}, path.slice(prefix.length), {}, { read: true });
      const chunks = [];
      let offset = 0n;
      for (;;) {
        const [bytes, eof] = file.read(65536n, offset);
        chunks.push(bytes);
        offset += BigInt(bytes.length);
        if (eof || bytes.length === 0) break;
      }
      return new TextDecoder().decode(concat(chunks));
    } catch (e) {
      // A `wasi:filesystem` error-code (`no-entry`, `access`, ...).
      continue;
    }
  }
  return undefined;
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const run = {
  async run() {
    console.log(`greeting=${env('GREETING') ?? 'unset'}`);
    const text = readFile('/data/hello.txt');
    console.log(text === undefined ? 'no file' : text.replace(/\n$/, ''));
    const url = env('FETCH');
    if (url !== undefined) {
      try {
        const response = await fetch(url);
        console.log(`status ${response.status}`);
      } catch (e) {
        // Reported on stdout: stderr may be closed by the policy.
        console.log(`fetch failed: ${e?.name}: ${e?.message}`);
        throw e;
      }
    }
  },
};
