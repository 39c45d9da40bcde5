import * as kplus from 'cdk8s-plus-34';

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

export { IMAGE_COMMANDS, IMAGE_ENTRY_POINTS, IMAGE_ROOT } from '../../worker/src/contract/image.ts';
