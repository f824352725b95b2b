import { AppendOnlyList } from './append-only-list';

describe('append-only list', () => {
  it('appends without changing the list it came from', () => {
    const empty = AppendOnlyList.empty<string>();
    const one = empty.append('a');
    const two = one.append('b');
    expect([...empty]).toEqual([]);
    expect([...one]).toEqual(['a']);
    expect([...two]).toEqual(['a', 'b']);
    expect(one.includes('b')).toBe(false);
    expect(two.includes('b')).toBe(true);
  });

  it('keeps two lists appended from the same one apart', () => {
    const base = AppendOnlyList.from(['a']);
    const left = base.append('l');
    const right = base.append('r');
    const further = left.append('l2');
    expect([...base]).toEqual(['a']);
    expect([...left]).toEqual(['a', 'l']);
    expect([...right]).toEqual(['a', 'r']);
    expect([...further]).toEqual(['a', 'l', 'l2']);
    expect(right.includes('l')).toBe(false);
    expect(left.includes('r')).toBe(false);
  });

  // Linear time without a clock (a timed assertion failed at 586 ms against 200 on a loaded CI
  // machine): appending to the longest list copies nothing; only a second way from an older one does.
  it('appends 100,000 items without copying the items before, and copies once for a branch', () => {
    const copies = jest.spyOn(Array.prototype, 'slice');
    try {
      let list = AppendOnlyList.empty<number>();
      for (let i = 0; i < 100_000; i++) list = list.append(i);
      expect(list.length).toBe(100_000);
      expect(copies).not.toHaveBeenCalled();
      const older = AppendOnlyList.from([1, 2]);
      older.append(3);
      older.append(4);
      expect(copies).toHaveBeenCalledTimes(1);
    } finally {
      copies.mockRestore();
    }
  });

  it('is an array as JSON, and equal to a list of the same items', () => {
    const grown = AppendOnlyList.from([1]).append(2);
    grown.append(3); // the array behind `grown` now holds a third item, which it does not see
    expect(JSON.stringify({ list: grown })).toBe('{"list":[1,2]}');
    expect(AppendOnlyList.from(JSON.parse(JSON.stringify(grown)))).toEqual(grown);
    expect(grown).toEqual(AppendOnlyList.from([1, 2]));
    expect(grown).not.toEqual(AppendOnlyList.from([1, 3]));
  });
});
