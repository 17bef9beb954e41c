/**
 * The @kubernetes/client-node classes Handoff uses, each from its own file rather than the package index.
 * The index (`dist/index.js`) re-exports every module of the package (watch, exec, attach, port-forward,
 * cp with tar-fs, informer, log, top, metrics, health...); the package declares no `sideEffects`, so
 * esbuild keeps whatever it reaches. These deep paths are allowed: the package (1.4.0) has no `exports`
 * map, and dev/scripts/deploy.ts already imports `dist/serializer.js` the same way. They are the same files
 * the index re-exports, so classes and instanceof checks are unchanged.
 */
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
// The index exports ObjectCustomObjectsApi (the promise API taking one request object) as CustomObjectsApi.
export { ObjectCustomObjectsApi as CustomObjectsApi } from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
