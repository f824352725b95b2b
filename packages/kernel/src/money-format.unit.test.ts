import { formatMoney, minorUnitsOf } from './money';

describe('amounts as a person reads them', () => {
  it('knows each currency by its ISO 4217 minor units', () => {
    expect(minorUnitsOf('CNY')).toBe(2);
    expect(minorUnitsOf('JPY')).toBe(0);
    expect(minorUnitsOf('KWD')).toBe(3);
  });

  it('quotes a JPY invoice of 123,457 yen as 123,457 yen, not 1234.57', () => {
    expect(formatMoney(123_457, 'JPY')).toBe('JPY 123,457');
    expect(formatMoney(123_457, 'JPY', 'zh')).toBe('JPY 123,457');
  });

  it('quotes one fen as CNY 0.01, and three-decimal currencies to the fils', () => {
    expect(formatMoney(1, 'CNY')).toBe('CNY 0.01');
    expect(formatMoney(123_456_789, 'CNY')).toBe('CNY 1,234,567.89');
    expect(formatMoney(1_234, 'KWD')).toBe('KWD 1.234');
    expect(formatMoney(-150, 'EUR')).toBe('-EUR 1.50');
  });

  it('is exact for the largest amounts, where a float would round', () => {
    expect(formatMoney(9_007_199_254_740_991, 'CNY')).toBe('CNY 90,071,992,547,409.91');
  });
});
