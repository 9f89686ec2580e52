/** Temporary repositories for the editor's tests: write files, run an edit, clean up. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DesiredStateSource, EditRequest, FieldChange, ObjectRef } from '../../../../src/gitops/types.js';

export interface Repo {
  root: string;
  write(files: Record<string, string>): void;
  cleanup(): void;
}

export function makeRepo(files: Record<string, string> = {}): Repo {
  const base = mkdtempSync(join(tmpdir(), 'drover-gitops-edit-'));
  const root = join(base, 'repo');
  mkdirSync(root);
  const repo: Repo = {
    root,
    write(more) {
      for (const [rel, text] of Object.entries(more)) {
        const abs = join(root, rel);
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, text);
      }
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
  repo.write(files);
  return repo;
}

export const WEB: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' };

export function replicas(value: unknown, from?: unknown): FieldChange {
  return { path: ['spec', 'replicas'], value, ...(from === undefined ? {} : { from }) };
}

export function request(over: Partial<EditRequest> & { source?: DesiredStateSource } = {}): EditRequest {
  return { object: WEB, fields: [replicas(5)], path: 'apps/web', source: { type: 'manifests' }, ...over };
}

/** A Deployment manifest with replicas written as `value` (raw YAML text), or without replicas when undefined. */
export function deployment(value?: string, name = 'web', namespace?: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:',
    ...(value === undefined ? [] : [`  replicas: ${value}`]),
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.27',
    '',
  ].join('\n');
}

/** Lines that differ between two texts of the same line count; throws when counts differ. */
export function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length) throw new Error(`line count changed: ${a.length} → ${b.length}`);
  return a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
}
