import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DIAGRAM_LEGEND } from '@distlab/trace';

/**
 * The package's root: the page's sources and its built bundle are found from here. Resolved by the package's name, not
 * from __dirname: in the `distlab` command's bundle this file's code runs from apps/cli/.bundle, and a root found from
 * there held no page (`distlab up --ui` served none).
 */
const PACKAGE_ROOT = dirname(require.resolve('@distlab/live-view/package.json'));
/** Where `npm ci` (the root `prepare` script) leaves the bundled page. */
export const BUILT_PAGE = join(PACKAGE_ROOT, 'dist-page', 'live-page.js');

/**
 * Bundles the page (src/page/live-page.ts and what it imports: the space-time diagram and the state replay of
 * @distlab/trace, the clock helpers) into one script with esbuild. Node's built-in modules, which @distlab/trace imports
 * for reading log files the page never reads, become empty modules.
 */
export function bundlePage(): Promise<string> {
  // Views started together (tests start several) share one build: each build stops esbuild when it ends.
  pageBuild ??= (async () => {
    // Required, not import()ed: the `distlab` bundle runs in a vm script, where a dynamic import has no loader (it
    // failed with "A dynamic import callback was not specified", and `distlab up --ui` served no view, whenever a page
    // source had changed since `npm ci`). Loaded only here: an install without development dependencies has none.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    try {
      return await buildPage(esbuild);
    } finally {
      // The build ran in an esbuild process that would otherwise stay as long as the view runs, waking tens of times
      // a second.
      await esbuild.stop();
      pageBuild = undefined;
    }
  })();
  return pageBuild;
}

let pageBuild: Promise<string> | undefined;

async function buildPage(esbuild: typeof import('esbuild')): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(PACKAGE_ROOT, 'src', 'page', 'live-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    conditions: ['@distlab/source'],
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [
      {
        name: 'no-node-builtins',
        setup(build) {
          build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'empty' }));
          build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({
            contents: 'module.exports = {};',
            loader: 'js',
          }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}

/**
 * The page's script: the bundle `npm ci` built, or one bundled now when there is none or a page source changed since
 * (a developer's checkout), so that nobody is served a stale page.
 */
export async function pageScript(): Promise<string> {
  if (!existsSync(BUILT_PAGE)) return bundlePage();
  const builtMs = statSync(BUILT_PAGE).mtimeMs;
  // The page's own sources, and those of the libraries it bundles (the diagram is @distlab/trace's).
  const libraries = ['@distlab/trace', '@distlab/clock'].map((name) =>
    join(dirname(require.resolve(`${name}/package.json`)), 'src'),
  );
  const sources = [join(PACKAGE_ROOT, 'src'), join(PACKAGE_ROOT, 'src', 'page'), ...libraries].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(dir, name)),
  );
  return sources.some((file) => statSync(file).mtimeMs > builtMs) ? bundlePage() : readFileSync(BUILT_PAGE, 'utf8');
}

