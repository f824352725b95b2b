/**
 * Work on one key at a time, in the order it came (a stream's commands in one process). Different
 * commands on one stream at once each read it, decide and append at the version read: all but one
 * lose, run again and, after three losses, answer 409 for no reason of the caller's. Taking turns,
 * each reads the stream as the one before left it. A key with nothing waiting holds no memory.
 */
export class Turns {
  readonly #last = new Map<string, Promise<void>>();

  run<R>(key: string, work: () => Promise<R>): Promise<R> {
    const before = this.#last.get(key);
    // After the one before ends, however it ended: its failure is its caller's, not this one's.
    // A work that throws at once is a rejection too, whether or not another was before it.
    const mine = (before ?? Promise.resolve()).then(work);
    const ended = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#last.set(key, ended);
    void ended.then(() => {
      if (this.#last.get(key) === ended) this.#last.delete(key);
    });
    return mine;
  }

  /** How many keys have work running or waiting (for tests). */
  get busy(): number {
    return this.#last.size;
  }
}
