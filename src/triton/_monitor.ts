/**
 * How Prometheus finds a Triton workload's metrics (port 8002, `/metrics`): the checks on the scraping props, and the
 * Prometheus Operator monitors, shared by TritonServer and TritonKnativeService.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { wholeSeconds, durationText } from '../_duration';
import { propError } from '../_errors';
import { checkLabels } from '../_names';
import { METRICS_PORT } from './_triton-pod';
import { MetricsScraping, TritonWorkloadProps } from './triton-workload';
import type * as monitoringTypes from '../imports/monitoring.coreos.com';

// Loaded on first use: most apps never make a monitor, and the generated module is large.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitoring = (): typeof monitoringTypes => require('../imports/monitoring.coreos.com');


/**
 * The scraping of `p`, checked: a monitor needs metrics, and the monitor props need a monitor. `refused` names a way
 * of scraping the workload cannot offer, with the reason and the fix.
 */
export function checkScraping(p: TritonWorkloadProps, metrics: boolean,
  refused?: { scraping: MetricsScraping; why: string; fix: string }): MetricsScraping {
  checkLabels('monitorLabels', p.monitorLabels);
  const scraping = p.metricsScraping ?? MetricsScraping.ANNOTATIONS;
  if (refused && scraping === refused.scraping) throw propError('metricsScraping', `other than ${refused.why}`, scraping, refused.fix);
  const monitor = scraping === MetricsScraping.POD_MONITOR || scraping === MetricsScraping.SERVICE_MONITOR;
  if (monitor && !metrics) throw propError('metricsScraping', 'ANNOTATIONS or NONE when metrics is false', scraping);
  if (!monitor && p.monitorLabels !== undefined) throw propError('monitorLabels', 'unset unless metricsScraping is a PodMonitor or ServiceMonitor', p.monitorLabels);
  if (!monitor && p.scrapeInterval !== undefined) throw propError('scrapeInterval', 'unset unless metricsScraping is a PodMonitor or ServiceMonitor', durationText(p.scrapeInterval));
  if (p.scrapeInterval !== undefined) wholeSeconds('scrapeInterval', p.scrapeInterval, 1);
  return scraping;
}

/** What a monitor scrapes: the pods (or Service) it selects, and the port of their target. */
export interface MonitorTarget {
  readonly metadata: ApiObjectMetadata;
  readonly selector: Record<string, string>;
  /** The declared port whose target is scraped, by name. */
  readonly port: string;
  /**
   * Scrape port 8002 on the target's host: for pods that declare only another port (Knative's), whose target is
   * the declared port's. Prometheus keeps one target per declared port, so `port` picks one per pod.
   */
  readonly redirectToMetricsPort?: boolean;
}

/** The PodMonitor or ServiceMonitor `scraping` asks for, none otherwise. */
export function tritonMonitor(scope: Construct, scraping: MetricsScraping, p: TritonWorkloadProps, target: MonitorTarget): ApiObject | undefined {
  const endpoint = {
    port: target.port,
    path: '/metrics',
    interval: p.scrapeInterval && `${p.scrapeInterval.toSeconds()}s`,
    // __address__ is host:port with IPv6 hosts in brackets: keep the host, replace the port.
    relabelings: target.redirectToMetricsPort ? [{ sourceLabels: ['__address__'], regex: '(.+):\\d+', targetLabel: '__address__', replacement: `\${1}:${METRICS_PORT}` }] : undefined,
  };
  const metadata = { ...target.metadata, labels: p.monitorLabels };
  if (scraping === MetricsScraping.POD_MONITOR) {
    return new (monitoring().PodMonitor)(scope, 'Monitor', { metadata, spec: { selector: { matchLabels: target.selector }, podMetricsEndpoints: [endpoint] } });
  }
  if (scraping === MetricsScraping.SERVICE_MONITOR) {
    return new (monitoring().ServiceMonitor)(scope, 'Monitor', { metadata, spec: { selector: { matchLabels: target.selector }, endpoints: [endpoint] } });
  }
  return undefined;
}
