/**
 * npm run chart:schema: writes helm/drover/values.schema.json from
 * scripts/chart-schema.values.ts (the chart's values, and Drover's own zod
 * schemas for `config` and `policy`). A test fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartValuesSchemaText } from './chart-schema.values.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'helm', 'drover', 'values.schema.json');
writeFileSync(file, chartValuesSchemaText());
process.stdout.write(`wrote ${file}\n`);
