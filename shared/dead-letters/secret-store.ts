/**
 * The dead-letter store over the Kubernetes API: one Secret per dead letter (shared/dead-letters/dead-letter.ts).
 * A function only records (create, and an unconditional replace when the same event is dead-lettered again):
 * its RBAC grants `create` and `update` on Secrets and no read, and the write policy
 * (manifests/function-write-policy.ts) lets it touch only its own dead letters. The CLI lists, reads and deletes.
 *
 * Over client-node's generic KubernetesObjectApi, not CoreV1Api: the generated CoreV1Api adds about 560 KiB
 * to every function's bundle (parsed at each cold start) for four calls. The generic client finds the
 * Secret resource by discovery (one GET /api/v1 per process, cached; allowed to every authenticated
 * user by system:discovery) the first time a dead letter is written.
 */
import { KubeConfig, KubernetesObjectApi } from '../kubernetes/client-node';
import { asUnavailable, statusOf } from '../kubernetes/api-errors';
import { fromSecret, toSecret, type DeadLetter, type DeadLetterSecret } from './dead-letter';
import { DEAD_LETTER_LABEL, FUNCTION_LABEL } from '../contract';

/** What a function needs: keep one dead letter, replacing an earlier one for the same event. */
export interface DeadLetterRecorder {
  record(letter: DeadLetter): Promise<void>;
}

export interface DeadLetterStore extends DeadLetterRecorder {
  /** Every dead letter, oldest first; of one function when `functionName` is given. */
  list(functionName?: string): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** False when it was already gone (or is not a dead letter). */
  remove(id: string): Promise<boolean>;
}

export interface SecretStoreOptions {
  readonly namespace: string;
  /** Default: KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  readonly kubeConfig?: KubeConfig;
}

export function createSecretDeadLetterStore(options: SecretStoreOptions): DeadLetterStore {
  const { namespace } = options;
  let api: KubernetesObjectApi | undefined;
  const objects = () => {
    if (!api) {
      const kubeConfig = options.kubeConfig ?? new KubeConfig();
      if (!options.kubeConfig) kubeConfig.loadFromDefault();
      api = KubernetesObjectApi.makeApiClient(kubeConfig);
    }
    return api;
  };
  const header = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } });

  async function get(id: string): Promise<DeadLetter | undefined> {
    try {
      const secret = (await objects().read(header(id))) as unknown as DeadLetterSecret;
      return secret.metadata.labels?.[DEAD_LETTER_LABEL] === 'true' ? fromSecret(secret) : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  return {
    async record(letter) {
      const body = toSecret(letter, namespace);
      try {
        await objects().create(body);
      } catch (error) {
        if (statusOf(error) !== 409) throw asUnavailable(error, `create secret ${letter.id}`);
        // The same event was dead-lettered before: keep its latest answer. No resourceVersion, so no read is needed
        // (Secrets allow unconditional updates, kubernetes pkg/registry/core/secret/strategy.go AllowUnconditionalUpdate).
        await objects()
          .replace(body)
          .catch((replaceError: unknown) => {
            throw asUnavailable(replaceError, `update secret ${letter.id}`);
          });
      }
    },

    async list(functionName) {
      const labelSelector = functionName ? `${DEAD_LETTER_LABEL}=true,${FUNCTION_LABEL}=${functionName}` : `${DEAD_LETTER_LABEL}=true`;
      const list = await objects().list('v1', 'Secret', namespace, undefined, undefined, undefined, undefined, labelSelector);
      return list.items
        .map((secret) => fromSecret(secret as unknown as DeadLetterSecret))
        .sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt) || a.id.localeCompare(b.id));
    },

    get,

    async remove(id) {
      // Only a dead letter: a mistyped ID never deletes another Secret.
      if (!(await get(id))) return false;
      try {
        await objects().delete(header(id));
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
  };
}
