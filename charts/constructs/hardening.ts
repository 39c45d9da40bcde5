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
 * The image's entry points. In the image (WORKDIR /app) each is one bundled ES module that
 * `npm run build` makes from its TypeScript source; the manifests name the bundle, and the
 * local runner, which runs the repository rather than the image, maps it back to the source.
 */
export const IMAGE_ENTRY_POINTS = {
  worker: { bundle: 'worker.mjs', source: 'worker/src/main.ts' },
  api: { bundle: 'api.mjs', source: 'worker/src/api/main.ts' },
  cli: { bundle: 'cli.mjs', source: 'worker/src/cli/main.ts' },
} as const;

export const IMAGE_ROOT = '/app';

/** The container commands: the worker is also the image's default. */
export const IMAGE_COMMANDS = {
  worker: ['node', `${IMAGE_ROOT}/${IMAGE_ENTRY_POINTS.worker.bundle}`],
  api: ['node', `${IMAGE_ROOT}/${IMAGE_ENTRY_POINTS.api.bundle}`],
  cli: ['node', `${IMAGE_ROOT}/${IMAGE_ENTRY_POINTS.cli.bundle}`],
} as const;
