import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';

/**
 * The one securityContext every keda-transcoder container runs with (worker, API, schedules):
 * a fixed non-root user, a read-only root, no privilege escalation, no capabilities, and the
 * runtime's default seccomp profile. Pods write only to their emptyDir volumes.
 */
export function podSecurityContext(runAsUser: number): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user: runAsUser, group: runAsUser, fsGroup: runAsUser };
}

export function containerSecurityContext(runAsUser: number): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: runAsUser,
    group: runAsUser,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/**
 * Who a pod runs as: its service account, which IRSA or EKS Pod Identity turn into AWS
 * credentials, with no Kubernetes token mounted (no keda-transcoder pod talks to the Kubernetes
 * API), and the non-root pod security context.
 */
export function podIdentity(scope: Construct, serviceAccountName: string, runAsUser: number) {
  return {
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(scope, 'sa', serviceAccountName),
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(runAsUser),
  };
}

export { IMAGE_COMMANDS, IMAGE_ENTRY_POINTS, IMAGE_ROOT } from '../../worker/src/contract/image.ts';
