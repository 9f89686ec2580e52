#!/usr/bin/env node
// Marks dist/ as built now: bin/drover.js runs the compiled code unless a file in src/ is newer than this.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
