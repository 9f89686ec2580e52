/**
 * Edits a checked-out GitOps repository so that git says what a mutation
 * would set: finds where the field's winning value is written (a manifest, a
 * kustomize replicas entry or patch, a HelmRelease's values, a Helm values
 * file) and changes only that value's characters.
 */
import { DroverError } from '../../errors.js';
import type { EditRequest, EditResult, FieldChange, ObjectRef } from '../types.js';
import { applyPlace, valueAt } from './apply-place.js';
import { fieldName, valueFiles, valuesPathFor, valuesPlace } from './helm.js';
import { loadLayer } from './layers.js';
import { findObject, winningPlace } from './manifests.js';
import { noSource, RepoFiles } from './repo-files.js';
import { isScalarValue, type ScalarValue } from './scalar-text.js';
import { dotted, getPath } from './yaml-file.js';

export { renderDiff } from './diff.js';

function scalarOf(field: FieldChange): ScalarValue {
  if (!isScalarValue(field.value)) throw noSource(`${fieldName(field)}: only a single value (number, string, boolean) can be written to git.`);
  return field.value;
}

async function edit(root: string, request: EditRequest): Promise<EditResult> {
  const files = await RepoFiles.open(root);
  const dir = await files.ownerDir(request.path);
  const lines: string[] = [];
  const source = request.source;
  if (source.type === 'manifests' || source.type === 'helm-release') {
    const object: ObjectRef =
      source.type === 'manifests' ? request.object : { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', ...source.release };
    const found = await findObject(files, await loadLayer(files, dir), object, dir);
    for (const field of request.fields) {
      const value = scalarOf(field);
      let place;
      if (source.type === 'manifests') {
        place = await winningPlace(files, found, object, field.path, fieldName(field));
      } else {
        const where = (p: typeof field.path) => winningPlace(files, found, object, ['spec', 'values', ...p], `spec.values.${dotted(p)} (${fieldName(field)})`);
        const path = await valuesPathFor(request, field, async (p) => (await valueAt(files, await where(p))) !== undefined);
        place = await where(path);
      }
      lines.push((await applyPlace(files, place, value)).line);
    }
  } else {
    for (const field of request.fields) {
      const value = scalarOf(field);
      const list = await valueFiles(files, dir, source.valueFiles);
      const path = await valuesPathFor(request, field, (p) => Promise.resolve(list.some((e) => getPath(e.value, p) !== undefined)));
      lines.push((await applyPlace(files, valuesPlace(list, path, `${dotted(path)} (${fieldName(field)})`), value)).line);
    }
  }
  return { edits: files.changes(), lines };
}

/**
 * Writes `request.fields` into the repository checked out at `root` (in
 * memory: the caller writes `edits` and commits). Refuses, with
 * DroverError('gitops_no_source'), whatever it cannot change exactly.
 */
export async function editRepository(root: string, request: EditRequest): Promise<EditResult> {
  try {
    return await edit(root, request);
  } catch (err) {
    if (err instanceof DroverError) throw err;
    throw new DroverError('gitops_no_source', 'The GitOps repository could not be read or edited.', { cause: err });
  }
}
