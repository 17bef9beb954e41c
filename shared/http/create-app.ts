/** The HTTP surface of a function: POST / for events, health, readiness and metrics. */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { toDeadLetter } from '../dead-letters/dead-letter';
import type { DeadLetterRecorder } from '../dead-letters/secret-store';
import type { HandleEvent } from '../handler/handle-event';
import type { HandleRedrive, HandleSweep } from '../handler/redrive';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Authenticate } from './authenticate';
import { errorOutcome } from './error-outcome';
import { EventError } from '../handler/event-error';
import { deliveryIdIn, readEvent } from './read-event';
import { readBody } from './read-body';
import { readRedrive } from './read-redrive';
import { deadLetterRoute, isPermanent, isRetryable, isSettled, OUTCOME_STATUS, REDRIVE_ROUTE, SWEEP_ROUTE, type Caller, type EventResponse } from '../contract';

export interface AppOptions {
  readonly functionName: string;
  readonly authenticate: Authenticate;
  readonly handle: HandleEvent;
  /** POST /parked: resume an event parked on the named workflow. */
  readonly redrive?: HandleRedrive;
  /** POST /parked/sweep: re-drive every waiting play with a parked event of this function. */
  readonly sweep?: HandleSweep;
  /** Where an authenticated event that did not apply is kept (shared/dead-letters). */
  readonly deadLetters: DeadLetterRecorder;
  readonly bodyLimitBytes: number;
  /** Retry-After on 503 answers, unless the cause says otherwise. */
  readonly retryAfterSeconds: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Readiness; false while shutting down. */
  readonly ready?: () => boolean;
  readonly now?: () => Date;
}

/** One attempt at a request: the answer, who sent it (undefined: not authenticated) and what identifies it. */
interface Attempt {
  readonly body: EventResponse;
  readonly retryAfterSeconds?: number;
  readonly caller?: Caller;
  /** The event's identity for its dead letter: the delivery ID, or `parked:<workflow>`. */
  readonly key?: string;
  /** What to keep instead of the raw body: a direct GitHub delivery, as the Sensor's envelope (replayable with a token). */
  readonly request?: string;
}

interface Call {
  readonly route: string;
  /** The Sensor's dead-letter trigger: anything but a settled answer is kept. */
  readonly last: boolean;
  readonly raw?: string;
  readonly started: number;
}

