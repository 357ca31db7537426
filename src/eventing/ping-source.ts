import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkExtensions, renderCeOverrides } from './_ce-overrides';
import { coldStartOf, renderDestination, sinkDestination } from './_delivery';
import { TZ_NAMES, TZ_VERSION } from './_tz-names';
import { IEventSink } from './event-sink';
import { propError } from '../_errors';
import { checkMetadata, DNS_1123_SUBDOMAIN } from '../_names';
import { snapshot } from '../_snapshot';
import { checkUniqueObjectNames } from '../_unique-names';
import type * as sourcesTypes from '../imports/sources.knative.dev';
/** The generated Knative sources module, loaded on first use: it is large and many apps never need it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sources = (): typeof sourcesTypes => require('../imports/sources.knative.dev');


/** robfig/cron's standard descriptors, which Knative's webhook accepts (but not `@every`). */
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** Props of PingSource. */
export interface PingSourceProps {
  /**
   * Metadata of the PingSource.
   * @default - a name generated from the construct path, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * When to send, as a five-field cron expression (`'0 2 * * *'`) or a descriptor (`@daily`, `@hourly` ...).
   * `@every` is not supported by Knative.
   */
  readonly schedule: string;
  /**
   * IANA time zone the schedule is read in, e.g. `Europe/Berlin`.
   * @default - the time zone of the PingSource adapter (UTC in the upstream image)
   */
  readonly timezone?: string;
  /**
   * A JSON object sent as the event data (`contentType` becomes `application/json`).
   * @default - no data
   */
  readonly data?: Record<string, any>;
  /**
   * Binary event data, base64-encoded; exclusive with `data`.
   * @default - no data
   */
  readonly dataBase64?: string;
  /**
   * Media type of the data.
   * @default - `application/json` with `data`; required with `dataBase64`
   */
  readonly contentType?: string;
  /**
   * Where the events go: usually a Broker. Knative's ping adapter retries a failed send five times within two
   * seconds and then drops the event, with no dead-letter sink: a service that scales to zero, whose cold start can
   * outlast its request, is refused; send the pings to a Broker and subscribe the service with an EventTrigger.
   * One made in this app must go to the PingSource's cluster (ClusterChart): Knative resolves it there.
   */
  readonly sink: IEventSink;
  /**
   * CloudEvents extension attributes added to every event (`ceOverrides.extensions`), named by lowercase letters
   * and digits, of any length (the spec's 20 characters are a recommendation Knative does not enforce); never named
   * like a context attribute (`type`, `source`, `id` ...).
   * @default - none
   */
  readonly extensions?: Record<string, string>;
}

/**
 * A Knative PingSource: sends a CloudEvent on a cron schedule, e.g. the nightly batch run of a model.
 *
 * Creates: one `sources.knative.dev/v1` PingSource. Its events have type `dev.knative.sources.ping` and source
 * `/apis/v1/namespaces/<namespace>/pingsources/<name>` (see `EVENT_TYPE` and `eventSource` to filter on them).
 *
 * Prerequisites: Knative Eventing 1.2x (the PingSource adapter ships with eventing-core).
 *
 * @example
 * new PingSource(chart, 'nightly', {
 *   schedule: '0 2 * * *',
 *   timezone: 'Europe/Berlin',
 *   data: { job: 'nightly-batch', prefix: 'incoming/' },
 *   sink: broker,
 * });
 */
export class PingSource extends Construct {
  /** The `type` of every PingSource event. */
  public static readonly EVENT_TYPE = 'dev.knative.sources.ping';

  /** The PingSource object (escape hatch: `addJsonPatch`). */
  public readonly apiObject: ApiObject;
  /** Name of the PingSource. */
  public readonly name: string;
  /** Namespace of the PingSource, when known at synth. */
  public readonly namespace?: string;

