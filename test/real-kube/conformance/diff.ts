/** Field-by-field differences between two normalised JSON values, as paths. */
export interface Difference {
  /** `status`, `body.details.causes[0].message`, `body.spec.tolerations`... */
  path: string;
  fake: unknown;
  real: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function differences(fake: unknown, real: unknown, path = ''): Difference[] {
  if (isRecord(fake) && isRecord(real)) {
    const keys = [...new Set([...Object.keys(real), ...Object.keys(fake)])];
    return keys.flatMap((k) => differences(fake[k], real[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(fake) && Array.isArray(real) && fake.length === real.length) {
    return fake.flatMap((item, i) => differences(item, real[i], `${path}[${i}]`));
  }
  return JSON.stringify(fake) === JSON.stringify(real) ? [] : [{ path, fake, real }];
}
