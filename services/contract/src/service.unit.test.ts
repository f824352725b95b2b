import { creditScoringUrl } from './service';

/**
 * Where contract asks credit-scoring: an explicit CREDIT_SCORING_URL wins; otherwise credit-scoring
 * on this machine at the port it was given (CREDIT_SCORING_PORT, as `pnpm start` runs it with
 * moved ports), never a fixed :4101 where another deployment may answer.
 */
describe('contract finds credit-scoring', () => {
  it('at the default port when nothing is configured', () => {
    expect(creditScoringUrl({})).toBe('http://127.0.0.1:4101');
  });

  it("follows credit-scoring's configured port (embedded mode with moved ports)", () => {
    expect(creditScoringUrl({ CREDIT_SCORING_PORT: '46101', CONTRACT_PORT: '46102' })).toBe(
      'http://127.0.0.1:46101',
    );
  });

  it('an explicit CREDIT_SCORING_URL wins over the port', () => {
    expect(
      creditScoringUrl({ CREDIT_SCORING_URL: 'http://credit.internal:8080', CREDIT_SCORING_PORT: '46101' }),
    ).toBe('http://credit.internal:8080');
  });

  it('refuses a port that is not one, naming the variable', () => {
    expect(() => creditScoringUrl({ CREDIT_SCORING_PORT: 'eighty' })).toThrow(/CREDIT_SCORING_PORT/);
  });
});
