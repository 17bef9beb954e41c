// npm run image: builds the function image from the Dockerfile on locally made bases and, unless
// --no-load, imports it into the project's containerd (.handoff/containerd).
import { ensureFunctionImage } from '../../harness/image/function-image';
import { ensureHostPackages } from '../../harness/image/host-packages';

const log = (line: string) => console.log(`image: ${line}`);
ensureHostPackages(['mmdebstrap', 'buildah'], log);
const built = await ensureFunctionImage(log);
log(`${built.name} (${built.seconds === 0 ? 'cached' : `${built.seconds} s`}) → ${built.archive}`);
