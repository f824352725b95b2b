import { agingBuckets, bucketOf } from './buckets';

describe('aging buckets', () => {
  const buckets = agingBuckets();

  it('has the default buckets: not yet due, 1-30, 31-60, 61-90, 91-180, 180+', () => {
    expect(buckets.map((b) => b.label)).toEqual(['current', '1-30', '31-60', '61-90', '91-180', '180+']);
  });

  it.each([
    [-5, 'current'],
    [0, 'current'],
    [1, '1-30'],
    [30, '1-30'],
    [31, '31-60'],
    [90, '61-90'],
    [91, '91-180'],
    [180, '91-180'],
    [181, '180+'],
  ])('puts %i days past due in %s', (days, label) => {
    expect(bucketOf(days, buckets).label).toBe(label);
  });

  it('takes configured bounds', () => {
    expect(agingBuckets([15, 45]).map((b) => b.label)).toEqual(['current', '1-15', '16-45', '45+']);
  });

  it('refuses bounds that do not increase', () => {
    expect(() => agingBuckets([30, 30])).toThrow(/increasing/);
  });
});
