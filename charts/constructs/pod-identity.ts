import { Construct } from 'constructs';
import { PodIdentityAssociation } from '../../imports/ackeks-eks.services.k8s.aws.ts';

/** One service account and the IAM role its pods get through EKS Pod Identity. */
export interface PodIdentityBinding {
  /** Kubernetes object name suffix (`<name>-<id>`). */
  readonly id: string;
  readonly serviceAccount: string;
  readonly roleArn: string;
  /** The ACK Role object managing that role, when ACK creates it. */
  readonly ackRole?: string;
}

/**
 * The input of `aws eks create-pod-identity-association --cli-input-json file://...` for one
 * binding: for users who create the associations without ACK.
 */
export function associationInput(clusterName: string, namespace: string, b: PodIdentityBinding) {
  return { clusterName, namespace, serviceAccount: b.serviceAccount, roleArn: b.roleArn };
}

export interface PodIdentityAssociationsProps {
  readonly name: string;
  readonly clusterName: string;
  /** The namespace of the service accounts (and of these ACK objects). */
  readonly namespace: string;
  readonly bindings: readonly PodIdentityBinding[];
}

/**
 * EKS Pod Identity associations as ACK objects (the ACK EKS controller, v1.20.0 or later): each
 * service account gets its role from the Pod Identity Agent on EC2 nodes. A role ACK manages
 * is referenced by its object, so the association waits for the role.
 */
export class PodIdentityAssociations extends Construct {
  readonly associations: PodIdentityAssociation[];

  constructor(scope: Construct, id: string, props: PodIdentityAssociationsProps) {
    super(scope, id);
    this.associations = props.bindings.map(
      (b) =>
        new PodIdentityAssociation(this, b.id, {
          metadata: { name: `${props.name}-${b.id}` },
          spec: {
            clusterName: props.clusterName,
            namespace: props.namespace,
            serviceAccount: b.serviceAccount,
            ...(b.ackRole ? { roleRef: { from: { name: b.ackRole } } } : { roleArn: b.roleArn }),
          },
        }),
    );
  }
}
