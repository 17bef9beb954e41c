import { REX_PUSH } from '../../shared/declarations';
import { serveFunction } from '../../shared/server/serve-function';

serveFunction(REX_PUSH);
