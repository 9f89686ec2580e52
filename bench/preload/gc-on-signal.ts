// Preloaded into the Drover processes under test (node --expose-gc --import):
// on SIGUSR2, collect garbage and write process.memoryUsage() to
// $BENCH_MEMORY_DIR/<pid>.json; when $BENCH_MEMORY_DIR/<pid>.want-snapshot
// exists, write a heap snapshot too (its path goes in the JSON).
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.BENCH_MEMORY_DIR;
const collect = (globalThis as { gc?: () => void }).gc;

if (dir && collect) {
  process.on('SIGUSR2', () => {
    collect();
    collect();
    // Read before a snapshot is written: writing one costs memory of its own.
    const usage = process.memoryUsage();
    const wanted = `${dir}/${process.pid}.want-snapshot`;
    let snapshot: string | undefined;
    if (existsSync(wanted)) {
      rmSync(wanted, { force: true });
      snapshot = writeHeapSnapshot(`${dir}/${process.pid}-${Date.now()}.heapsnapshot`);
    }
    const report = { ...usage, ...(snapshot ? { snapshot } : {}) };
    const file = `${dir}/${process.pid}.json`;
    writeFileSync(`${file}.tmp`, JSON.stringify(report));
    renameSync(`${file}.tmp`, file);
  });
}
