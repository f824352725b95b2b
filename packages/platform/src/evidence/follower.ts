import {
  type AppendNotifier,
  claimCheckpoint,
  inTransaction,
  loadCheckpoint,
  type Migration,
  overwriteCheckpoint,
  type PostgresEventStore,
  StoreSubscription,
  withConnection,
} from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { type EvidencePart, type EvidenceRecord, missingRanges } from './bundle';
import {
  type ChainedEvent,
  type CheckpointBody,
  type CheckpointEntry,
  chainLink,
  checkpointHash,
  type FieldDigests,
  GENESIS,
  merkleProof,
  merkleRoot,
  type SignedCheckpoint,
} from './chain';
import type { CompanySigner } from './signer';
import type { CheckpointTimestamp } from './timestamp';

/**
 * The chain table and the signed checkpoints, in every service's own schema. One row per event of
 * the store, written by the chain follower moments after the append (never inside it: see
 * EvidenceChain).
 */
export const evidenceMigrations: Migration[] = [
  {
    id: 'evidence-001',
    sql: `
      create table evidence_chain (
        chain_seq bigint generated always as identity primary key,
        global_position bigint not null unique,
        stream_id text not null,
        version integer not null,
        prev_hash text not null,
        hash text not null,
        digests jsonb not null,
        chained_at timestamptz not null default now(),
        unique (stream_id, version)
      );
      create table evidence_checkpoints (
        seq integer primary key,
        up_to_chain_seq bigint not null,
        body jsonb not null,
        hash text not null,
        signature text not null,
        key_id text not null,
        created_at timestamptz not null default now()
      );
      create table evidence_checkpoint_entries (
        seq integer not null references evidence_checkpoints (seq),
        stream_id text not null,
        version integer not null,
        hash text not null,
        primary key (seq, stream_id)
      );
      create index evidence_checkpoint_entries_by_stream on evidence_checkpoint_entries (stream_id, version);
    `,
  },
  {
    // The RFC 3161 timestamp of a checkpoint, when a timestamp authority is configured (TSA_URL).
    id: 'evidence-002',
    sql: 'alter table evidence_checkpoints add column timestamp jsonb;',
  },
];

/** The stream a service's signed checkpoints are appended to (and published from, on the evidence topic). */
export const checkpointStream = (service: string) => `evidence-${service}`;

/** An event's columns as the chain hashes them (the recorded time to the microsecond, UTC). */
const eventColumns = (e = 'events') => `${e}.event_id::text as "eventId", ${e}.stream_id as "streamId",
  ${e}.stream_position as "version", ${e}.event_type as "type", ${e}.data, ${e}.metadata,
  to_char(${e}.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "recordedAt",
  ${e}.global_position::text as "globalPosition"`;

type EventRow = ChainedEvent & { globalPosition: string };

export interface EvidenceChainOptions {
  service: string;
  pool: Pool;
  schema: string;
  store: PostgresEventStore;
  notifier: AppendNotifier;
  logger: Logger;
  signer: CompanySigner;
  /** How often the chains' heads are checkpointed and signed (when something was chained since). */
  checkpointIntervalMs: number;
  /** An RFC 3161 timestamp of each checkpoint's hash (TSA_URL); a checkpoint goes without one when it fails. */
  timestamp?: ((sha256Hex: string) => Promise<CheckpointTimestamp>) | undefined;
  now?: () => Date;
}

/**
 * The tamper-evident trail (issue 18 item 4). A follower of the service's store, in global order
 * and under the platform's lease like the relay: for each event, hash = SHA-256(previous hash of
 * its stream || the event's canonical bytes), one row in `evidence_chain`. It runs beside the
 * append, moments after it, not inside it: the append is the command path's latency (issue 17),
 * and hashing there would serialise every writer of a stream on the previous hash. Every so often
 * the heads of the streams chained since the last checkpoint are signed with the company's key,
 * chained to the previous checkpoint, and appended as `EvidenceCheckpointSigned`, which the
 * evidence relay publishes.
 */
/**
 * At most this many chain rows (so heads) in one checkpoint: its event goes out on the broker,
 * which refuses a message above 1 MB (a head is ~100-170 bytes of JSON, its hash hardly
 * compresses). The first checkpoint after 26,573 invoices in a minute was 3.97 MB, and the
 * evidence relay tried it for ever. More chained since the last checkpoint: several in a row.
 */
export const MAX_STREAMS_PER_CHECKPOINT = 2_000;

export class EvidenceChain {
  readonly checkpointName = 'evidence:chain';
  private readonly subscription: StoreSubscription;
  private timer: NodeJS.Timeout | undefined;
  private checkpointing: Promise<unknown> = Promise.resolve();

