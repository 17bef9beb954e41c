import { LABELED_READY_FOR_QA } from '../../shared/declarations';
import { defineFunction } from '../../shared/server/define-function';

export default defineFunction(LABELED_READY_FOR_QA);