const REDRIVE_BODY_LIMIT = 4096; // POST /parked and POST /parked/sweep take small bodies

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  const { logger, metrics, functionName } = options;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => ((options.ready?.() ?? true) ? c.json({ status: 'ready' }) : c.json({ status: 'shutting down' }, 503)));
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  /** The answer to a body over its limit. The body was not read: only a bearer token (which needs no body) can authenticate the caller. */
  const tooLarge = async (c: Context, call: Omit<Call, 'raw'>, reason: string) => {
    const caller = c.req.header('authorization') ? await options.authenticate(c.req.raw.headers, '').catch(() => undefined) : undefined;
    return settle(c, { body: { outcome: 'payload-too-large', function: functionName, reason }, caller }, call);
  };

  for (const last of [false, true]) {
    const route = last ? deadLetterRoute('/') : '/';
    app.post(route, async (c) => {
      const started = Date.now();
      const raw = await readBody(c, options.bodyLimitBytes);
      if (raw === undefined) return tooLarge(c, { route: '/', last, started }, `the body is over ${options.bodyLimitBytes} bytes (BODY_LIMIT_BYTES)`);
      return settle(c, await eventAttempt(c.req.raw.headers, raw), { route: '/', last, raw, started });
    });
  }

  if (options.redrive) {
    const redrive = options.redrive;
    for (const last of [false, true]) {
      const route = last ? deadLetterRoute(REDRIVE_ROUTE) : REDRIVE_ROUTE;
      app.post(route, async (c) => {
        const started = Date.now();
        const raw = await readBody(c, REDRIVE_BODY_LIMIT);
        if (raw === undefined) return tooLarge(c, { route: REDRIVE_ROUTE, last, started }, 'a re-drive body is {"workflow": "<name>"}');
        let caller: Caller | undefined;
        let workflow: string | undefined;
        try {
          caller = await options.authenticate(c.req.raw.headers, raw);
          workflow = readRedrive(caller, raw);
          const attempt = await redrive(workflow).then(
            (body): Attempt => ({ body }),
            (error: unknown) => failure(error, { event: 'parked' }),
          );
          return settle(c, { ...attempt, caller, key: `parked:${workflow}` }, { route: REDRIVE_ROUTE, last, raw, started });
        } catch (error) {
          return settle(c, { ...failure(error, { event: 'parked' }), caller }, { route: REDRIVE_ROUTE, last, raw, started });
        }
      });
    }
  }

  if (options.sweep) {
    const sweep = options.sweep;
    // Nothing to keep as a dead letter: the next period sweeps again. Failures answer 503 (Kubernetes unavailable).
    app.post(SWEEP_ROUTE, async (c) => {
      const started = Date.now();
      try {
        const raw = await readBody(c, REDRIVE_BODY_LIMIT);
        if (raw === undefined) return reply(c, { outcome: 'payload-too-large', function: functionName, reason: 'a sweep body is small' }, started);
        const caller = await options.authenticate(c.req.raw.headers, raw);
        if (caller === 'github') throw new EventError('bad-request', 'POST /parked/sweep is called by the Sensor with its bearer token, not by a GitHub delivery');
        // Each event the sweep re-drove gets its own line, as a POST /parked does: what became of a delivery stays traceable.
        return reply(c, await sweep((redriven) => record(redriven, started, { route: SWEEP_ROUTE })), started);
      } catch (error) {
        const { body, retryAfterSeconds } = failure(error, { event: 'parked-sweep' });
        return reply(c, body, started, retryAfterSeconds);
      }
    });
  }

  async function eventAttempt(headers: Headers, raw: string): Promise<Attempt> {
    let caller: Caller | undefined;
    try {
      caller = await options.authenticate(headers, raw);
      const event = readEvent(caller, headers, raw);
      const known = { deliveryId: event.deliveryId, event: event.name };
      const attempt = await options.handle(event).then(
        (body): Attempt => ({ body }),
        (error: unknown) => failure(error, known),
      );
      const request = caller === 'github' ? JSON.stringify({ headers: { 'X-Github-Event': [event.name], 'X-Github-Delivery': [event.deliveryId] }, body: event.payload }) : undefined;
      return { ...attempt, caller, key: event.deliveryId, request };
    } catch (error) {
      const deliveryId = deliveryIdIn(headers, raw);
      return { ...failure(error, { deliveryId }), caller, key: deliveryId };
    }
  }

  function failure(error: unknown, known: Pick<EventResponse, 'deliveryId' | 'event'>): Attempt {
    const { outcome, reason, retryAfterSeconds } = errorOutcome(error);
    if (outcome === 'internal-error') logger.error({ err: error, deliveryId: known.deliveryId }, 'unexpected error');
    return { body: { ...known, outcome, reason, function: functionName }, retryAfterSeconds };
  }

  /**
   * Answers, first keeping the event as a dead letter when it will not apply: a permanent answer (the Sensor's
   * policy accepts it and stops), or, on the Sensor's last call, any unsettled one. Only an authenticated caller's
   * request is kept. When the dead letter cannot be written the answer is 503, so the Sensor retries.
   */
  async function settle(c: Context, attempt: Attempt, call: Call) {
    const { body } = attempt;
    const keep = attempt.caller !== undefined && (isPermanent(body.outcome) || (call.last && !isSettled(body.outcome)));
    if (!keep) return reply(c, body, call.started, attempt.retryAfterSeconds);
    const letter = toDeadLetter({
      key: attempt.key ?? randomUUID(),
      function: functionName,
      deliveryId: body.deliveryId,
      route: call.route,
      status: OUTCOME_STATUS[body.outcome],
      outcome: body.outcome,
      reason: body.reason ?? body.outcome,
      at: options.now?.() ?? new Date(),
      request: attempt.request ?? call.raw,
    });
    try {
      await options.deadLetters.record(letter);
    } catch (error) {
      logger.error({ err: error, deliveryId: body.deliveryId, deadLetter: letter.id }, 'could not record the dead letter');
      const { reason } = errorOutcome(error);
      return reply(c, { ...body, outcome: 'not-ready', reason: `${body.reason ?? body.outcome}; the dead letter could not be recorded: ${reason}` }, call.started);
    }
    metrics.deadLetters.inc({ function: functionName, outcome: body.outcome });
    logger.warn({ deliveryId: body.deliveryId, deadLetter: letter.id, outcome: body.outcome, stored: letter.request !== undefined }, 'dead letter recorded');
    const answer: EventResponse = call.last ? { ...body, outcome: 'dead-lettered', lastOutcome: body.outcome, deadLetter: letter.id } : { ...body, deadLetter: letter.id };
    return reply(c, answer, call.started);
  }

  /** One answer counted and logged as one JSON line (`msg: "event"`); returns its status. */
  function record(body: EventResponse, started: number, fields: Record<string, unknown> = {}) {
    const status = OUTCOME_STATUS[body.outcome];
    metrics.events.inc({ function: functionName, outcome: body.outcome });
    const { steps: _steps, planned: _planned, function: _function, ...summary } = body;
    logger.info({ ...summary, ...fields, status, durationMs: Date.now() - started }, 'event');
    return status;
  }

  function reply(c: Context, body: EventResponse, started: number, retryAfterSeconds?: number) {
    const status = record(body, started);
    if (isRetryable(body.outcome)) c.header('Retry-After', String(retryAfterSeconds ?? options.retryAfterSeconds));
    return c.json(body, status);
  }

  return app;
}