  /** How often it signs a checkpoint: a bundle's manifest states it, for the verifier's bound on unanchored records. */
  get checkpointIntervalMs(): number {
    return this.options.checkpointIntervalMs;
  }

  constructor(private readonly options: EvidenceChainOptions) {
    this.subscription = new StoreSubscription({
      name: this.checkpointName,
      pool: options.pool,
      schema: options.schema,
      notifier: options.notifier,
      logger: options.logger,
      loadCheckpoint: () => loadCheckpoint(options.pool, this.checkpointName),
      handle: (events, from) =>
        inTransaction(options.pool, async (client) => {
          await claimCheckpoint(client, this.checkpointName, from);
          await chainEvents(
            client,
            events.map((e) => e.globalPosition.toString()),
          );
          await overwriteCheckpoint(client, this.checkpointName, events.at(-1)!.checkpoint);
        }),
    });
  }

  start(): void {
    this.subscription.start();
    this.timer = setInterval(() => {
      this.checkpointing = this.checkpointing
        .then(() => this.checkpoint())
        .catch((error) =>
          this.options.logger.warn({ err: error }, 'evidence checkpoint failed; tried again'),
        );
    }, this.options.checkpointIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpointing.catch(() => {});
    await this.subscription.stop();
  }

  /** Resolves once every event committed so far is chained. */
  caughtUp(): Promise<void> {
    return this.subscription.caughtUp();
  }

  /**
   * Signs the heads of every stream chained since the last checkpoint (none when nothing but the
   * checkpoints' own stream changed), chained to the previous checkpoint; appends it. More than
   * MAX_STREAMS_PER_CHECKPOINT rows chained since: several checkpoints in a row; the last returned.
   */
  async checkpoint(): Promise<SignedCheckpoint | undefined> {
    let last: SignedCheckpoint | undefined;
    for (;;) {
      const next = await this.signNext();
      if (!next) return last;
      last = next.signed;
      if (!next.more) return last;
    }
  }

  /** One checkpoint of at most MAX_STREAMS_PER_CHECKPOINT chain rows after the last one; `more` when it stopped at that bound. */
  private async signNext(): Promise<{ signed: SignedCheckpoint; more: boolean } | undefined> {
    const { pool, service, signer, store } = this.options;
    return inTransaction(pool, async (client) => {
      await client.query(
        `select pg_advisory_xact_lock(hashtextextended(current_schema() || '/evidence-checkpoint', 0))`,
      );
      const last = (
        await client.query<{ seq: number; up_to_chain_seq: string; hash: string }>(
          'select seq, up_to_chain_seq::text, hash from evidence_checkpoints order by seq desc limit 1',
        )
      ).rows[0];
      const after = last?.up_to_chain_seq ?? '0';
      const { rows: entries } = await client.query<CheckpointEntry & { chainSeq: string; rows: number }>(
        `with covered as (
           select chain_seq, stream_id, version, hash from evidence_chain
            where chain_seq > $1 order by chain_seq limit $2)
         select distinct on (stream_id) stream_id as "streamId", version, hash, chain_seq::text as "chainSeq",
                (select count(*) from covered)::int as rows
           from covered order by stream_id, version desc`,
        [after, MAX_STREAMS_PER_CHECKPOINT],
      );
      const own = checkpointStream(service);
      if (!entries.some((e) => e.streamId !== own)) return undefined;
      const heads = entries.map(({ streamId, version, hash }) => ({ streamId, version, hash }));
      // Format 2: the Merkle root of the heads is signed, so a bundle proves its own streams' heads
      // without showing the others' (each head is kept in evidence_checkpoint_entries).
      const body: CheckpointBody = {
        format: 2,
        service,
        seq: (last?.seq ?? 0) + 1,
        previousHash: last?.hash ?? GENESIS,
        createdAt: (this.options.now?.() ?? new Date()).toISOString(),
        upToChainSeq: entries.reduce((max, e) => Math.max(max, Number(e.chainSeq)), 0),
        streams: heads.length,
        merkleRoot: merkleRoot(heads),
      };
      const hash = checkpointHash(body);
      const timestamp = await this.options.timestamp?.(hash).catch((error) => {
        this.options.logger.warn(
          { err: error, seq: body.seq },
          'timestamp authority failed: checkpoint signed without a timestamp',
        );
        return undefined;
      });
      const signed: SignedCheckpoint = {
        body,
        hash,
        signature: signer.sign(Buffer.from(hash)),
        keyId: signer.keyId,
        ...(timestamp && { timestamp }),
      };
      await client.query(
        `insert into evidence_checkpoints (seq, up_to_chain_seq, body, hash, signature, key_id, timestamp)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          body.seq,
          body.upToChainSeq,
          JSON.stringify(body),
          hash,
          signed.signature,
          signed.keyId,
          timestamp ? JSON.stringify(timestamp) : null,
        ],
      );
      await client.query(
        `insert into evidence_checkpoint_entries (seq, stream_id, version, hash)
         select $1, e->>'streamId', (e->>'version')::int, e->>'hash' from jsonb_array_elements($2::jsonb) e`,
        [body.seq, JSON.stringify(heads)],
      );
      await store.appendToStream(
        own,
        [
          {
            type: 'EvidenceCheckpointSigned',
            data: {
              service,
              seq: body.seq,
              previousHash: body.previousHash,
              createdAt: body.createdAt,
              upToChainSeq: body.upToChainSeq,
              format: body.format,
              streams: body.streams,
              merkleRoot: body.merkleRoot,
              entries: heads,
              hash,
              signature: signed.signature,
              keyId: signed.keyId,
              algorithm: 'Ed25519',
              ...(timestamp && { timestamp }),
            },
          },
        ],
        {
          expectedVersion: body.seq - 1,
          metadata: { correlationId: `evidence:${service}:${body.seq}`, actor: 'evidence' },
        },
        client,
      );
      this.options.logger.info({ seq: body.seq, streams: body.streams }, 'evidence checkpoint signed');
      return { signed, more: entries[0]!.rows === MAX_STREAMS_PER_CHECKPOINT };
    });
  }
}

/**
 * Chains the events at these global positions, in the order given (the store's global order), in
 * three statements whatever their number: the events, the chain's head of each of their streams,
 * and one insert of every link (hashed here, each on its stream's previous one).
 */
export async function chainEvents(client: PoolClient, positions: string[]): Promise<void> {
  const { rows } = await client.query<EventRow>(
    `select ${eventColumns()} from events where global_position = any($1::bigint[])`,
    [positions],
  );
  const byPosition = new Map(rows.map((r) => [r.globalPosition, r]));
  // Each stream's head by its index, newest version first: the planner, guessing a share of the
  // table for "stream_id = any(...)" before the table's statistics exist, read every link (seq scan).
  const { rows: found } = await client.query<{ stream_id: string; hash: string }>(
    `select s.stream_id, h.hash from unnest($1::text[]) as s(stream_id)
       cross join lateral (select c.hash from evidence_chain c where c.stream_id = s.stream_id
                            order by c.version desc limit 1) h`,
    [[...new Set(rows.map((r) => r.streamId))]],
  );
  const heads = new Map(found.map((r) => [r.stream_id, r.hash]));
  const links: {
    position: string;
    streamId: string;
    version: number;
    prevHash: string;
    hash: string;
    digests: string;
  }[] = [];
  for (const position of positions) {
    const row = byPosition.get(position)!;
    const { globalPosition, ...event } = row;
    const link = chainLink(heads.get(event.streamId) ?? GENESIS, event);
    links.push({
      position: globalPosition,
      streamId: event.streamId,
      version: event.version,
      prevHash: link.prevHash,
      hash: link.hash,
      digests: JSON.stringify(link.digests),
    });
    heads.set(event.streamId, link.hash);
  }
  await client.query(
    `insert into evidence_chain (global_position, stream_id, version, prev_hash, hash, digests)
     select global_position, stream_id, version, prev_hash, hash, digests
       from unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::jsonb[])
       with ordinality as l(global_position, stream_id, version, prev_hash, hash, digests, n)
      order by n
     on conflict do nothing`,
    [
      links.map((l) => l.position),
      links.map((l) => l.streamId),
      links.map((l) => l.version),
      links.map((l) => l.prevHash),
      links.map((l) => l.hash),
      links.map((l) => l.digests),
    ],
  );
}

/**
 * A service's part of an evidence bundle: every event of these streams as stored now, each with
 * the chain row written when it was chained (an event edited in the database since no longer
 * matches its digests), the latest checkpoint naming each stream, and the documents its events name.
 */
export async function evidencePart(
  options: {
    service: string;
    pool: Pool;
    signer: CompanySigner;
    /** The document an event names by hash (a letter's PDF and signature), if the service keeps it. */
    documentOf?: (event: ChainedEvent) => Promise<{ content: Buffer; signature: string } | undefined>;
  },
  streamIds: string[],
): Promise<EvidencePart> {
  // Records and checkpoints read in one snapshot: a checkpoint signed between the two reads
  // would name a head the records do not reach, which the verifier refuses as a deletion.
  return withConnection(options.pool, async (client, markBroken) => {
    try {
      await client.query('begin isolation level repeatable read read only');
      return await readPart(options, client, streamIds);
    } finally {
      await client.query('rollback').catch(markBroken);
    }
  });
}

async function readPart(
  options: Parameters<typeof evidencePart>[0],
  pool: PoolClient,
  streamIds: string[],
): Promise<EvidencePart> {
  const { rows } = await pool.query<
    EventRow & {
      chainSeq: string | null;
      prevHash: string | null;
      hash: string | null;
      digests: FieldDigests | null;
    }
  >(
    `select ${eventColumns('e')},
            c.chain_seq::text as "chainSeq", c.prev_hash as "prevHash", c.hash, c.digests
       from events e left join evidence_chain c on c.global_position = e.global_position
      where e.stream_id = any($1) order by e.stream_id, e.stream_position`,
    [streamIds],
  );
  const records: EvidenceRecord[] = [];
  const documents: EvidencePart['documents'] = [];
  for (const row of rows) {
    // Not chained yet (appended a moment ago): left out, as it is not evidence yet.
    if (row.hash === null || row.prevHash === null || row.digests === null) continue;
    const { globalPosition, chainSeq, prevHash, hash, digests, ...event } = row;
    records.push({
      event,
      chain: { globalPosition, chainSeq: Number(chainSeq), prevHash, hash, digests },
    });
    if ((event.data as { document?: { sha256?: string } })?.document?.sha256 && options.documentOf) {
      const doc = await options.documentOf(event);
      if (doc)
        documents.push({
          streamId: event.streamId,
          version: event.version,
          contentBase64: doc.content.toString('base64'),
          signature: doc.signature,
        });
    }
  }
  // What the chain holds of these streams that the store no longer does (a stream deleted whole
  // leaves nothing in the records to show the gap): the part names it, and the verifier fails it.
  const { rows: gone } = await pool.query<{ streamId: string; version: number }>(
    `select c.stream_id as "streamId", c.version from evidence_chain c
      where c.stream_id = any($1)
        and not exists (select 1 from events e where e.global_position = c.global_position)
      order by c.stream_id, c.version`,
    [streamIds],
  );
  const { rows: checkpointRows } = await pool.query<{
    body: CheckpointBody;
    hash: string;
    signature: string;
    keyId: string;
    timestamp: CheckpointTimestamp | null;
  }>(
    `select c.body, c.hash, c.signature, c.key_id as "keyId", c.timestamp from evidence_checkpoints c
      where c.seq in (select max(seq) from evidence_checkpoint_entries where stream_id = any($1) group by stream_id)
      order by c.seq`,
    [streamIds],
  );
  // A format-2 checkpoint is carried with the inclusion proofs of these streams' heads only: the
  // other streams it signed (other customers' records) stay out of the bundle.
  const { rows: heads } = await pool.query<CheckpointEntry & { seq: number }>(
    `select seq, stream_id as "streamId", version, hash from evidence_checkpoint_entries where seq = any($1)`,
    [checkpointRows.filter((c) => 'merkleRoot' in c.body).map((c) => c.body.seq)],
  );
  const checkpoints: SignedCheckpoint[] = checkpointRows.map(({ timestamp, ...c }) => {
    if (!('merkleRoot' in c.body)) return { ...c, ...(timestamp && { timestamp }) };
    const signed = heads
      .filter((h) => h.seq === c.body.seq)
      .map(({ streamId, version, hash }) => ({ streamId, version, hash }));
    const proofs = [...new Set(streamIds)].flatMap((id) => merkleProof(signed, id) ?? []);
    return { ...c, ...(timestamp && { timestamp }), proofs };
  });
  // Every key its signatures name besides the current one (checkpoints and letters signed before a
  // rotation), as far as this service keeps them: one it lacks fails verification, naming it.
  const named = new Set([
    ...checkpoints.map((c) => c.keyId),
    ...records.map((r) => (r.event.data as { document?: { keyId?: unknown } } | null)?.document?.keyId),
  ]);
  const retiredKeys = [...named]
    .filter((id): id is string => typeof id === 'string' && id !== options.signer.keyId)
    .sort()
    .flatMap((keyId) => {
      const publicKeyPem = options.signer.publicKeyOf(keyId);
      return publicKeyPem ? [{ keyId, publicKeyPem }] : [];
    });
  return {
    service: options.service,
    publicKeyPem: options.signer.publicKeyPem,
    keyId: options.signer.keyId,
    development: options.signer.development,
    retiredKeys,
    records,
    checkpoints,
    documents,
    missing: missingRanges(gone),
  };
}
