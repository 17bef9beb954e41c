// npm run image [-- --no-load]: builds the function image from the Dockerfile on locally made bases
// and imports it into the project's containerd (.handoff/containerd; started for the import and
// stopped again when it was not running, or HANDOFF_CONTAINERD_ADDRESS).
import { ensureContainerd } from '../../stack/image/containerd';
import { ensureFunctionImage } from '../../stack/image/function-image';
import { ensureHostPackages } from '../../stack/image/host-packages';
import { loadImage } from '../../stack/image/load-image';

const load = !process.argv.includes('--no-load');
const log = (line: string) => console.log(`image: ${line}`);
ensureHostPackages(load ? ['mmdebstrap', 'buildah', 'containerd', 'ctr', 'containerd-shim-runc-v2', 'runc'] : ['mmdebstrap', 'buildah'], log);
const built = await ensureFunctionImage(log);
log(`${built.name} (${built.seconds === 0 ? 'cached' : `built in ${built.seconds} s`}) → ${built.archive}`);
if (load) {
  const containerd = await ensureContainerd(log);
  try {
    const loaded = await loadImage(containerd.address, built, log);
    if (loaded.seconds === 0) log(`containerd ${containerd.address} already holds ${built.name}`);
  } finally {
    await containerd.stop();
  }
}
// dev/stack/processes/processes.ts leaves its stop grace timer running; nothing else is pending here.
process.exit(0);
