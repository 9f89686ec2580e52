import { formatDuration, normalisePath, parseGoDuration, safeRepoUrl } from '../../../../src/gitops/owner/index.js';
import { fluxRevisionCommit } from '../../../../src/gitops/owner/index.js';

test('Go durations as Flux writes intervals', () => {
  expect(parseGoDuration('10m')).toBe(600_000);
  expect(parseGoDuration('1m30s')).toBe(90_000);
  expect(parseGoDuration('1h0m0s')).toBe(3_600_000);
  expect(parseGoDuration('1.5h')).toBe(5_400_000);
  expect(parseGoDuration('500ms')).toBe(500);
  expect(parseGoDuration('0')).toBe(0);
  for (const bad of ['', '10', '10 m', 'm', '-1m', '1d', 10, null, undefined, {}, '1m' + 'x', '9'.repeat(100) + 's']) expect(parseGoDuration(bad)).toBeUndefined();
});

test('durations back to the short form', () => {
  expect(formatDuration(600_000)).toBe('10m');
  expect(formatDuration(90_000)).toBe('1m30s');
  expect(formatDuration(3_600_000)).toBe('1h');
  expect(formatDuration(3_661_000)).toBe('1h1m1s');
  expect(formatDuration(5000)).toBe('5s');
  expect(formatDuration(250)).toBe('250ms');
});

test('repository URLs lose credentials, never the repository', () => {
  expect(safeRepoUrl('https://github.com/acme/fleet')).toBe('https://github.com/acme/fleet');
  expect(safeRepoUrl('https://x-access-token:ghs_abc@github.com/acme/fleet.git')).toBe('https://github.com/acme/fleet.git');
  expect(safeRepoUrl('https://user@gitlab.com/acme/fleet?private_token=glpat-1#frag')).toBe('https://gitlab.com/acme/fleet');
  expect(safeRepoUrl('ssh://git:pw@github.com/acme/fleet')).toBe('ssh://github.com/acme/fleet');
  expect(safeRepoUrl('git@github.com:acme/fleet.git')).toBe('git@github.com:acme/fleet.git');
  expect(safeRepoUrl('user:secret@host:acme/fleet.git')).toBe('host:acme/fleet.git');
  expect(safeRepoUrl('oci://ghcr.io/acme/manifests')).toBe('oci://ghcr.io/acme/manifests');
  expect(safeRepoUrl('https://a:b@[bad')).toBe('https://[bad');
  for (const bad of ['', '   ', 7, null, 'https://x/\nInjected: yes', 'h'.repeat(3000)]) expect(safeRepoUrl(bad)).toBeUndefined();
});

test('paths: ./ and trailing / stripped, the root is empty, climbing out kept visible', () => {
  expect(normalisePath('./apps/web/')).toBe('apps/web');
  expect(normalisePath('apps//web')).toBe('apps/web');
  expect(normalisePath('./')).toBe('');
  expect(normalisePath('.')).toBe('');
  expect(normalisePath('/')).toBe('');
  expect(normalisePath(undefined)).toBe('');
  expect(normalisePath('/clusters/prod')).toBe('clusters/prod');
  expect(normalisePath('./a/../../etc')).toBe('../etc');
  expect(normalisePath(['a'])).toBeUndefined();
  expect(normalisePath('a\u0000b')).toBeUndefined();
});

test('Flux revisions to the commit', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';
  expect(fluxRevisionCommit(`main@sha1:${sha}`)).toBe(sha);
  expect(fluxRevisionCommit(`refs/heads/main@sha1:${sha}`)).toBe(sha);
  expect(fluxRevisionCommit(`sha1:${sha}`)).toBe(sha);
  expect(fluxRevisionCommit(`main/${sha}`)).toBe(sha);
  expect(fluxRevisionCommit(sha.toUpperCase())).toBe(sha);
  for (const bad of ['latest@sha256:' + 'a'.repeat(64), 'main@sha1:abc', '', 5, null, 'x'.repeat(10_000)]) expect(fluxRevisionCommit(bad)).toBeUndefined();
});
