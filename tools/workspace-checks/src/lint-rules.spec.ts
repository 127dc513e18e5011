import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The workspace's layering rules (eslint.config.mjs) catch what they are meant to: each planted violation below is
// linted as if it stood at the path given, and must fail with the rule named; the same code elsewhere passes.

interface Snippet {
  code: string;
  filePath: string;
}

const CORES = ['libs/clock/src/planted.ts', 'libs/mutex/src/planted.ts', 'libs/election/src/planted.ts'];
const CORE_VIOLATIONS: Array<[string, string]> = [
  ["import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n", 'no-restricted-imports'],
  ["import { Metadata } from '@grpc/grpc-js';\nexport const metadata = new Metadata();\n", 'no-restricted-imports'],
  ["import { startPeer } from '@distlab/peer';\nexport const start = startPeer;\n", 'no-restricted-imports'],
  ['export const nowMs = () => Date.now();\n', 'no-restricted-properties'],
  ['export const nowMs = () => performance.now();\n', 'no-restricted-properties'],
  ['export const draw = () => Math.random();\n', 'no-restricted-properties'],
  ['export const later = (run: () => void) => setTimeout(run, 10);\n', 'no-restricted-globals'],
  ['export const every = (run: () => void) => setInterval(run, 10);\n', 'no-restricted-globals'],
];
const FEATURES = ['../mutex/mutex-driver', '../election/election-driver', '../chaos/chaos-service', '../peer-server'];
const featureImport = (feature: string) => `import * as feature from '${feature}';\nexport const used = feature;\n`;
const OWN_IMPORTS =
  "import { PeerLinks } from './peer-links';\nimport { Code } from '@distlab/grpc-kit';\nexport { PeerLinks, Code };\n";
const FEATURE_USES_MESSAGING = "import { PeerLinks } from '../messaging';\nexport { PeerLinks };\n";
const DRIVER_CODE = 'export const nowMs = () => Date.now() + Math.random();\n';

const SNIPPETS: Snippet[] = [
  ...CORE_VIOLATIONS.flatMap(([code]) => CORES.map((filePath) => ({ code, filePath }))),
  { code: DRIVER_CODE, filePath: 'apps/peer/src/planted.ts' },
  ...FEATURES.map((feature) => ({ code: featureImport(feature), filePath: 'apps/peer/src/messaging/planted.ts' })),
  { code: OWN_IMPORTS, filePath: 'apps/peer/src/messaging/planted.ts' },
  { code: FEATURE_USES_MESSAGING, filePath: 'apps/peer/src/mutex/planted.ts' },
];

/** The rule ids each snippet broke, linted in one ESLint process (see lint-snippets.mjs). */
let verdicts: Map<Snippet, string[]>;

beforeAll(() => {
  const output = execFileSync(process.execPath, [join(__dirname, 'lint-snippets.mjs')], {
    input: JSON.stringify(SNIPPETS),
    encoding: 'utf8',
  });
  const results = JSON.parse(output) as string[][];
  verdicts = new Map(SNIPPETS.map((snippet, index) => [snippet, results[index]]));
}, 120_000);

function ruleIds(code: string, filePath: string): string[] {
  const snippet = SNIPPETS.find((candidate) => candidate.code === code && candidate.filePath === filePath);
  if (snippet === undefined) throw new Error(`not linted: ${filePath}`);
  return verdicts.get(snippet)!;
}

describe('the algorithm cores stay sans-I/O', () => {
  const cores = ['libs/clock/src/planted.ts', 'libs/mutex/src/planted.ts', 'libs/election/src/planted.ts'];

  it.each([
    ["import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n", 'no-restricted-imports'],
    ["import { Metadata } from '@grpc/grpc-js';\nexport const metadata = new Metadata();\n", 'no-restricted-imports'],
    ["import { startPeer } from '@distlab/peer';\nexport const start = startPeer;\n", 'no-restricted-imports'],
    ['export const nowMs = () => Date.now();\n', 'no-restricted-properties'],
    ['export const nowMs = () => performance.now();\n', 'no-restricted-properties'],
    ['export const draw = () => Math.random();\n', 'no-restricted-properties'],
    ['export const later = (run: () => void) => setTimeout(run, 10);\n', 'no-restricted-globals'],
    ['export const every = (run: () => void) => setInterval(run, 10);\n', 'no-restricted-globals'],
  ])('refuses %j in every core', async (code, rule) => {
    for (const file of cores) expect(await ruleIds(code, file)).toContain(rule);
  });

  it('allows the same code in a driver', async () => {
    expect(
      await ruleIds('export const nowMs = () => Date.now() + Math.random();\n', 'apps/peer/src/planted.ts'),
    ).toEqual([]);
  });
});

describe("the peer's messaging layer imports no feature", () => {
  it.each(['../mutex/mutex-driver', '../election/election-driver', '../chaos/chaos-service', '../peer-server'])(
    'refuses an import of %s from apps/peer/src/messaging',
    async (feature) => {
      const code = `import * as feature from '${feature}';\nexport const used = feature;\n`;
      expect(await ruleIds(code, 'apps/peer/src/messaging/planted.ts')).toContain('no-restricted-imports');
    },
  );

  it('allows its own files and libraries, and lets features import it', async () => {
    const own =
      "import { PeerLinks } from './peer-links';\nimport { Code } from '@distlab/grpc-kit';\nexport { PeerLinks, Code };\n";
    expect(await ruleIds(own, 'apps/peer/src/messaging/planted.ts')).toEqual([]);
    const feature = "import { PeerLinks } from '../messaging';\nexport { PeerLinks };\n";
    expect(await ruleIds(feature, 'apps/peer/src/mutex/planted.ts')).toEqual([]);
  });
});
