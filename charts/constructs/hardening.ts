import * as kplus from 'cdk8s-plus-33';

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
 * The image's entry points, by path: the Dockerfile's WORKDIR is /app and Node runs the
 * TypeScript sources directly. The worker is also the image's default command; the manifests
 * name every command anyway, so what runs never depends on the image's CMD (and the local
 * runner can start exactly what a pod would).
 */
export const IMAGE_COMMANDS = {
  worker: ['node', '/app/worker/src/main.ts'],
  api: ['node', '/app/worker/src/api/main.ts'],
  cli: ['node', '/app/worker/src/cli/main.ts'],
} as const;
