// `npm run bench:heap -- <file.heapsnapshot> [top]`: the constructors (and
// kinds) that fill a heap snapshot, by self size. `npm run bench -- memory --heap`
// writes snapshots of the processes under test and prints this for each.
import { describeHeap, summariseHeapSnapshot } from './support/heap-snapshot.js';

const [file, top = '15'] = process.argv.slice(2).filter((a) => a !== '--');
if (!file) {
  process.stderr.write('Usage: npm run bench:heap -- <file.heapsnapshot> [top]\n');
  process.exit(2);
}
const summary = summariseHeapSnapshot(file, Number(top));
process.stdout.write(`${file}: ${(summary.total / 1024 / 1024).toFixed(1)} MiB of objects (self sizes)\n${describeHeap(summary).join('\n')}\n`);
