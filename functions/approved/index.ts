import { APPROVED } from '../../shared/declarations';
import { defineFunction } from '../../shared/server/define-function';

export default defineFunction(APPROVED);
