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

  it('appends 100,000 items in linear time', () => {
    const started = performance.now();
    let list = AppendOnlyList.empty<number>();
    for (let i = 0; i < 100_000; i++) list = list.append(i);
    expect(list.length).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(200);
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
