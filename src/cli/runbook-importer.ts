import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { cachedRunbookImporter } from '../runbook/runbook-cache.js';
import type { ModuleImporter } from '../runbook/registry.js';

/** How this process loads runbooks: compiled once into the configured cache (`runbooks.cacheDir`). */
export function runbookImporter(config: Config, cwd: string, warn: (message: string) => void): ModuleImporter {
  return cachedRunbookImporter({
    ...(config.runbooks.cacheDir ? { dir: resolve(cwd, config.runbooks.cacheDir) } : {}),
    warn,
  });
}
