import { MultipleErrors, NetworkError } from '@platformatic/kafka';
import { failureKind } from './failures';

/** What @platformatic/kafka's admin throws while no broker answers (its shape as seen against a closed port). */
function listingTopicsWhileNoBroker(): Error {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
  const network = () => new NetworkError('Connection to 127.0.0.1:9092 failed.', { cause: refused });
  const anyBroker = () => new MultipleErrors('Cannot connect to any broker.', [network()]);
  const metadata = new MultipleErrors('metadata failed 2 times.', [anyBroker(), anyBroker()]);
  return new MultipleErrors('Listing topics failed.', [metadata]);
}

describe('failureKind: the broker away is transient, whichever client says so', () => {
  it('a @platformatic/kafka "Listing topics failed." while no broker answers (the errors inside, not a cause)', () => {
    expect(failureKind(listingTopicsWhileNoBroker())).toBe('transient');
  });

  it('the topic plan giving up on it ("listing topics failed: ...", the client error as cause): still transient', () => {
    const gaveUp = new Error('listing topics failed: Listing topics failed.', {
      cause: listingTopicsWhileNoBroker(),
    });
    expect(failureKind(gaveUp)).toBe('transient');
  });

  it('a client error the client itself marks retriable (canRetry) is transient', () => {
    expect(failureKind(new NetworkError('Connection to 127.0.0.1:9092 closed.'))).toBe('transient');
  });

  it('several errors of which one is not the world (a bug among refusals): not transient', () => {
    const mixed = new MultipleErrors('Listing topics failed.', [
      new NetworkError('Connection failed.'),
      new TypeError('x is not a function'),
    ]);
    expect(failureKind(mixed)).toBe('unknown');
  });

  it('an authentication failure (canRetry false) is not transient', () => {
    const auth = new MultipleErrors('Listing topics failed.', [
      Object.assign(new Error('SASL authentication failed'), { canRetry: false }),
    ]);
    expect(failureKind(auth)).not.toBe('transient');
  });
});
