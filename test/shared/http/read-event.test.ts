import { describe, expect, it } from 'vitest';
import { readEvent } from '../../../shared/http/read-event';
import { pullRequestEvent, sensorEnvelope } from '../../fixtures/github-events';

const json = { 'content-type': 'application/json' };

describe('readEvent', () => {
  it('reads a Sensor envelope with Go-canonical array headers', () => {
    const payload = pullRequestEvent('opened', { task: 7 });
    const event = readEvent('sensor', new Headers(json), JSON.stringify(sensorEnvelope('pull_request', payload, 'd-1')));
    expect(event).toMatchObject({ name: 'pull_request', deliveryId: 'd-1', caller: 'sensor' });
    expect((event.payload.pull_request as { number: number }).number).toBe(payload.pull_request.number);
  });

  it('takes the event and delivery from the body keys the EventSource adds when headers lack them', () => {
    const envelope = sensorEnvelope('push', { ref: 'refs/heads/x' }, 'd-2');
    envelope.headers = {};
    expect(readEvent('sensor', new Headers(), JSON.stringify(envelope))).toMatchObject({ name: 'push', deliveryId: 'd-2' });
  });

  it('reads a direct GitHub delivery from its headers', () => {
    const headers = new Headers({ ...json, 'x-github-event': 'push', 'x-github-delivery': 'abc-123' });
    expect(readEvent('github', headers, '{"ref":"refs/heads/main"}')).toMatchObject({ name: 'push', deliveryId: 'abc-123', payload: { ref: 'refs/heads/main' } });
  });

  it.each([
    ['text/plain', 'unsupported-media-type'],
    ['application/x-www-form-urlencoded', 'unsupported-media-type'],
  ])('answers %s with %s', (contentType, outcome) => {
    expect(() => readEvent('sensor', new Headers({ 'content-type': contentType }), '{}')).toThrow(expect.objectContaining({ outcome }));
  });

  it('accepts application/json with a charset and vendor +json types', () => {
    const body = JSON.stringify(sensorEnvelope('push', {}, 'd'));
    expect(() => readEvent('sensor', new Headers({ 'content-type': 'application/json; charset=utf-8' }), body)).not.toThrow();
    expect(() => readEvent('sensor', new Headers({ 'content-type': 'application/vnd.github+json' }), body)).not.toThrow();
  });

  it.each([
    ['malformed JSON', '{"headers":', /malformed JSON/],
    ['a non-envelope from a Sensor', '{"action":"opened"}', /not a Sensor envelope/],
    ['an array body', '[1,2]', /not a Sensor envelope/],
    ['a missing event', JSON.stringify({ headers: { 'X-Github-Delivery': ['d'] }, body: {} }), /missing X-GitHub-Event/],
    ['a missing delivery', JSON.stringify({ headers: { 'X-Github-Event': ['push'] }, body: {} }), /missing X-GitHub-Delivery/],
    ['an event name that is not one', JSON.stringify({ headers: { 'X-Github-Event': ['../etc'], 'X-Github-Delivery': ['d'] }, body: {} }), /not an event name/],
    [
      'headers and body that disagree',
      JSON.stringify({ headers: { 'X-Github-Event': ['push'], 'X-Github-Delivery': ['d'] }, body: { 'X-GitHub-Event': 'pull_request' } }),
      /differs between headers/,
    ],
  ])('answers bad-request for %s', (_what, raw, message) => {
    expect(() => readEvent('sensor', new Headers(json), raw)).toThrow(message);
    expect(() => readEvent('sensor', new Headers(json), raw)).toThrow(expect.objectContaining({ outcome: 'bad-request' }));
  });

  it('answers bad-request for a direct delivery whose payload is not an object', () => {
    const headers = new Headers({ ...json, 'x-github-event': 'push', 'x-github-delivery': 'd' });
    expect(() => readEvent('github', headers, '"text"')).toThrow(/not a JSON object/);
  });
});
