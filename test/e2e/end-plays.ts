// After each e2e file: every play it left is deleted, with its pods and CodeRuns (owner references),
// so a held agent or a failed test cannot keep pods running, or agent slots taken, for the files after it.
// Files run one at a time (vitest.e2e.config.ts), so no other file's play is touched.
import { afterAll } from 'vitest';
import { kube, stack } from './support';

afterAll(async () => {
  const { namespace } = stack();
  const selector = encodeURIComponent('workflow-type=play-orchestration');
  const res = await kube().call('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows?labelSelector=${selector}`, { propagationPolicy: 'Background' });
  if (res.status !== 200) throw new Error(`deleting the file's plays: ${res.status} ${res.text}`);
});
