// Lints code snippets as if each stood at its own path of the workspace, with the workspace's eslint.config.mjs, and
// prints the rule ids each one broke as JSON. Read from stdin: [{ "code": "...", "filePath": "libs/mutex/src/x.ts" }].
// A separate process because ESLint loads its flat config with a dynamic import, which Jest's VM cannot run.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const workspace = resolve(import.meta.dirname, '../../..');
const snippets = JSON.parse(await new Response(process.stdin).text());
const eslint = new ESLint({ cwd: workspace });
const results = [];
for (const { code, filePath } of snippets) {
  const [result] = await eslint.lintText(code, { filePath: resolve(workspace, filePath) });
  results.push(result.messages.map((message) => message.ruleId ?? `fatal: ${message.message}`));
}
process.stdout.write(JSON.stringify(results));
