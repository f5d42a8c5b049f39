#!/usr/bin/env node
// Answers forge like a native solc, but compiles through solc-js (wasm) from npm, so forge never
// downloads a compiler. forge sends standard-JSON with every source inlined on stdin.
//
// Should a job ever outgrow solc-js's wasm memory, PALISADE_SOLC_CHUNK=N splits the files whose output
// forge asked for into chunks of N, compiles each in its own child process (fresh wasm memory; two at a
// time) with every source present — so source ids agree across chunks — and merges the outputs.
// Off by default: every chunk re-analyses all sources, which is slower than one job.
const { spawn } = require('node:child_process');
const solc = require('solc');

const CHUNK = Number(process.env.PALISADE_SOLC_CHUNK ?? Infinity);
const PARALLEL = Number(process.env.PALISADE_SOLC_JOBS ?? 2);
const args = process.argv.slice(2);

if (args.includes('--version')) {
  const v = solc.version().replace('.Emscripten.clang', '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json') && !args.includes('--chunk')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(1);
}

const readStdin = () =>
  new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

const findImports = (p) => {
  try {
    return { contents: require('node:fs').readFileSync(p, 'utf8') };
  } catch {
    return { error: `File not found: ${p}` };
  }
};

function compileChild(input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--chunk'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(Buffer.concat(out).toString('utf8'))) : reject(new Error(`solc chunk exited ${code}`))));
    child.stdin.end(JSON.stringify(input));
  });
}

(async () => {
  const raw = await readStdin();
  if (args.includes('--chunk')) {
    process.stdout.write(solc.compile(raw, { import: findImports }));
    return;
  }
  const input = JSON.parse(raw);
  const selection = input.settings?.outputSelection ?? {};
  const files = Object.keys(selection).filter((f) => f !== '*');
  if (files.length <= CHUNK) {
    process.stdout.write(solc.compile(raw, { import: findImports }));
    return;
  }
  const groups = [];
  for (let i = 0; i < files.length; i += CHUNK) groups.push(files.slice(i, i + CHUNK));
  const results = new Array(groups.length);
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const i = next++;
      const sel = Object.fromEntries(groups[i].map((f) => [f, selection[f]]));
      // sources outside the chunk still get their AST (forge needs every source's id and AST)
      for (const f of files) if (!sel[f]) sel[f] = { '': ['ast'] };
      results[i] = await compileChild({ ...input, settings: { ...input.settings, outputSelection: sel } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, groups.length) }, worker));
  const merged = { contracts: {}, sources: {}, errors: [] };
  const seen = new Set();
  for (const r of results) {
    Object.assign(merged.sources, r.sources ?? {});
    for (const [file, cs] of Object.entries(r.contracts ?? {})) {
      for (const [name, c] of Object.entries(cs)) {
        if (c.evm?.bytecode || Object.keys(c).length > 0) (merged.contracts[file] ??= {})[name] = c;
      }
    }
    for (const e of r.errors ?? []) {
      const key = e.formattedMessage ?? e.message;
      if (!seen.has(key)) (seen.add(key), merged.errors.push(e));
    }
  }
  process.stdout.write(JSON.stringify(merged));
})().catch((err) => {
  process.stderr.write(`solc-shim: ${err.message}\n`);
  process.exit(1);
});
