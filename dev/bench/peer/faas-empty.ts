/**
 * The second peer of dev/bench/cold-start.ts: faas-js-runtime's empty function, a handle that just
 * returns (the runtime answers 204). Bundled and started exactly as the same-app peer
 * (faas-handle.ts), so the two peers differ only by the app they load.
 */
export function handle(): void {}
