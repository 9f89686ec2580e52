import { ESLint, type Linter } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import tseslint from 'typescript-eslint';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The repository's own rule for runbooks/, without the type-aware rules (which need the whole program). */
async function runbookRules(): Promise<Linter.Config[]> {
  // Plain JavaScript without declarations: imported by URL, typed here.
  const { default: config } = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { default: Linter.Config[] };
  const block = config.find((c) => c.files?.includes('runbooks/**/*.ts'));
  if (!block) throw new Error('eslint.config.js has no block for runbooks/**/*.ts');
  return [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, block];
}

async function lint(code: string, file = 'runbooks/example.ts'): Promise<string[]> {
  const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: await runbookRules(), cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => `${m.line}: ${m.message}`);
}

describe('eslint: what a runbook may import', () => {
  it('flags the Kubernetes client, Redis, BullMQ, Slack and Drover internals', async () => {
    const messages = await lint(
      [
        "import { KubeConfig } from '@kubernetes/client-node';",
        "import { Redis } from 'ioredis';",
        "import { Queue } from 'bullmq';",
        "import { WebClient } from '@slack/web-api';",
        "import { createDrover } from '../src/app.js';",
        "import { x } from 'drover/dist/src/app.js';",
        'export default [KubeConfig, Redis, Queue, WebClient, createDrover, x];',
      ].join('\n'),
    );
    expect(messages).toHaveLength(6);
    expect(messages[0]).toMatch(/^1: .*ctx\.k8s/);
    expect(messages[1]).toMatch(/^2: .*Redis/);
    expect(messages[2]).toMatch(/^3: .*queue/);
    expect(messages[3]).toMatch(/^4: .*ctx\.report/);
    expect(messages[4]).toMatch(/^5: .*'drover'/);
    expect(messages[5]).toMatch(/^6: .*'drover\/testing'/);
  });

  it("lets a runbook import 'drover' and its test 'drover/testing'", async () => {
    expect(await lint("import { defineRunbook, z } from 'drover';\nexport default [defineRunbook, z];")).toEqual([]);
    expect(await lint("import { runbookHarness } from 'drover/testing';\nimport test from 'node:test';\nexport default [runbookHarness, test];", 'runbooks/example.test.ts')).toEqual([]);
  });
});
