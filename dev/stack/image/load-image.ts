// Imports the built image into a containerd unless it already holds that name (the tag carries the
// input hash, so the same name is the same image).
import { join } from 'node:path';
import { imageCacheDir } from './bases';
import { createCtr } from './ctr';
import type { BuiltImage } from './function-image';

export async function loadImage(address: string, image: BuiltImage, log: (line: string) => void = () => {}): Promise<{ seconds: number }> {
  const ctr = createCtr(address, join(imageCacheDir, 'load.log'));
  if (ctr.hasImage(image.name)) return { seconds: 0 };
  const started = Date.now();
  await ctr.importArchive(image.archive, image.name);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  log(`imported ${image.name} into containerd ${address} (namespace k8s.io) in ${seconds} s`);
  return { seconds };
}
