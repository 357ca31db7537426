import { propError } from '../_errors';

/** CloudEvents attribute names as Knative's webhook accepts them in filters. */
const ATTRIBUTE = /^[a-z][a-z0-9]*$/;

/**
 * One expression of a Trigger's `filters` (Knative's SubscriptionsAPI dialects). An event reaches the subscriber
 * when every filter of the trigger is true.
 *
 * - `exact`, `prefix`, `suffix`: one CloudEvents attribute compared with a non-empty string (case-sensitive);
 * - `all`, `any`, `not`: combine other filters;
 * - `cesql`: a CloudEvents SQL expression.
 *
 * Needs the `new-trigger-filters` feature flag of Knative Eventing, on by default.
 *
 * @example
 * TriggerFilter.all(
 *   TriggerFilter.exact('type', 'io.min.s3.ObjectCreated:Put'),
 *   TriggerFilter.any(TriggerFilter.suffix('subject', '.jpg'), TriggerFilter.suffix('subject', '.png')),
 * );
 */
export class TriggerFilter {
  /** True when the attribute equals `value`. */
  public static exact(attribute: string, value: string): TriggerFilter {
    return new TriggerFilter({ exact: attributeMatch('exact', attribute, value) });
  }

  /** True when the attribute starts with `value`. */
  public static prefix(attribute: string, value: string): TriggerFilter {
    return new TriggerFilter({ prefix: attributeMatch('prefix', attribute, value) });
  }

  /** True when the attribute ends with `value`. */
  public static suffix(attribute: string, value: string): TriggerFilter {
    return new TriggerFilter({ suffix: attributeMatch('suffix', attribute, value) });
  }

  /** True when every one of `filters` is true. */
  public static all(...filters: TriggerFilter[]): TriggerFilter {
    if (filters.length === 0) throw propError('all', 'at least one filter', 'none');
    return new TriggerFilter({ all: filters.map((f) => f._toJson()) });
  }

  /** True when at least one of `filters` is true. */
  public static any(...filters: TriggerFilter[]): TriggerFilter {
    if (filters.length === 0) throw propError('any', 'at least one filter', 'none');
    return new TriggerFilter({ any: filters.map((f) => f._toJson()) });
  }

  /** True when `filter` is false. */
  public static not(filter: TriggerFilter): TriggerFilter {
    return new TriggerFilter({ not: filter._toJson() });
  }

  /** True when the CloudEvents SQL expression is, e.g. `"type LIKE 'io.min.s3.ObjectCreated:%'"`. */
  public static cesql(expression: string): TriggerFilter {
    checkCesql(expression);
    return new TriggerFilter({ cesql: expression });
  }

  /** Shorthand for `exact('type', type)`. */
  public static eventType(type: string): TriggerFilter {
    return TriggerFilter.exact('type', type);
  }

  /** Throws unless every key of a `filter.attributes` map is a valid attribute name with a non-empty value. @internal */
  public static _checkAttributes(prop: string, attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) attributeMatch(prop, name, value);
  }

  /** The wire form, frozen: a filter is a value, and the filters combined from it share its form. */
  private readonly json: Record<string, any>;

  private constructor(json: Record<string, any>) {
    this.json = deepFreeze(json);
  }

  /** The wire form (frozen). @internal */
  public _toJson(): Record<string, any> {
    return this.json;
  }
}

/** Freezes a JSON value and what it holds; the forms of other filters in it are frozen already. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function attributeMatch(prop: string, attribute: string, value: string): Record<string, string> {
  if (!ATTRIBUTE.test(attribute)) {
    throw propError(`${prop}.attribute`, 'a CloudEvents attribute name (lowercase letters and digits, starting with a letter)', attribute, 'e.g. type, source, subject, or an extension name');
  }
  if (typeof value !== 'string' || value === '') {
    throw propError(`${prop}['${attribute}']`, 'a non-empty string', value ?? 'none', 'leave the attribute out to match any value');
  }
  return { [attribute]: value };
}

/** A syntax check of what the webhook's CESQL parser would refuse most often: empty, unclosed quotes or parentheses. */
function checkCesql(expression: string): void {
  if (expression.trim() === '') throw propError('cesql', 'a CloudEvents SQL expression', expression);
  let depth = 0;
  let quote: string | undefined;
  let escaped = false;
  for (const ch of expression) {
    if (quote) {
      // In a literal a backslash escapes the next character, as in 'it\'s' (the CESQL lexer's string rule); a
      // doubled quote closes and reopens the literal, which balances out.
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')' && --depth < 0) {
      break;
    }
  }
  if (quote || depth !== 0) {
    throw propError('cesql', 'a CloudEvents SQL expression with closed quotes and balanced parentheses', expression);
  }
}
