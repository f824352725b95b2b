import { BatchFailure, NaturalBatches } from './natural-batches';

/** A batch runner whose batches the test ends by hand, recording what went together. */
function gated() {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const run = async (requests: string[]) => {
    batches.push(requests);
    await new Promise<void>((open) => gates.push(open));
    return requests.map((r) => (r.startsWith('bad') ? new BatchFailure(new Error(r)) : `done ${r}`));
  };
  const openNext = async () => {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, run, openNext };
}

const streamOf = (request: string) => request.split('#')[0]!;

describe('natural batches (group commit)', () => {
  it('sends a lone request at once, and what comes while it is in flight together in the next batch', async () => {
    const { batches, run, openNext } = gated();
    const batcher = new NaturalBatches(run, streamOf);
    const first = batcher.submit('a');
    expect(batches).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((r) => batcher.submit(r));
    expect(batches).toHaveLength(1);
    await openNext();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    await openNext();
    expect(await first).toBe('done a');
    expect(await Promise.all(later)).toEqual(['done b', 'done c', 'done d']);
  });

  it('never puts two requests with one key in a batch: they go one after the other, in the order asked', async () => {
    const { batches, run, openNext } = gated();
    const batcher = new NaturalBatches(run, streamOf);
    const all = ['x#1', 's#1', 's#2', 't#1', 's#3'].map((r) => batcher.submit(r));
    for (let i = 0; i < 4; i++) await openNext();
    await Promise.all(all);
    expect(batches).toEqual([['x#1'], ['s#1', 't#1'], ['s#2'], ['s#3']]);
  });

  it("fails only the requests the batch says failed, and a batch that throws fails its own requests, not the next batch's", async () => {
    let calls = 0;
    const batcher = new NaturalBatches<string, string>(async (requests) => {
      calls++;
      if (requests.includes('boom')) throw new Error('server away');
      return requests.map((r) => (r === 'bad' ? new BatchFailure(new Error('refused')) : r));
    }, streamOf);
    const outcomes = await Promise.allSettled([
      batcher.submit('boom'),
      batcher.submit('ok'),
      batcher.submit('bad'),
      batcher.submit('fine'),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'server away',
      'ok',
      'refused',
      'fine',
    ]);
    expect(calls).toBe(2);
  });

  it('keeps a batch within its size; the rest wait for the next', async () => {
    const { batches, run, openNext } = gated();
    const batcher = new NaturalBatches(run, streamOf, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((r) => batcher.submit(r));
    for (let i = 0; i < 3; i++) await openNext();
    await Promise.all(all);
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });
});
