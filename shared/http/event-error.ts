import type { Outcome } from './outcomes';

/** A request that ends early with a given outcome (bad input, failed authentication, …). */
export class EventError extends Error {
  override readonly name = 'EventError';
  constructor(
    readonly outcome: Outcome,
    message: string,
  ) {
    super(message);
  }
}
