import { checkInteger, propError } from '../_errors';
import { DNS_1035_LABEL, isDnsLabel } from '../_names';

/** Options of a traffic target. */
export interface TrafficTargetOptions {
  /**
   * Share of the requests, 0 to 100; the shares of a service's targets add up to 100.
   * @default - none (0): the target takes requests only at its `tag`'s URL, if it has one
   */
  readonly percent?: number;
  /**
   * Gives the target a URL of its own, `<tag>-<service>` in the service's domain (a DNS-1035 label; with the
   * service's name and `-` at most 63 characters, as one label of a host name), e.g. to try a new revision before it
   * takes a share of the requests.
   * @default - no URL of its own
   */
  readonly tag?: string;
}

/**
 * Where a share of a Knative Service's requests goes (`spec.traffic`): the latest ready revision, or one revision by
 * name, for canaries, blue/green rollouts and rollbacks of a model.
 *
 * @example
 * // 10% to the new model, the rest to the revision that served until now; the new one also at canary-<service>.
 * traffic: [TrafficTarget.revision('classifier-v1', { percent: 90 }), TrafficTarget.latest({ percent: 10, tag: 'canary' })]
 */
export class TrafficTarget {
  /** The latest ready revision: it moves to each new revision once that is ready. */
  public static latest(options: TrafficTargetOptions = {}): TrafficTarget {
    return new TrafficTarget(undefined, options);
  }

  /**
   * One revision by name: `<service>-00001` as Knative numbers them, or the name given with `revisionName`. It
   * keeps its share while newer revisions roll out, and keeps running (scaled by its own share) until it leaves the
   * traffic.
   */
  public static revision(revisionName: string, options: TrafficTargetOptions = {}): TrafficTarget {
    // Knative refuses dots in its objects' names; a revision of a Configuration made elsewhere may start with a digit.
    if (!isDnsLabel(revisionName)) {
      throw propError('TrafficTarget.revision(revisionName)', 'a revision name: a DNS label (at most 63 lowercase letters, digits and -)', revisionName);
    }
    return new TrafficTarget(revisionName, options);
  }

  /** Whether the target follows the latest ready revision. */
  public readonly latestRevision: boolean;
  /** The revision, when the target names one. */
  public readonly revisionName?: string;
  /** The target's share of the requests. */
  public readonly percent?: number;
  /** The target's own URL's tag. */
  public readonly tag?: string;

  private constructor(revisionName: string | undefined, options: TrafficTargetOptions) {
    checkInteger('TrafficTarget.percent', options.percent, 0, 100);
    if (options.tag !== undefined && (!DNS_1035_LABEL.test(options.tag) || options.tag.length > 63)) {
      throw propError('TrafficTarget.tag', 'a DNS-1035 label (a lowercase letter first, then lowercase letters, digits and -), as Knative puts it in a host name',
        options.tag);
    }
    this.latestRevision = revisionName === undefined;
    this.revisionName = revisionName;
    this.percent = options.percent;
    this.tag = options.tag;
  }
}

/** Which revision a Knative Service's template creates, and how its requests split between revisions. */
export interface KnativeRolloutOptions {
  /**
   * Name of the revision the template creates (`spec.template.metadata.name`), so that `traffic` can name it:
   * `<service name>-<suffix>`, a DNS-1035 label. Knative's webhook refuses a change of the template that keeps the
   * name, so change it with every change of the image, configuration, environment or scaling.
   * @default - Knative numbers the revisions (`<service>-00001`, `<service>-00002` ...)
   */
  readonly revisionName?: string;
  /**
   * How the requests split between revisions (`spec.traffic`); the shares add up to 100.
   * @default - every request to the latest ready revision
   */
  readonly traffic?: TrafficTarget[];
}
