import { LABELED_READY_FOR_QA } from '../../shared/declarations';
import { serveFunction } from '../../shared/server/serve-function';

serveFunction(LABELED_READY_FOR_QA);
