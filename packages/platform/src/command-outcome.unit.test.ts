import { ConcurrencyConflict, DependencyUnavailable, RuleViolation, StateConflict } from '@ar/kernel';
import { commandOutcome } from './aggregate';

/** ar_commands_total's outcome: what the caller was answered, in the metric's documented words. */
describe('a command that threw counts as', () => {
  it('conflict when it answers 409: the same Idempotency-Key with other facts, a state conflict', () => {
    expect(commandOutcome(new StateConflict('ALREADY_EXISTS', 'the id exists with other facts'))).toBe(
      'conflict',
    );
  });
  it('conflict when the stream moved under it beyond the retries', () => {
    expect(commandOutcome(new ConcurrencyConflict('invoice-1', 3))).toBe('conflict');
  });
  it('rejected when a rule refuses it (422)', () => {
    expect(commandOutcome(new RuleViolation('NEGATIVE', 'a counter only goes up'))).toBe('rejected');
  });
  it('unavailable when a dependency is down (503)', () => {
    expect(commandOutcome(new DependencyUnavailable('UNAVAILABLE', 'credit-scoring did not answer'))).toBe(
      'unavailable',
    );
  });
  it('failed for anything else (a bug, 500)', () => {
    expect(commandOutcome(new TypeError('x is not a function'))).toBe('failed');
  });
});
