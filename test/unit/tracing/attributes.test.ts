import * as semconv from '@opentelemetry/semantic-conventions';
import * as ours from '../../../src/tracing/attributes.js';

describe('span attribute names', () => {
  it('spell the stable semantic conventions exactly as the package does', () => {
    const stable = Object.entries(ours).filter(([name]) => name in semconv);
    expect(stable.length).toBeGreaterThanOrEqual(11);
    for (const [name, value] of stable) expect([name, value]).toEqual([name, (semconv as Record<string, unknown>)[name]]);
  });

  it('keep Drover\'s own under drover.*', () => {
    const own = Object.entries(ours).filter(([name]) => name.startsWith('ATTR_DROVER_'));
    expect(own.length).toBeGreaterThan(5);
    for (const [, value] of own) expect(value).toMatch(/^drover\.[a-z0-9_.]+$/);
  });
});
