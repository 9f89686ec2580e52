// The fleet benchmark's simulated clusters: s0001, s0002, … (agent cluster names, DNS labels).
export const clusterName = (n: number): string => `s${String(n).padStart(4, '0')}`;

/** Labels as `drover agent token create --label` would give them: half in each region, all stores. */
export const clusterLabels = (n: number): Record<string, string> => ({ region: n % 2 ? 'eu' : 'us', tier: 'store' });
