/**
 * Compressed node status, ported from Argo Workflows:
 * `workflow/hydrator/hydrator.go` (Hydrate, Dehydrate) and `workflow/packer/packer.go`
 * (DecompressWorkflow, CompressWorkflowIfNeeded, getMaxWorkflowSize), with
 * `util/file.CompressEncodeString` / `DecodeDecompressString` (gzip, then standard base64).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { OffloadedNodeStatusError, WorkflowShapeError } from './types';
import type { NodeStatus, Workflow } from './workflow';

/** packer.getMaxWorkflowSize: MAX_WORKFLOW_SIZE, default 1024 * 1024 bytes. */
export function maxWorkflowSize(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const configured = Number(env.MAX_WORKFLOW_SIZE);
  return Number.isInteger(configured) && configured > 0 ? configured : 1024 * 1024;
}

/**
 * hydrator.Hydrate: offloaded nodes need the Argo Server's database, so refuse
 * them; packer.DecompressWorkflow: decompress only when `nodes` is empty.
 */
export function hydrate(workflow: Workflow): void {
  const status = workflow.status;
  if (!status) return;
  if (status.offloadNodeStatusVersion) {
    throw new OffloadedNodeStatusError(
      `${workflow.metadata.name} has offloaded node status (offloadNodeStatusVersion ${status.offloadNodeStatusVersion}), which only an Argo Server with the offload database can read; argo resume fails the same way in kubeconfig mode`,
    );
  }
  const hasNodes = status.nodes && Object.keys(status.nodes).length > 0;
  if (!hasNodes && status.compressedNodes) {
    try {
      status.nodes = JSON.parse(gunzipSync(Buffer.from(status.compressedNodes, 'base64')).toString('utf8')) as Record<string, NodeStatus>;
    } catch (error) {
      throw new WorkflowShapeError(`${workflow.metadata.name} has unreadable status.compressedNodes: ${(error as Error).message}`);
    }
    delete status.compressedNodes;
  }
}

/**
 * hydrator.Dehydrate → packer.CompressWorkflowIfNeeded: keep nodes inline unless the
 * whole object is over the limit; then compress them, and refuse if still too large
 * (Argo would offload, which needs its database).
 */
export function dehydrate(workflow: Workflow, limit = maxWorkflowSize()): void {
  const status = workflow.status;
  if (!status?.nodes) return;
  if (Buffer.byteLength(JSON.stringify(workflow)) <= limit) {
    delete status.compressedNodes;
    return;
  }
  status.compressedNodes = gzipSync(Buffer.from(JSON.stringify(status.nodes))).toString('base64');
  delete status.nodes;
  const size = Buffer.byteLength(JSON.stringify(workflow));
  if (size > limit) {
    throw new OffloadedNodeStatusError(
      `${workflow.metadata.name} is ${size} bytes even with compressed nodes, over MAX_WORKFLOW_SIZE ${limit}; Argo would offload its node status`,
    );
  }
}
