// Bundles the chat page from src/ into dist/: index.html plus content-hashed
// script, style and icon files that the Go binary embeds. The same sources
// always give byte-identical output, so dist/ is committed (a `go install`
// serves the real page) and `node build.mjs --check` fails when the
// committed files are not what the sources give.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('.', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

// The page imports the typed client from client/ by relative path; the
// client's own imports of socket.io-client (and what that imports) resolve
// from this folder's node_modules, so the bundle holds one copy, the same
// whether client/node_modules is installed or not.
const oneSocketIO = {
  name: 'one-socket.io-client',
  setup(b) {
    b.onResolve({ filter: /^(socket\.io-client|engine\.io-client|socket\.io-parser|@socket\.io\/component-emitter|debug)(\/.*)?$/ }, (args) => {
      if (args.pluginData === 'page' || !args.importer.includes(`${join(root, 'client')}/`)) return undefined;
      return b.resolve(args.path, { resolveDir: root, kind: args.kind, pluginData: 'page' });
    });
  },
};

async function bundle() {
  const result = await build({
    entryPoints: { app: join(src, 'main.js'), style: join(src, 'styles.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    entryNames: '[name]-[hash]',
    outdir: dist,
    write: false,
    metafile: true,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
    plugins: [oneSocketIO],
  });
  return result.outputFiles.map((f) => ({ name: basename(f.path), data: Buffer.from(f.contents) }));
}

function hashed(file) {
  const hash = createHash('sha256').update(file.data).digest('base64url').replace(/[^A-Za-z0-9]/g, '');
  const ext = extname(file.name);
  return { name: `${basename(file.name, ext)}-${hash.slice(0, 8).toUpperCase()}${ext}`, data: file.data };
}

function sri(data) {
  return `sha384-${createHash('sha384').update(data).digest('base64')}`;
}

async function page(files) {
  const find = (prefix, ext) => files.find((f) => f.name.startsWith(prefix) && f.name.endsWith(ext));
  const js = find('app-', '.js');
  const css = find('style-', '.css');
  const icon = find('favicon-', '.svg');
  const template = await readFile(join(src, 'index.html'), 'utf8');
  const html = template
    .replace('{{icon}}', `/${icon.name}`)
    .replace('{{style}}', `<link rel="stylesheet" href="/${css.name}" integrity="${sri(css.data)}">`)
    .replace('{{script}}', `<script type="module" src="/${js.name}" integrity="${sri(js.data)}"></script>`);
  return { name: 'index.html', data: Buffer.from(html) };
}

async function clean() {
  await mkdir(dist, { recursive: true });
  for (const name of await readdir(dist)) {
    if (!name.startsWith('.')) await rm(join(dist, name), { recursive: true, force: true });
  }
}

function kB(n) {
  return `${(n / 1024).toFixed(1)} kB`;
}

function report(files) {
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const z = gzipSync(f.data, { level: 9 }).length;
    raw += f.data.length;
    gz += z;
    console.log(`  ${f.name.padEnd(28)} ${kB(f.data.length).padStart(9)}  gzip ${kB(z).padStart(8)}`);
  }
  console.log(`  ${'total'.padEnd(28)} ${kB(raw).padStart(9)}  gzip ${kB(gz).padStart(8)}`);
}

// check compares the committed dist/ with a fresh build and exits 1 on any
// difference.
async function check(files) {
  const want = new Map(files.map((f) => [f.name, f.data]));
  const have = (await readdir(dist)).filter((n) => !n.startsWith('.'));
  const wrong = [];
  for (const name of have) {
    if (!want.has(name)) wrong.push(`${name}: not built from the sources`);
  }
  for (const [name, data] of want) {
    if (!have.includes(name)) wrong.push(`${name}: missing`);
    else if (!data.equals(await readFile(join(dist, name)))) wrong.push(`${name}: differs`);
  }
  if (wrong.length > 0) {
    console.error(`static/dist is not what static/src gives; run \`make page\` and commit static/dist:\n  ${wrong.join('\n  ')}`);
    process.exit(1);
  }
  console.log('static/dist matches static/src');
}

const assets = await bundle();
assets.push(hashed({ name: 'favicon.svg', data: await readFile(join(src, 'favicon.svg')) }));
const files = [...assets, await page(assets)];
if (process.argv.includes('--check')) {
  await check(files);
  process.exit(0);
}
await clean();
for (const f of files) await writeFile(join(dist, f.name), f.data);
console.log('page bundled into static/dist:');
report(files);
