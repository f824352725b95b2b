/**
 * A list for a decider's state that grows with its stream (every payment behaviour a customer
 * ever had). Copying an array on each event makes folding a stream quadratic: 20,000 events took
 * seconds. `append` instead extends the array it shares with the state it came from, in place,
 * and copies only when an older state is evolved a second way (a decide on a state that was
 * already evolved further). Each list sees its own first `length` items and no others, so
 * `evolve` stays pure: no state ever sees what was appended after it.
 * As JSON it is an array; `AppendOnlyList.from` takes one back.
 */
export class AppendOnlyList<T> implements Iterable<T> {
  /** Shared by the lists appended from one another; only the longest may extend it in place. */
  readonly #items: T[];
  readonly length: number;

  private constructor(items: T[], length: number) {
    this.#items = items;
    this.length = length;
  }

  static empty<T>(): AppendOnlyList<T> {
    return new AppendOnlyList<T>([], 0);
  }

  static from<T>(items: Iterable<T>): AppendOnlyList<T> {
    const copy = [...items];
    return new AppendOnlyList(copy, copy.length);
  }

  append(item: T): AppendOnlyList<T> {
    // The longest list of its array is the only one whose length is the array's.
    const items = this.#items.length === this.length ? this.#items : this.#items.slice(0, this.length);
    items.push(item);
    return new AppendOnlyList(items, this.length + 1);
  }

  includes(item: T): boolean {
    const items = this.#items;
    for (let i = 0; i < this.length; i++) if (items[i] === item) return true;
    return false;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.#items[i]!;
  }

  toArray(): T[] {
    return this.#items.slice(0, this.length);
  }

  toJSON(): T[] {
    return this.toArray();
  }
}
