// The live dashboard page is TypeScript (apps/dashboard/public/*.ts); browsers get one bundled
// script, /static/main.js. Two ways in, one bundler:
// - the production image bundles it while building (Dockerfile: `tsx apps/dashboard/page-bundle.ts
//   apps/dashboard/public/main.js`) and the server serves that file: esbuild is a build tool and is
//   not in the runtime image;
// - from the sources (`npm run dashboard`, `npm start`, the tests, all under tsx) no such file
//   exists, and the server bundles the page in memory at start (≈ 0.1 s), so an edit to the page is
//   live on the next start with no build step to forget.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./public/main.ts', import.meta.url));
const PREBUILT = fileURLToPath(new URL('./public/main.js', import.meta.url));

/** The page's script: the image's prebuilt bundle when there is one, else bundled now. */
export async function loadPageScript(): Promise<string> {
  if (existsSync(PREBUILT)) return readFile(PREBUILT, 'utf8');
  return bundlePage();
}

let bundled: Promise<string> | undefined;

/** Bundles the page with esbuild (uPlot included): one readable ES module (not minified, so the browser's debugger reads it). Once per process. */
export function bundlePage(): Promise<string> {
  bundled ??= runEsbuild();
  return bundled;
}

async function runEsbuild(): Promise<string> {
  // Imported here, not at the top: the runtime image has no esbuild and never calls this.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

async function main(outFile: string | undefined): Promise<void> {
  if (!outFile) {
    console.error('usage: tsx apps/dashboard/page-bundle.ts <out-file.js>');
    process.exit(2);
  }
  await writeFile(outFile, await bundlePage());
  console.log(`page bundled into ${outFile}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv[2]).catch((error: Error) => {
    console.error(`page-bundle: ${error.message.split('\n')[0]}`);
    process.exit(1);
  });
}
