/** Internal shapes shared by the model repository and the Triton workloads; never exported from the index. */
import { EnvValue, k8s } from 'cdk8s-plus-27';
import { InstanceGroupKind } from './model-config';
import { AuxiliaryContainer } from '../scheduling/_pod-spec';

/** How the artifacts reach the pod. */
export enum ArtifactKind {
  S3_COPY = 's3-copy',
  S3_NATIVE = 's3-native',
  GCS_NATIVE = 'gcs-native',
  PVC = 'pvc',
}

/** What lays a repository out in a Triton pod. */
export interface RepoPodParts {
  /** The `--model-repository` value. */
  readonly repository: string;
  /** Environment of the Triton container (credentials by reference). */
  readonly env: Record<string, EnvValue>;
  readonly volumes: k8s.Volume[];
  /** Mounts of the Triton container. */
  readonly mounts: k8s.VolumeMount[];
  readonly initContainers: AuxiliaryContainer[];
}

/** Whether an instance group of `kind` puts its instances on GPUs (KIND_GPU, KIND_AUTO, or the default kind). */
export function isGpuGroup(kind: InstanceGroupKind | undefined): boolean {
  return kind === undefined || kind === InstanceGroupKind.GPU || kind === InstanceGroupKind.AUTO;
}
