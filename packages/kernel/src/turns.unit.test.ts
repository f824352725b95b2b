import { Turns } from './turns';

/** A piece of work that ends when told to, recording when it started. */
function held(started: string[], name: string) {
  let end!: (value: string) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  return {
    work: () => {
      started.push(name);
      return done;
    },
    end: () => end(name),
    fail: () => fail(new Error(name)),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('turns: work on one key at a time', () => {
  it('starts the work on a key only when the one before has ended, in the order it came', async () => {
    const turns = new Turns();
    const started: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => held(started, name));
    const results = [a, b, c].map((w) => turns.run('invoice-1', w!.work));
    await settle();
    expect(started).toEqual(['a']);
    a!.end();
    await settle();
    expect(started).toEqual(['a', 'b']);
    b!.end();
    c!.end();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
  });

  it('runs work on different keys side by side', async () => {
    const turns = new Turns();
    const started: string[] = [];
    const [a, b] = ['a', 'b'].map((name) => held(started, name));
    const results = [turns.run('invoice-1', a!.work), turns.run('invoice-2', b!.work)];
    await settle();
    expect(started).toEqual(['a', 'b']);
    a!.end();
    b!.end();
    await Promise.all(results);
  });

  it('gives a failure to its own caller and lets the next one run', async () => {
    const turns = new Turns();
    const started: string[] = [];
    const [a, b] = ['a', 'b'].map((name) => held(started, name));
    const first = turns.run('invoice-1', a!.work);
    const second = turns.run('invoice-1', b!.work);
    a!.fail();
    await expect(first).rejects.toThrow('a');
    await settle();
    expect(started).toEqual(['a', 'b']);
    b!.end();
    await expect(second).resolves.toBe('b');
  });

  it('answers a work that throws at once with a rejection, first in line or not', async () => {
    const turns = new Turns();
    const throwsAtOnce = () => {
      throw new Error('at once');
    };
    const first = turns.run('invoice-1', throwsAtOnce);
    const second = turns.run('invoice-1', throwsAtOnce);
    await expect(first).rejects.toThrow('at once');
    await expect(second).rejects.toThrow('at once');
    await expect(turns.run('invoice-1', async () => 'next')).resolves.toBe('next');
  });

  it('keeps nothing for a key once its work has ended', async () => {
    const turns = new Turns();
    await Promise.all(Array.from({ length: 100 }, (_, i) => turns.run(`invoice-${i % 10}`, async () => i)));
    await settle();
    expect(turns.busy).toBe(0);
  });
});