/** The page's HTML: the layout, the diagram's elements (the ids `drawDiagram` draws into) and the script. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>distlab live</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE}</style>
</head>
<body>
<header id="top">
  <h1>distlab live</h1>
  <span id="connection" role="status" aria-live="polite">connecting…</span>
  <span id="event-count" data-count="0">0 events</span>
  <span class="hint">Keys: <kbd>j</kbd>/<kbd>↓</kbd> next event, <kbd>k</kbd>/<kbd>↑</kbd> previous, <kbd>Esc</kbd> back to live</span>
</header>
<main>
  <div id="left">
    <section aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <table id="peers" class="grid"><caption class="sr">Peers</caption></table>
      <table id="processes" class="grid"><caption class="sr">Other processes</caption></table>
      <table id="balancer" class="grid"></table>
    </section>
    <section aria-labelledby="controls-title">
      <h2 id="controls-title">Controls</h2>
      <div id="controls"></div>
      <pre id="result" role="status" aria-live="polite"></pre>
    </section>
  </div>
  <div id="right">
    <section id="diagram-pane" aria-labelledby="diagram-title">
      <h2 id="diagram-title">Space-time diagram <span id="follow-state">(live)</span></h2>
      <div id="filters">Show: </div>
      <div>Zoom <input id="zoom" type="range" min="3" max="40" value="18" aria-label="zoom"> <span id="window-note"></span></div>
      <div id="legend">${DIAGRAM_LEGEND.replace('; time flows down', '; click an event to step through; time flows down')}</div>
      <div id="lane-names"></div>
      <div id="scroller" tabindex="0" aria-label="space-time diagram; j and k step through events"><svg id="diagram" xmlns="http://www.w3.org/2000/svg"></svg></div>
    </section>
    <section id="step" aria-labelledby="step-title">
      <h2 id="step-title">At the selected event</h2>
      <div id="step-event" role="status" aria-live="polite">Click an event (or press j) to see every process at that moment.</div>
      <table id="step-states" class="grid"></table>
    </section>
  </div>
</main>
<div id="tooltip"></div>
<script src="/app.js"></script>
</body>
</html>
`;
}

const PAGE_STYLE = `
  body { font: 13px system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; height: 100vh; overflow: hidden; }
  header#top { display: flex; gap: 16px; align-items: baseline; padding: 6px 12px; border-bottom: 1px solid #bbb; background: #f4f4f4; }
  h1 { font-size: 16px; margin: 0; } h2 { font-size: 14px; margin: 8px 0 4px; }
  kbd { border: 1px solid #999; border-radius: 3px; padding: 0 3px; font-size: 11px; }
  .hint { color: #444; margin-left: auto; }
  main { display: grid; grid-template-columns: 590px minmax(0, 1fr); height: calc(100vh - 32px); overflow: hidden; }
  #left { overflow: auto; padding: 0 10px; border-right: 1px solid #bbb; }
  #right { display: grid; grid-template-rows: minmax(0, 1fr) 210px; min-width: 0; min-height: 0; overflow: hidden; }
  #diagram-pane { display: flex; flex-direction: column; min-height: 0; padding: 0 8px; }
  #scroller { overflow: auto; flex: 1; position: relative; border-top: 1px solid #ddd; }
  #scroller:focus { outline: 2px solid #005fcc; }
  /* Each pane is laid out and painted on its own: a cell of the system table that changes lays out nothing else. */
  #left, #scroller, #step { contain: strict; }
  #step-states td, #step-states th { padding: 1px 4px; }
  #step { overflow: auto; padding: 0 8px; border-top: 2px solid #888; background: #fafafa; }
  table.grid { border-collapse: collapse; width: 100%; margin-bottom: 6px; }
  .grid th, .grid td { border: 1px solid #ccc; padding: 2px 4px; text-align: left; vertical-align: top; }
  .grid th { background: #eee; }
  .sr { position: absolute; left: -9999px; }
  .health-SERVING { color: #0a5d0a; } .health-UNREACHABLE, .health-NOT_SERVING { color: #a00; font-weight: 600; }
  .leader { font-weight: 700; } .held { font-weight: 700; color: #6a0dad; }
  button { font: inherit; margin: 1px; padding: 1px 6px; }
  td.actions { width: 124px; } td.actions button { width: 58px; padding: 0 2px; font-size: 12px; }
  small.mono { font-size: 11px; color: #444; }
  button:focus, input:focus, select:focus { outline: 2px solid #005fcc; }
  fieldset { border: 1px solid #ccc; margin: 4px 0; padding: 4px 6px; }
  legend { font-weight: 600; }
  #result { white-space: pre-wrap; background: #f6f6f6; border: 1px solid #ccc; padding: 4px; min-height: 2.5em; max-height: 140px; overflow: auto; margin: 4px 0; }
  #result.failed { border-color: #a00; }
  #lane-names { position: relative; height: 20px; border-bottom: 1px solid #ddd; background: #fff; }
  .lane-name { position: absolute; text-align: center; font-weight: 600; }
  .lane { stroke: #bbb; stroke-width: 1; }
  .arrow { stroke-width: 1.5; pointer-events: none; }
  .arrow.hovered { stroke-width: 4; }
  .arrow-hit { stroke: transparent; stroke-width: 10; pointer-events: stroke; }
  .arrow.lost { stroke-dasharray: 4 3; }
  .section { fill: #1f77b4; opacity: 0.3; }
  .event { cursor: pointer; }
  .leader-mark { fill: #d62728; font-size: 16px; }
  .clock-mark { fill: #8c564b; }
  .selected-mark { stroke: #000; stroke-width: 2.5; }
  #filters label { margin-right: 8px; white-space: nowrap; }
  #legend { font-size: 12px; color: #333; } #legend span { margin-right: 10px; white-space: nowrap; }
  #tooltip { position: absolute; display: none; background: #222; color: #fff; padding: 4px 8px; border-radius: 4px;
    font: 12px ui-monospace, monospace; pointer-events: none; max-width: 700px; z-index: 10; }
  .mono { font-family: ui-monospace, monospace; }
`;
