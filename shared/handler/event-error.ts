import type { Outcome } from '../contract';

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
