import { describe, expect, it } from 'vitest';
import { APPROVED, LABELED_READY_FOR_QA, PR_OPENED, REX_PUSH } from '../../../shared/declarations';
import { DEFAULT_LOGINS } from '../../../shared/play';
import { guardEvent } from '../../../shared/guards/guard-event';
import { labeledEvent, pullRequestEvent, pushEvent, reviewEvent } from '../../fixtures/github-events';

const logins = DEFAULT_LOGINS;

describe('guardEvent', () => {
  it('accepts exactly the declared events', () => {
    expect(guardEvent(PR_OPENED, 'pull_request', pullRequestEvent('opened'), logins).accepted).toBe(true);
    expect(guardEvent(PR_OPENED, 'pull_request', pullRequestEvent('reopened'), logins).accepted).toBe(true);
    expect(guardEvent(LABELED_READY_FOR_QA, 'pull_request', labeledEvent(), logins).accepted).toBe(true);
    expect(guardEvent(APPROVED, 'pull_request_review', reviewEvent(), logins).accepted).toBe(true);
    expect(guardEvent(REX_PUSH, 'push', pushEvent(), logins).accepted).toBe(true);
  });

  it('compares logins and the review state case-insensitively', () => {
    expect(guardEvent(LABELED_READY_FOR_QA, 'pull_request', labeledEvent('ready-for-qa', { sender: '5dlabs-cleo[bot]' }), logins).accepted).toBe(true);
    expect(guardEvent(APPROVED, 'pull_request_review', reviewEvent('APPROVED', { reviewer: '5DLABS-TESS[BOT]' }), logins).accepted).toBe(true);
  });

  it.each([
    ['another event type', PR_OPENED, 'push', pushEvent(), /event push is not pull_request/],
    ['another action', PR_OPENED, 'pull_request', pullRequestEvent('closed'), /action is "closed"/],
    ['another label', LABELED_READY_FOR_QA, 'pull_request', labeledEvent('bug'), /label\.name is "bug"/],
    ['another sender', LABELED_READY_FOR_QA, 'pull_request', labeledEvent('ready-for-qa', { sender: 'octocat' }), /not a cleo login/],
    ['a login that only matches as a regex', LABELED_READY_FOR_QA, 'pull_request', labeledEvent('ready-for-qa', { sender: '5DLabs-Cleob' }), /not a cleo login/],
    ['a review that is not an approval', APPROVED, 'pull_request_review', reviewEvent('changes_requested'), /review\.state/],
    ['an approval by someone else', APPROVED, 'pull_request_review', reviewEvent('approved', { reviewer: 'octocat' }), /not a tess login/],
    ['a push by someone else', REX_PUSH, 'push', pushEvent({ sender: 'octocat' }), /not a rex login/],
    ['a branch deletion', REX_PUSH, 'push', pushEvent({ deleted: true }), /deleted is true/],
    ['a tag push', REX_PUSH, 'push', pushEvent({ ref: 'refs/tags/task-1-v1' }), /ref .* does not match/],
  ])('ignores %s with a reason', (_what, declaration, event, payload, reason) => {
    const result = guardEvent(declaration, event, payload, logins);
    expect(result).toMatchObject({ accepted: false, reason: expect.stringMatching(reason) });
  });
});
