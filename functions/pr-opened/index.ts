import { PR_OPENED } from '../../shared/declarations';
import { serveFunction } from '../../shared/server/serve-function';

serveFunction(PR_OPENED);
