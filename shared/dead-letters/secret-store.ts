/**
 * The dead-letter store over the Kubernetes API: one Secret per dead letter (shared/dead-letters/dead-letter.ts).
 * A function only records (create, and an unconditional replace when the same event is dead-lettered again):
 * its RBAC grants `create` and `update` on Secrets and no read, and the write policy
 * (manifests/function-write-policy.ts) lets it touch only its own dead letters. The CLI lists, reads and deletes.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { asUnavailable, statusOf } from '../kubernetes/api-errors';
import { DEAD_LETTER_LABEL, FUNCTION_LABEL, fromSecret, toSecret, type DeadLetter, type DeadLetterSecret } from './dead-letter';

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
  let api: CoreV1Api | undefined;
  const core = () => {
    if (!api) {
      const kubeConfig = options.kubeConfig ?? new KubeConfig();
      if (!options.kubeConfig) kubeConfig.loadFromDefault();
      api = kubeConfig.makeApiClient(CoreV1Api);
    }
    return api;
  };

  async function get(id: string): Promise<DeadLetter | undefined> {
    try {
      const secret = (await core().readNamespacedSecret({ namespace, name: id })) as DeadLetterSecret;
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
        await core().createNamespacedSecret({ namespace, body });
      } catch (error) {
        if (statusOf(error) !== 409) throw asUnavailable(error, `create secret ${letter.id}`);
        // The same event was dead-lettered before: keep its latest answer. No resourceVersion, so no read is needed
        // (Secrets allow unconditional updates, kubernetes pkg/registry/core/secret/strategy.go AllowUnconditionalUpdate).
        await core()
          .replaceNamespacedSecret({ namespace, name: letter.id, body })
          .catch((replaceError: unknown) => {
            throw asUnavailable(replaceError, `update secret ${letter.id}`);
          });
      }
    },

    async list(functionName) {
      const labelSelector = functionName ? `${DEAD_LETTER_LABEL}=true,${FUNCTION_LABEL}=${functionName}` : `${DEAD_LETTER_LABEL}=true`;
      const list = await core().listNamespacedSecret({ namespace, labelSelector });
      return list.items
        .map((secret) => fromSecret(secret as DeadLetterSecret))
        .sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt) || a.id.localeCompare(b.id));
    },

    get,

    async remove(id) {
      // Only a dead letter: a mistyped ID never deletes another Secret.
      if (!(await get(id))) return false;
      try {
        await core().deleteNamespacedSecret({ namespace, name: id });
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
  };
}
