// The local stack's GitHub: the fake GitHub (test/fakes/fake-github.ts) where the host processes and, with a
// node, the functions' pods reach it, and the GitHub App the Knative functions authenticate as: a key made at
// each start, its public half known to the fake, the App's credentials in the Secret the generated Services name.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { BlockList } from 'node:net';
import { startFakeGitHub, type FakeGitHub } from '../../../test/fakes/fake-github';
import { HOST_FUNCTIONS_GITHUB_TOKEN } from '../functions/functions';
import type { KubeObject } from '../kube-rest';
import { podNetwork } from '../node/paths';

/**
 * The agents' Apps on the fake GitHub (Cleo's hand-over label, added by the tests that act for the agents'
 * side): a fixed token the local stack's fake accepts beside the functions' credentials.
 */
export const AGENTS_GITHUB_TOKEN = 'local-agents-token';

/** The Secret knative/<function>.yaml names for the GitHub App (keys `app-id`, `private-key`; docs/operations.md). */
export const githubAppSecret = 'handoff-github';

export interface LocalGitHubApp {
  readonly id: string;
  /** PKCS#1 PEM, as GitHub hands out App keys. */
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
}

export function createLocalGitHubApp(id = '1'): LocalGitHubApp {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { id, privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey };
}

export function githubAppSecretObject(namespace: string, app: LocalGitHubApp): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: githubAppSecret, namespace }, stringData: { 'app-id': app.id, 'private-key': app.privateKeyPem } };
}

/** Who may call the fake GitHub at the node IP: this machine (the node IP, loopback) and the pods' network. */
export function localGitHubClients(nodeIp: string): BlockList {
  const clients = new BlockList();
  clients.addAddress(nodeIp, 'ipv4');
  clients.addSubnet('127.0.0.0', 8, 'ipv4');
  const [network = '', prefix = ''] = podNetwork.clusterCidr.split('/');
  clients.addSubnet(network, Number(prefix), 'ipv4');
  return clients;
}

/**
 * The fake GitHub accepting the host-process functions' token, the agents' token and the App's installation tokens. Without a node
 * it listens on loopback; with one, on the node IP (pods reach the node there, as they reach CoreDNS), answering
 * only `localGitHubClients`: the node IP is the machine's outward address.
 */
export function startLocalFakeGitHub(app: LocalGitHubApp, nodeIp?: string): Promise<FakeGitHub> {
  return startFakeGitHub({
    host: nodeIp ?? '127.0.0.1',
    ...(nodeIp ? { clients: localGitHubClients(nodeIp) } : {}),
    app: { id: app.id, publicKey: app.publicKey },
    tokens: [HOST_FUNCTIONS_GITHUB_TOKEN, AGENTS_GITHUB_TOKEN],
  });
}
