/** The four entries' default exports (functions/<name>/index.ts), by function name: what tests build apps from. */
import approved from '../../functions/approved/index';
import labeledReadyForQa from '../../functions/labeled-ready-for-qa/index';
import prOpened from '../../functions/pr-opened/index';
import rexPush from '../../functions/rex-push/index';
import type { FunctionName } from '../../shared/function-declaration';
import type { HandoffFunction } from '../../shared/server/define-function';

export const ENTRIES: Readonly<Record<FunctionName, HandoffFunction>> = {
  'pr-opened': prOpened,
  'labeled-ready-for-qa': labeledReadyForQa,
  approved,
  'rex-push': rexPush,
};
