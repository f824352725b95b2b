import { csvCell, csvLine } from './csv';

describe('CSV cells a spreadsheet cannot run (OWASP CSV injection)', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1+cmd', `"'+1+cmd"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tTAB', `"'\tTAB"`],
    ['\rCR', `"'\rCR"`],
  ])(
    'prefixes a text starting with a formula character with a quote, and quotes the cell: %j',
    (text, cell) => {
      expect(csvCell(text)).toBe(cell);
    },
  );

  it('leaves plain text and numbers as they are, quotes separators, writes nothing for null', () => {
    expect(csvCell('Acme Machinery')).toBe('Acme Machinery');
    expect(csvCell('Acme, Inc. "East"')).toBe('"Acme, Inc. ""East"""');
    expect(csvCell(-250_000)).toBe('-250000');
    expect(csvCell('2026-03-15')).toBe('2026-03-15');
    expect(csvCell(null)).toBe('');
    expect(csvLine(['=1+1', 12, null, 'x'])).toBe(`"'=1+1",12,,x`);
  });
});
