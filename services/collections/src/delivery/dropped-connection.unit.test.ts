import { EventEmitter } from 'node:events';
import { BusinessClock, CompanySigner, type ServiceContext } from '@ar/platform';
import { recordingChannel } from './channels';
import { DeliveryWorker } from './queue';

/**
 * PostgreSQL gone while the delivery worker holds its connection (a restart, a failover): pg
 * emits 'error' on the checked-out client from the socket, outside any query. Unheard, that
 * event ends the process (several-instances: collections#1 exited during a PostgreSQL restart).
 * The worker's run fails instead, and the broken connection is never handed out again.
 */
class DroppedConnection extends EventEmitter {
  readonly released: (boolean | Error | undefined)[] = [];
  async query(sql: string) {
    if (sql === 'begin') return { rows: [] };
    // The server goes away while the select waits: the socket's 'error' comes on its own tick.
    setImmediate(() => this.emit('error', new Error('Connection terminated unexpectedly')));
    await new Promise((resolve) => setTimeout(resolve, 10));
    throw new Error('Connection terminated unexpectedly');
  }
  release(broken?: boolean | Error) {
    this.released.push(broken);
  }
}

describe('the delivery worker when PostgreSQL drops its connection', () => {
  it('fails the run, does not end the process, and never hands the connection out again', async () => {
    const client = new DroppedConnection();
    const ctx = {
      pool: { connect: async () => client },
      clock: new BusinessClock('2026-03-02'),
    } as unknown as ServiceContext;
    const worker = new DeliveryWorker(ctx, {
      email: recordingChannel,
      retryBaseMs: 100,
      retryMaxDelayMs: 1_000,
      maxAttempts: 3,
      pollMs: 50,
      company: 'Acme Manufacturing Ltd',
      font: undefined as never,
      signer: CompanySigner.generate(),
    });

    await expect(worker.deliverDue()).rejects.toThrow('Connection terminated unexpectedly');
    expect(client.released).toEqual([true]);
  });
});
