/**
 * What the kubelet checks before it starts a container whose effective securityContext has
 * runAsNonRoot, ported rule for rule from k8s.io/kubernetes v1.34.4:
 * - pkg/kubelet/kuberuntime/security_context_others.go `verifyRunAsNonRoot` (called from
 *   kuberuntime_container.go `generateContainerConfig` with the result of `getImageUser`);
 * - pkg/kubelet/kuberuntime/helpers.go `getImageUser`: the CRI ImageStatus `uid` if set, else its
 *   `username` if not empty, else root (uid 0);
 * - pkg/securitycontext/util.go `DetermineEffectiveSecurityContext`: pod-level runAsUser and
 *   runAsNonRoot, overridden field by field by the container's;
 * - k8s.io/apimachinery v0.34.4 util/validation `IsValidUserID`: 0 ≤ uid ≤ 2147483647.
 * The CRI runtime fills uid/username from the image config's `User`; containerd's CRI
 * (github.com/containerd/containerd v1.6.20, Debian 12's, pkg/cri/server/helpers.go
 * `getUserFromImage`) keeps what is before `:`, and a value Go's strconv.ParseInt(s, 10, 64)
 * accepts is a uid, anything else a user name.
 */

export interface SecurityContextFields {
  readonly runAsUser?: number;
  readonly runAsNonRoot?: boolean;
}

export interface PodLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec: { readonly securityContext?: SecurityContextFields };
}

export interface ContainerLike {
  readonly name: string;
  readonly securityContext?: SecurityContextFields;
}

/** What the CRI ImageStatus reports about the image's user. */
export interface CriImageUser {
  readonly uid?: bigint;
  readonly username: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_USER_ID = 2n ** 31n - 1n;

/** containerd `getUserFromImage`: the image config's User as the CRI reports it. */
export function criImageUser(configUser: string): CriImageUser {
  if (configUser === '') return { username: '' };
  const user = configUser.split(':')[0]!;
  // strconv.ParseInt(user, 10, 64): optional sign, decimal digits only, within int64.
  if (/^[+-]?[0-9]+$/.test(user)) {
    const uid = BigInt(user);
    if (uid >= INT64_MIN && uid <= INT64_MAX) return { uid, username: '' };
  }
  return { username: user };
}

/** kubelet `getImageUser`: uid, else user name, else root. */
export function kubeletImageUser(status: CriImageUser | undefined): { uid?: bigint; username: string } {
  if (status?.uid !== undefined) return { uid: status.uid, username: '' };
  if (status && status.username !== '') return { username: status.username };
  return { uid: 0n, username: '' };
}

/** `DetermineEffectiveSecurityContext`, for the two fields verifyRunAsNonRoot reads. */
export function effectiveSecurityContext(pod: PodLike, container: ContainerLike): SecurityContextFields {
  const podSc = pod.spec.securityContext;
  const fromPod = podSc ? { runAsUser: podSc.runAsUser, runAsNonRoot: podSc.runAsNonRoot } : undefined;
  const containerSc = container.securityContext;
  if (!fromPod && !containerSc) return {};
  if (!containerSc) return fromPod!;
  if (!fromPod) return containerSc;
  return {
    runAsUser: containerSc.runAsUser ?? fromPod.runAsUser,
    runAsNonRoot: containerSc.runAsNonRoot ?? fromPod.runAsNonRoot,
  };
}

/** kubelet `format.Pod`: name_namespace(uid); our pods have no uid yet. */
const formatPod = (pod: PodLike) => `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}()`;

/** `verifyRunAsNonRoot`: undefined when the kubelet starts the container, else its error message. */
export function verifyRunAsNonRoot(pod: PodLike, container: ContainerLike, image: { uid?: bigint; username: string }): string | undefined {
  const sc = effectiveSecurityContext(pod, container);
  if (!sc.runAsNonRoot) return undefined;
  const where = `(pod: "${formatPod(pod)}", container: ${container.name})`;
  if (sc.runAsUser !== undefined) {
    return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  }
  if (image.uid === undefined && image.username.length > 0) {
    return `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${where}`;
  }
  if (image.uid !== undefined) {
    if (image.uid === 0n) return `container has runAsNonRoot and image will run as root ${where}`;
    if (image.uid < 0n || image.uid > MAX_USER_ID) {
      return `container has runAsNonRoot and image has an invalid user id (${image.uid}). (Must be 1-(${MAX_USER_ID})): must be between 0 and ${MAX_USER_ID}, inclusive ${where}`;
    }
  }
  return undefined;
}
