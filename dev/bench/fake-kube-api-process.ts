/**
 * The throughput benchmark's Kubernetes API, in a process of its own so its work does not share the load
 * generator's thread: the fake API (test/fakes/fake-kube-api.ts) over HTTPS, as a real apiserver is, so the
 * function's kept-alive TLS connections (shared/kubernetes/keep-alive-kube-config.ts) are what is measured.
 * Seeds `--seed N` waiting plays (play-1 … play-N, task i each), writes a kubeconfig to `--kubeconfig <file>`,
 * then prints one JSON line `{"url"}` on stdout and serves until killed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSelfSignedCert } from '../stack/control-plane/pki';
import { FakeKubeApi } from '../../test/fakes/fake-kube-api';
import { playWorkflow } from '../../test/fixtures/workflows';

const arg = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1];
const seed = Number(arg('seed'));
const kubeconfigFile = arg('kubeconfig');
if (!Number.isInteger(seed) || seed < 0 || !kubeconfigFile) throw new Error('usage: fake-kube-api-process.ts --seed <N> --kubeconfig <file>');

const tls = writeSelfSignedCert(mkdtempSync(join(tmpdir(), 'handoff-bench-api-')), 'fake-apiserver', ['127.0.0.1']);
const api = await FakeKubeApi.start({ tls: { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') } });
for (let i = 1; i <= seed; i += 1) api.put(playWorkflow({ name: `play-${i}`, task: String(i) }));
// The fake's kubeconfig skips verification of its self-signed certificate; the connection is TLS all the same.
writeFileSync(kubeconfigFile, api.kubeConfig().exportConfig());
process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);
