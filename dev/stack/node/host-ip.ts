// The node's IP: the source address of the host's default route (what `ip route get` picks for an
// outside address), so pods reach the apiserver and CoreDNS through the bridge's gateway.
import { execFileSync } from 'node:child_process';

export function hostIp(): string {
  const routes = JSON.parse(execFileSync('ip', ['-j', 'route', 'get', '1.1.1.1'], { encoding: 'utf8' })) as { prefsrc?: string }[];
  const ip = routes[0]?.prefsrc;
  if (!ip || ip.startsWith('127.')) throw new Error(`no non-loopback source address for the default route (ip route get: ${JSON.stringify(routes)}); the node needs one`);
  return ip;
}
