/**
 * Typed refusals. The HTTP layer maps them to status codes; their messages are written for a
 * person ("credit frozen since 2026-03-02: new contracts refused").
 */
export class DomainError extends Error {
  /** A stable, machine-readable reason, e.g. `INVOICE_ALREADY_ISSUED`. */
  readonly code: string;
  /** The input field the refusal is about, when there is one. */
  readonly field: string | undefined;
  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
  }
}

/** The command is well formed but the aggregate's rules refuse it (422). */
export class RuleViolation extends DomainError {
  override readonly name = 'RuleViolation';
}

/** The command conflicts with the aggregate's current state, e.g. already exists (409). */
export class StateConflict extends DomainError {
  override readonly name = 'StateConflict';
}

/** The addressed entity does not exist (404). */
export class NotFound extends DomainError {
  override readonly name = 'NotFound';
}

/** Another writer appended to the stream since it was read (409 once retries are spent). */
export class ConcurrencyConflict extends Error {
  override readonly name: string = 'ConcurrencyConflict';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} changed concurrently (expected version ${expectedVersion})`);
  }
}

/**
 * The version a person edited (If-Match) is no longer the stream's: someone changed it since they
 * read it. HTTP's 412 Precondition Failed; never retried.
 */
export class PreconditionFailed extends ConcurrencyConflict {
  override readonly name = 'PreconditionFailed';
  constructor(
    streamId: string,
    readonly ifMatch: IfMatch,
    readonly actualVersion: number,
  ) {
    const versions = typeof ifMatch === 'number' ? [ifMatch] : ifMatch === '*' ? [] : ifMatch;
    super(streamId, versions[0] ?? -1);
    const asked =
      versions.length === 1
        ? `not the version ${versions[0]} of If-Match`
        : `not one of the versions ${versions.join(', ')} of If-Match`;
    this.message =
      ifMatch === '*'
        ? `${streamId} does not exist: If-Match * asks for any current version of it`
        : `${streamId} is at version ${actualVersion}, ${asked}: read it again and decide on what it is now`;
  }
}

/** What If-Match asks: a version, the versions of which one must be current, or `*` (any current version). */
export type IfMatch = number | readonly number[] | '*';

/** The caller's role may not do this, e.g. a tier override without the risk role (403). */
export class Forbidden extends DomainError {
  override readonly name = 'Forbidden';
}

/** A service this one depends on did not answer; try again later (503). */
export class DependencyUnavailable extends DomainError {
  override readonly name = 'DependencyUnavailable';
}
