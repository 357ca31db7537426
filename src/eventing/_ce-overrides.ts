/**
 * The `ceOverrides` both sources take (PingSource's own, MinIOImageSource's SinkBinding): CloudEvents extension
 * attributes added to every event, checked the same way.
 */
import { propError } from '../_errors';
import { ceContextAttributes } from './adapter/minio-cloudevents-adapter';

/** The context attributes, from the list the MinIO adapter ships (its refusal and this one agree). */
const CONTEXT_ATTRIBUTES = ceContextAttributes();

/**
 * Throws unless every key of `extensions` is a CloudEvents extension name that no context attribute has. Any length:
 * the spec's 20 characters are a SHOULD, which neither Knative's webhook nor cloudevents sdk-go enforces.
 */
export function checkExtensions(prop: string, extensions: Record<string, string> | undefined): void {
  for (const name of Object.keys(extensions ?? {})) {
    if (!/^[a-z0-9]+$/.test(name)) throw propError(prop, 'keyed by CloudEvents extension names (one or more lowercase letters and digits)', name);
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
