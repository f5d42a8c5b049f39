#!/usr/bin/env node
// Answers forge like a native solc, but compiles through solc-js (wasm) from npm, so forge
// never downloads a compiler. forge sends standard-JSON with every source inlined on stdin.
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  const v = solc.version().replace('.Emscripten.clang', '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(1);
}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  // forge inlines sources; the callback only answers stray reads so errors stay readable
  const fs = require('node:fs');
  const findImports = (p) => {
    try { return { contents: fs.readFileSync(p, 'utf8') }; } catch { return { error: `File not found: ${p}` }; }
  };
  process.stdout.write(solc.compile(input, { import: findImports }));
});
