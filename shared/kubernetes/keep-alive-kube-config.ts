/**
 * A KubeConfig whose API calls reuse their TLS connections.
 *
 * @kubernetes/client-node 1.4.0's KubeConfig.applySecurityAuthentication (dist/config.js) runs before every
 * request and ends with `context.setAgent(this.createAgent(cluster, agentOptions))`; createAgent builds a
 * `new https.Agent(agentOptions)` each time, without keepAlive. So every call opened a TCP connection and
 * made a full TLS handshake, and the resume's list + PUT paid for two.
 *
 * This override of applySecurityAuthentication lets upstream do all it did (headers, bearer token, CA and
 * client certificate re-read from their files, skipTLSVerify, tlsServerName), then swaps the agent it built
 * for one kept-alive https.Agent made from the same options, reused while those options are equal by value
 * (a file re-read gives a new Buffer with the same bytes). When they change (a rotated client certificate
 * or CA), a new agent is built and the old one retired: its idle sockets close now, its busy ones when
 * their request ends. Bearer tokens travel in the Authorization header, not in the agent, so a new token
 * is sent on the same connection. Proxy clusters and http: clusters keep upstream's agent.
 *
 * Its API clients also send their requests with NodeHttpLibrary (./node-http-library.ts) instead of node-fetch.
 */
import https from 'node:https';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { createConfiguration, ServerConfiguration } from '@kubernetes/client-node/dist/gen/index.js';
import type { ApiConstructor, ApiType } from '@kubernetes/client-node/dist/config.js';
import { KubeConfig } from './client-node';
import { NodeHttpLibrary } from './node-http-library';

/**
 * Idle sockets close after this, before a server or load balancer idle timeout can close one under a new request.
 * A connection the server closes anyway fails that one call: KubernetesUnavailableError (503), which is retried.
 */
const IDLE_SOCKET_MS = 30_000;

export class KeepAliveKubeConfig extends KubeConfig {
  private reused?: { readonly options: https.AgentOptions; readonly agent: https.Agent };

  /** Upstream's makeApiClient (dist/config.js), with the one change that the client's transport is NodeHttpLibrary. */
  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    return new apiClientType(createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: this }, httpApi: new NodeHttpLibrary() }));
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const built = context.getAgent();
    // upstream's createAgent: a proxy agent for proxyUrl, an http.Agent for http: servers; those stay as built.
    if (!(built instanceof https.Agent) || this.getCurrentCluster()?.proxyUrl) return;
    context.setAgent(this.agentFor(built.options));
  }

  /** The kept-alive agent for these TLS options: the current one while they are equal by value, else a new one. */
  private agentFor(options: https.AgentOptions): https.Agent {
    if (this.reused && sameValue(this.reused.options, options)) return this.reused.agent;
    if (this.reused) retire(this.reused.agent);
    const agent = new https.Agent({ ...options, keepAlive: true, timeout: options.timeout ?? IDLE_SOCKET_MS });
    this.reused = { options, agent };
    return agent;
  }
}

/** Closes the agent's idle sockets now and each busy one when its request ends (maxFreeSockets 0 keeps none). */
function retire(agent: https.Agent): void {
  agent.maxFreeSockets = 0;
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of [...(sockets ?? [])]) socket.destroy();
}

/** Deep equality for agent options: Buffers by bytes, arrays and plain objects member by member, the rest by ===. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return a === b;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
