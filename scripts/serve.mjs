// npm run serve: a tiny static server for the browser example (no dependency).
//   /            → examples/browser/ (index.html, app.js)
//   /auralens.js → dist/browser/auralens.js (npm run build:browser, which `npm run serve` runs first)
//   /model/      → assets/genre-cnn/ (the committed demo model)
// PORT (default 8080) and HOST (default 127.0.0.1) pick the address. Exported for tests: startServer().
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MOUNTS = [
  ['/model/', join(root, 'assets', 'genre-cnn')],
  ['/auralens.js', join(root, 'dist', 'browser', 'auralens.js')],
  ['/', join(root, 'examples', 'browser')],
];
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.safetensors': 'application/octet-stream',
  '.wav': 'audio/wav',
};

/** The file a URL path maps to, or null (never outside the mounted folders). */
function fileFor(urlPath) {
  for (const [prefix, target] of MOUNTS) {
    if (urlPath === prefix || (prefix.endsWith('/') && urlPath.startsWith(prefix))) {
      if (!prefix.endsWith('/')) return target;
      const rest = urlPath.slice(prefix.length) || 'index.html';
      const p = normalize(join(target, rest));
      return p.startsWith(target + sep) ? p : null;
    }
    if (urlPath === prefix + '.map' && !prefix.endsWith('/')) return target + '.map';
  }
  return null;
}

/** Starts the server on port (0 = any free port); resolves to the http.Server. */
export function startServer(port = Number(process.env.PORT ?? 8080), host = process.env.HOST ?? '127.0.0.1') {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const file = fileFor(path);
    if (!file) return void res.writeHead(404).end('not found');
    try {
      const body = await readFile(file);
      const ext = file.slice(file.lastIndexOf('.'));
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await startServer();
  const { address, port } = server.address();
  console.log(`auralens browser example: http://${address}:${port}/ (Ctrl+C stops)`);
}