  public constructor(scope: Construct, id: string, props: PingSourceProps) {
    super(scope, id);
    props = snapshot(props);
    checkUniqueObjectNames(this);
    checkMetadata('metadata', props.metadata);
    // Trimmed: without a time zone, robfig/cron (Knative's parser) reads '@daily ' as an unknown descriptor.
    const schedule = checkedSchedule(props.schedule);
    if (props.timezone !== undefined) checkTimezone(props.timezone);
    if (props.data !== undefined && props.dataBase64 !== undefined) {
      throw propError('dataBase64', 'unset when data is given (Knative accepts one of them)', props.dataBase64);
    }
    if (props.data !== undefined && (props.data === null || typeof props.data !== 'object' || Array.isArray(props.data))) {
      throw propError('data', 'a JSON object (Knative parses application/json data into an object)', props.data);
    }
    // Written now: a value JSON cannot write (a BigInt, a cycle) fails here, not while cdk8s writes the files.
    const data = props.data === undefined ? undefined : jsonText(props.data);
    if (props.data !== undefined && props.contentType !== undefined && props.contentType !== 'application/json') {
      throw propError('contentType', "unset or 'application/json' with data", props.contentType, 'send other media types with dataBase64');
    }
    if (props.dataBase64 !== undefined) {
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(props.dataBase64) || props.dataBase64 === '') {
        throw propError('dataBase64', 'standard base64', props.dataBase64);
      }
      if (!props.contentType) throw propError('contentType', 'set with dataBase64', 'none', "e.g. 'application/octet-stream'");
      if (props.contentType === 'application/json') {
        const decoded = Buffer.from(props.dataBase64, 'base64').toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(decoded);
        } catch {
          parsed = undefined;
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw propError('dataBase64', 'a base64-encoded JSON object with contentType application/json', props.dataBase64);
        }
      }
    }
    checkExtensions('extensions', props.extensions);
    const sink = sinkDestination('sink', props.sink, this, 'PingSource');
    const cold = coldStartOf(props.sink);
    if (cold && cold.minScale === 0) {
      const expected = "a sink that is always up, or a Broker: Knative's ping adapter retries five times within two seconds and then drops the event, " +
        'with no dead-letter sink';
      const fix = 'send the pings to a Broker and subscribe the service with an EventTrigger (retries sized to its cold start, dead letters), ' +
        'or keep it warm with minScale >= 1';
      throw propError('sink', expected, `${cold.name} (scales to zero, cold start up to ${cold.coldStartBudget.toSeconds()}s)`, fix);
    }

    this.apiObject = new (sources().PingSource)(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => ({
          schedule,
          timezone: props.timezone,
          contentType: props.data !== undefined ? 'application/json' : props.contentType,
          data,
          dataBase64: props.dataBase64,
          sink: renderDestination(sink),
          ceOverrides: renderCeOverrides(props.extensions),
        }),
      }),
    });
    this.name = this.apiObject.name;
    if (!DNS_1123_SUBDOMAIN.test(this.name) || this.name.length > 253) {
      throw propError('metadata.name', 'a DNS-1123 subdomain (lowercase letters, digits, - and .)', this.name);
    }
    this.namespace = this.apiObject.metadata.namespace;
  }

  /**
   * The `source` attribute of this PingSource's events, which names its namespace: known at synth only when the
   * chart or `metadata` sets it (a filter on a guessed namespace would drop every event without a word).
   */
  public get eventSource(): string {
    if (!this.namespace) {
      throw propError('metadata.namespace', 'known at synth to name the event source', 'none',
        'set the namespace on the chart or in metadata: the source is /apis/v1/namespaces/<namespace>/pingsources/<name>');
    }
    return `/apis/v1/namespaces/${this.namespace}/pingsources/${this.name}`;
  }
}

