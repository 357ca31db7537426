/**
 * The `ceOverrides` both sources take (PingSource's own, MinIOImageSource's SinkBinding): CloudEvents extension
 * attributes added to every event, checked the same way.
 */
import { propError } from '../_errors';

/**
 * The CloudEvents v1.0 context attributes (and `data`): an extension of one of these names would replace the
 * event's own attribute (a `type` no filter matches, a `specversion` the broker refuses), which the spec forbids.
 */
const CONTEXT_ATTRIBUTES = ['data', 'datacontenttype', 'dataschema', 'id', 'source', 'specversion', 'subject', 'time', 'type'];

/** Throws unless every key of `extensions` is a CloudEvents extension name that no context attribute has. */
export function checkExtensions(prop: string, extensions: Record<string, string> | undefined): void {
  for (const name of Object.keys(extensions ?? {})) {
    if (!/^[a-z0-9]{1,20}$/.test(name)) throw propError(prop, 'keyed by CloudEvents extension names (lowercase letters and digits)', name);
    if (CONTEXT_ATTRIBUTES.includes(name)) {
      throw propError(prop, `keyed by names other than the CloudEvents context attributes (${CONTEXT_ATTRIBUTES.join(', ')})`, name,
        "an extension would replace the event's own attribute; choose another name");
    }
  }
}

/** The wire form: `{ extensions }`, or undefined without any. */
export function renderCeOverrides(extensions: Record<string, string> | undefined): { extensions: Record<string, string> } | undefined {
  return extensions && Object.keys(extensions).length > 0 ? { extensions: { ...extensions } } : undefined;
}
