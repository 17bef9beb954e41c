import { APPROVED } from '../../shared/declarations';
import { serveFunction } from '../../shared/server/serve-function';

serveFunction(APPROVED);