/** The schedule, trimmed, once it is one Knative's cron parser takes. */
function checkedSchedule(schedule: string): string {
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    throw propError('schedule', 'a cron expression without a time zone prefix', schedule, 'set the time zone with the timezone prop');
  }
  if (trimmed.startsWith('@')) {
    if (trimmed.startsWith('@every')) throw propError('schedule', 'a cron expression or descriptor other than @every (Knative rejects @every)', schedule);
    if (!DESCRIPTORS.includes(trimmed)) throw propError('schedule', `a cron expression or one of ${DESCRIPTORS.join(', ')}`, schedule);
    return trimmed;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    throw propError('schedule', 'five cron fields (minute hour day-of-month month day-of-week)', schedule, "e.g. '0 2 * * *' for 02:00 every day");
  }
  const [, , days, months] = fields.map((field, i) => checkCronField(schedule, field, FIELDS[i]));
  // Knative's cron (robfig/cron) matches the day of month AND the day of week when either field has a part '*' or
  // '?' without a step (its star bit), else either one: with any day of week, days of month no month has never come.
  const anyWeekday = fields[4].split(',').some((part) => /^[*?](\/1)?$/.test(part));
  if (anyWeekday && ![...months].some((m) => [...days].some((d) => d <= DAYS_IN_MONTH[m - 1]))) {
    throw propError('schedule', 'a schedule that fires: none of its months has any of its days of month', schedule,
      'use days every month has (1-28), or months that have the days');
  }
  return trimmed;
}

/** The most days each month has (February in leap years). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Throws unless `field` is one `spec` takes; returns the values it matches. */
function checkCronField(schedule: string, field: string, spec: typeof FIELDS[number]): Set<number> {
  const bad = () => propError('schedule', `a valid ${spec.name} field (${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ''}, *, ranges, lists and steps)`, schedule);
  const value = (text: string): number => {
    const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + (spec.min === 1 ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= spec.min && n <= spec.max)) throw bad();
    return n;
  };
  const matched = new Set<number>();
  for (const part of field.split(',')) {
    const [given, step, extra] = part.split('/');
    // robfig/cron reads '?' as '*' in every field, not only the day fields (getRange).
    const range = given === '?' ? '*' : given;
    if (extra !== undefined || (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0))) throw bad();
    let [start, end] = [spec.min, spec.max];
    if (range !== '*') {
      const [from, to, more] = range.split('-');
      if (more !== undefined) throw bad();
      start = value(from);
      // 'a/s' runs from a to the field's end, as in robfig/cron.
      end = to !== undefined ? value(to) : step !== undefined ? spec.max : start;
      if (end < start) throw bad();
    }
    for (let v = start; v <= end; v += Number(step ?? 1)) matched.add(v);
  }
  return matched;
}

/** The tz names, built on first use. */
let tzNames: Set<string> | undefined;

/**
 * Knative reads the zone with Go's `time.LoadLocation`: an exact, case-sensitive look-up in the tz database (zones
 * and links; `src/eventing/_tz-names.ts`, generated from tzdata). JavaScript's `Intl` matches names in any case, so
 * it cannot tell. `Local` is refused: it would be the controller's own zone.
 */
function checkTimezone(timezone: string): void {
  tzNames ??= new Set(TZ_NAMES.split(' '));
  if (tzNames.has(timezone)) return;
  const cased = [...tzNames].find((n) => n.toLowerCase() === timezone.toLowerCase());
  if (cased) {
    throw propError('timezone', "a tz database name spelled as the database does (Knative's look-up is case-sensitive)", timezone, `use '${cased}'`);
  }
  throw propError('timezone', `an IANA time zone name (tz database ${TZ_VERSION})`, timezone, "e.g. 'Europe/Berlin' or 'UTC'");
}

/** `data` as JSON text; throws naming the prop when JSON cannot write it. */
function jsonText(data: Record<string, any>): string {
  try {
    return JSON.stringify(data);
  } catch (e) {
    throw propError('data', 'a JSON object', `a value JSON cannot write (${(e as Error).message})`, 'give plain strings, numbers, booleans, lists and objects');
  }
}
