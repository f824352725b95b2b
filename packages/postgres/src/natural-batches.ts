/**
 * Natural batching (group commit): one batch in flight at a time; what is asked meanwhile waits
 * and goes together in the next one. A lone request goes at once, as it would alone - batches
 * grow only with the load, so under load many requests share one round trip and idle latency
 * is unchanged. Requests with the same key never share a batch (two appends to one stream go
 * one after the other, in the order asked).
 */
export class NaturalBatches<Request, Result> {
  private readonly waiting: {
    request: Request;
    resolve(result: Result): void;
    reject(error: unknown): void;
  }[] = [];
  private inFlight = false;

  constructor(
    /** Runs one batch: per request, in order, its result or the error it ends with. */
    private readonly run: (requests: Request[]) => Promise<(Result | BatchFailure)[]>,
    private readonly keyOf: (request: Request) => string,
    private readonly maxSize = 256,
  ) {}

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (!this.inFlight) void this.next();
    });
  }

  private async next(): Promise<void> {
    const batch = this.take();
    if (batch.length === 0) return;
    this.inFlight = true;
    try {
      const results = await this.run(batch.map((w) => w.request)).catch((error: unknown) =>
        batch.map(() => new BatchFailure(error)),
      );
      batch.forEach((w, i) => {
        const result = results[i];
        if (result instanceof BatchFailure) w.reject(result.error);
        else w.resolve(result as Result);
      });
    } finally {
      this.inFlight = false;
      if (this.waiting.length > 0) void this.next();
    }
  }

  /** The oldest requests, one per key, up to the batch size; the rest wait their turn in order. */
  private take() {
    const keys = new Set<string>();
    const batch: typeof this.waiting = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.maxSize; ) {
      const key = this.keyOf(this.waiting[i]!.request);
      if (keys.has(key)) {
        i++;
        continue;
      }
      keys.add(key);
      batch.push(...this.waiting.splice(i, 1));
    }
    return batch;
  }
}

/** One request's failure within a batch that others may have survived. */
export class BatchFailure {
  constructor(readonly error: unknown) {}
}
