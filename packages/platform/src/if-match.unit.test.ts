import { IfMatchHeaders, parseIfMatch } from './if-match';

const valid = (value: string) => IfMatchHeaders.safeParse({ 'if-match': value }).success;

describe('If-Match (RFC 9110 13.1.1, #15 probe F10)', () => {
  it('takes *, a version, and a list of versions, quoted or bare', () => {
    expect(parseIfMatch('*')).toBe('*');
    expect(parseIfMatch('"3"')).toEqual([3]);
    expect(parseIfMatch('3')).toEqual([3]);
    expect(parseIfMatch('"1", "2"')).toEqual([1, 2]);
    expect(parseIfMatch('"1",2 ,\t"999999999999999"')).toEqual([1, 2, 999_999_999_999_999]);
    for (const ok of ['*', '"3"', '3', '"1", "2"', ' "1" ,"2" '])
      expect({ ok, valid: valid(ok) }).toEqual({ ok, valid: true });
  });

  it('refuses unbalanced quotes, a number no version is, weak tags, and empty members', () => {
    for (const bad of [
      '"3',
      '3"',
      '"100000000000000000000000"',
      '1e23',
      'W/"3"',
      '"1",',
      ',"1"',
      '"1" "2"',
      '*, "1"',
      '',
      '"-1"',
    ])
      expect({ bad, valid: valid(bad) }).toEqual({ bad, valid: false });
  });
});
