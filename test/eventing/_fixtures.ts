import { Chart, Duration, Testing } from 'cdk8s';
import { GpuInferenceService, GpuInferenceServiceProps, KnativeFeatures } from '../../src';

/** A chart in namespace `ml-events` of a fresh app. */
export function chart(namespace: string | undefined = 'ml-events'): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}

/** A scale-to-zero GPU service; cold-start budget 300s (its progress deadline; the startup probe, 30 × 10s, fits in it). */
export function classifier(scope: Chart, props: Partial<GpuInferenceServiceProps> = {}): GpuInferenceService {
  if (!scope.node.tryFindChild('knative-features')) new KnativeFeatures(scope, 'knative-features');
  return new GpuInferenceService(scope, 'classifier', {
    metadata: { name: 'resnet50' },
    image: 'registry.example.com/ml/resnet50:1.4.0',
    startupProbe: { path: '/healthz', period: Duration.seconds(10), failureThreshold: 30 },
    progressDeadline: Duration.minutes(5),
    ...props,
  });
}
