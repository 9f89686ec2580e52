import { seedDemo } from './seed.js';
import { buildTestDrover, type TestDrover } from './test-drover.js';

/** A test Drover with the demo namespace seeded in its fake cluster and its worker started; the caller closes it. */
export async function startDemoDrover(): Promise<TestDrover> {
  const t = await buildTestDrover();
  seedDemo(t.fake);
  await t.drover.startWorker();
  return t;
}
