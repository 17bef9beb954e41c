/** The HTTP surface of a function: POST / for events, health, readiness and metrics. */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { HandleEvent, HandleRedrive } from '../handler/handle-event';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Authenticate } from './authenticate';
import { errorOutcome } from './error-outcome';
import { OUTCOME_STATUS, isRetryable, type EventResponse } from './outcomes';
import { readEvent } from './read-event';
import { REDRIVE_ROUTE, readRedrive } from './read-redrive';

export interface AppOptions {
  readonly functionName: string;
  readonly authenticate: Authenticate;
  readonly handle: HandleEvent;
  /** POST /parked: resume an event parked on the named workflow. */
  readonly redrive?: HandleRedrive;
  readonly bodyLimitBytes: number;
  /** Retry-After on 503 answers, unless the cause says otherwise. */
  readonly retryAfterSeconds: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Readiness; false while shutting down. */
  readonly ready?: () => boolean;
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  const { logger, metrics, functionName } = options;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => ((options.ready?.() ?? true) ? c.json({ status: 'ready' }) : c.json({ status: 'shutting down' }, 503)));
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  app.post(
    '/',
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: (c) => reply(c, { outcome: 'payload-too-large', function: functionName, reason: `the body is over ${options.bodyLimitBytes} bytes (BODY_LIMIT_BYTES)` }, Date.now()),
    }),
    async (c) => {
      const started = Date.now();
      try {
        const raw = await c.req.text();
        const caller = await options.authenticate(c.req.raw.headers, raw);
        const event = readEvent(caller, c.req.raw.headers, raw);
        try {
          return reply(c, await options.handle(event), started);
        } catch (error) {
          return failure(c, error, started, { deliveryId: event.deliveryId, event: event.name });
        }
      } catch (error) {
        return failure(c, error, started, { deliveryId: c.req.header('x-github-delivery') });
      }
    },
  );

  if (options.redrive) {
    const redrive = options.redrive;
    app.post(REDRIVE_ROUTE, bodyLimit({ maxSize: 4096, onError: (c) => reply(c, { outcome: 'payload-too-large', function: functionName, reason: 'a re-drive body is {"workflow": "<name>"}' }, Date.now()) }), async (c) => {
      const started = Date.now();
      let workflow: string | undefined;
      try {
        const raw = await c.req.text();
        workflow = readRedrive(await options.authenticate(c.req.raw.headers, raw), raw);
        return reply(c, await redrive(workflow), started);
      } catch (error) {
        return failure(c, error, started, { event: 'parked' });
      }
    });
  }

  function failure(c: Context, error: unknown, started: number, known: Pick<EventResponse, 'deliveryId' | 'event'>) {
    const { outcome, reason, retryAfterSeconds } = errorOutcome(error);
    if (outcome === 'internal-error') logger.error({ err: error, deliveryId: known.deliveryId }, 'unexpected error');
    return reply(c, { ...known, outcome, reason, function: functionName }, started, retryAfterSeconds);
  }

  function reply(c: Context, body: EventResponse, started: number, retryAfterSeconds?: number) {
    const status = OUTCOME_STATUS[body.outcome];
    metrics.events.inc({ function: functionName, outcome: body.outcome });
    const { steps: _steps, planned: _planned, function: _function, ...summary } = body;
    logger.info({ ...summary, status, durationMs: Date.now() - started }, 'event');
    if (isRetryable(body.outcome)) c.header('Retry-After', String(retryAfterSeconds ?? options.retryAfterSeconds));
    return c.json(body, status);
  }

  return app;
}
