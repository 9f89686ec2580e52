import { applyMergePatch, applyStrategicMergePatch } from '../../../src/testing/k8s-fake/merge-patch.js';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.26',
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            args: ['--a', '--b'],
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
          },
          { name: 'sidecar', image: 'envoy:1' },
        ],
      },
    },
  },
};

describe('JSON merge patch (RFC 7386)', () => {
  test('merges maps, deletes with null, replaces lists', () => {
    const out = applyMergePatch(deployment, {
      metadata: { labels: { tier: null, canary: 'yes' } },
      spec: { replicas: 5, template: { spec: { containers: [{ name: 'only' }] } } },
    });
    expect(out).toMatchObject({ metadata: { labels: { app: 'web', canary: 'yes' } }, spec: { replicas: 5 } });
    expect((out as typeof deployment).metadata.labels).not.toHaveProperty('tier');
    expect((out as typeof deployment).spec.template.spec.containers).toEqual([{ name: 'only' }]);
  });

  test('a non-object patch replaces the document', () => {
    expect(applyMergePatch({ a: 1 }, [1, 2])).toEqual([1, 2]);
  });
});

describe('strategic merge patch', () => {
  type Container = (typeof deployment.spec.template.spec.containers)[number] & Record<string, unknown>;
  const containersOf = (obj: unknown): Container[] => (obj as typeof deployment).spec.template.spec.containers;

  test('merges containers by name and env by name, keeps the rest', () => {
    const out = applyStrategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }] }] } } },
    });
    const [web, sidecar] = containersOf(out);
    expect(web?.image).toBe('nginx:1.27');
    expect(web?.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
    expect(web?.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(sidecar).toEqual({ name: 'sidecar', image: 'envoy:1' });
  });

  test('merges ports by containerPort and volumeMounts by mountPath; plain lists are replaced', () => {
    const out = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }],
                volumeMounts: [{ mountPath: '/cache', readOnly: true }],
                args: ['--c'],
              },
            ],
          },
        },
      },
    });
    const [web] = containersOf(out);
    expect(web?.ports).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
    expect(web?.volumeMounts).toEqual([{ name: 'cache', mountPath: '/cache', readOnly: true }]);
    expect(web?.args).toEqual(['--c']);
  });

  test('$patch: delete removes a keyed element, $patch: replace replaces a map', () => {
    const out = applyStrategicMergePatch(deployment, {
      metadata: { labels: { $patch: 'replace', only: 'this' } },
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
    });
    expect((out as typeof deployment).metadata.labels).toEqual({ only: 'this' });
    expect(containersOf(out).map((c) => c.name)).toEqual(['web']);
  });

  test('null deletes a field, as in a merge patch', () => {
    const out = applyStrategicMergePatch({ spec: { unschedulable: true, podCIDR: 'x' } }, { spec: { unschedulable: null } });
    expect(out).toEqual({ spec: { podCIDR: 'x' } });
  });

  test('a keyed-list element without its merge key is rejected', () => {
    expect(() => applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } })).toThrow(
      /does not contain declared merge key: name/,
    );
  });
});
