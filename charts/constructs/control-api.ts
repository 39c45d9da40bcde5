import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { IntOrString, KubePodDisruptionBudget } from '../../imports/k8s.ts';
import { containerSecurityContext, IMAGE_COMMANDS, podIdentity } from './hardening.ts';

export interface ControlApiProps {
  /** Object names: `<name>-api`. */
  readonly name: string;
  readonly image: string;
  readonly serviceAccountName: string;
  readonly replicas: number;
  /** vCPU, requests = limits. */
  readonly cpu: number;
  readonly memory: Size;
  /** The API's environment (the names worker/src/config/config.ts's control schema reads). */
  readonly env: Readonly<Record<string, string>>;
  /** The Secret and key holding the bearer tokens (API_TOKENS). */
  readonly tokensSecret: { readonly name: string; readonly key: string };
  readonly port: number;
  readonly runAsUser: number;
  readonly podLabels?: Readonly<Record<string, string>>;
}

/**
 * The control API: a Deployment (rolling, never below its replicas while rolling), a ClusterIP
 * Service on port 80, and a PodDisruptionBudget that lets node drains take one replica at a time.
 * Liveness is the process (/healthz); readiness is a round trip to DynamoDB and SQS (/readyz),
 * so a replica that cannot reach them takes no traffic.
 */
export class ControlApi extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly podDisruptionBudget: KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: ControlApiProps) {
    super(scope, id);
    const name = `${props.name}-api`;
    const selector = {
      'app.kubernetes.io/name': 'keda-transcoder',
      'app.kubernetes.io/component': 'api',
      'app.kubernetes.io/instance': props.name,
    };
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    const tokens = kplus.Secret.fromSecretName(this, 'tokens', props.tokensSecret.name);

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name },
      replicas: props.replicas,
      select: false,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      ...podIdentity(this, props.serviceAccountName, props.runAsUser),
      podMetadata: { labels: { ...props.podLabels, ...selector } },
      // Fastify drains in-flight requests on SIGTERM; 30 s is ample.
      terminationGracePeriod: Duration.seconds(30),
      containers: [
        {
          name: 'api',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: [...IMAGE_COMMANDS.api],
          ports: [{ name: 'http', number: props.port }],
          envVariables: {
            ...Object.fromEntries(
              Object.entries(props.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
            ),
            API_TOKENS: kplus.EnvValue.fromSecretValue(
              { secret: tokens, key: props.tokensSecret.key },
              { optional: false },
            ),
            TMPDIR: kplus.EnvValue.fromValue('/tmp'),
          },
          resources: {
            cpu: { request: kplus.Cpu.units(props.cpu), limit: kplus.Cpu.units(props.cpu) },
            memory: { request: props.memory, limit: props.memory },
            ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
          },
          liveness: kplus.Probe.fromHttpGet('/healthz', {
            port: props.port,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
            timeoutSeconds: Duration.seconds(2),
          }),
          readiness: kplus.Probe.fromHttpGet('/readyz', {
            port: props.port,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 2,
            timeoutSeconds: Duration.seconds(5),
          }),
          securityContext: containerSecurityContext(props.runAsUser),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));

    this.service = new kplus.Service(this, 'service', {
      metadata: { name },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: kplus.Pods.select(this, 'pods', { labels: selector }),
      ports: [{ name: 'http', port: 80, targetPort: props.port }],
    });

    this.podDisruptionBudget = new KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name },
      spec: {
        selector: { matchLabels: selector },
        // One replica at a time: the rest keep serving (with a single replica, a drain may
        // still move it; minAvailable 1 would block every drain instead).
        maxUnavailable: IntOrString.fromNumber(1),
      },
    });
  }
}
