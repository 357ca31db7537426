import { EventSink } from '../../src';

describe('EventSink', () => {
  test('fromReference renders the reference and an optional path', () => {
    expect(EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'logger' }).toSinkDestination())
      .toEqual({ ref: { apiVersion: 'v1', kind: 'Service', name: 'logger' } });
    expect(EventSink.fromReference({ apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'c', namespace: 'x' }, { path: '/in' }).toSinkDestination())
      .toEqual({ ref: { apiVersion: 'messaging.knative.dev/v1', kind: 'Channel', name: 'c', namespace: 'x' }, uri: '/in' });
  });

  test('fromUri keeps an absolute URL', () => {
    expect(EventSink.fromUri('https://hooks.example.com/events').toSinkDestination()).toEqual({ uri: 'https://hooks.example.com/events' });
  });

  test('fails a reference without a kind', () => {
    expect(() => EventSink.fromReference({ apiVersion: 'v1', kind: '', name: 'x' })).toThrow("'ref.kind' must be a non-empty string, got ''");
  });

  test('fails a path given as the second argument, where it used to be: a JavaScript caller would lose it', () => {
    expect(() => EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'x' }, '/events' as any))
      .toThrow("'options' must be an object such as { path: '/events' }, got '/events': pass the path as { path: '/events' }");
  });

  test('fails a relative path', () => {
    expect(() => EventSink.fromReference({ apiVersion: 'v1', kind: 'Service', name: 'x' }, { path: 'events' })).toThrow("'path' must be a path starting with '/', got 'events'");
  });

  test('fails a URI that is not absolute http(s)', () => {
    expect(() => EventSink.fromUri('/events')).toThrow("'uri' must be an absolute http(s) URL, got '/events': use EventSink.fromReference() for objects in the cluster");
    expect(() => EventSink.fromUri('ftp://example.com/x')).toThrow("'uri' must be an absolute http(s) URL");
  });

  test('fails a URI with user info, which the Trigger, Broker or source would hold in plain text, and does not echo it', () => {
    const message = "'uri' must be a URL without user info (credentials in it would be stored in plain text in the object), " +
      "got 'https://<user info>@hooks.example.com/dead': let the receiver authenticate otherwise";
    expect(() => EventSink.fromUri('https://user:s3cr3t@hooks.example.com/dead')).toThrow(message);
    expect(() => EventSink.fromUri('https://token@hooks.example.com/dead')).toThrow(message);
    // A secret with '/' in it makes no URL at all: still not echoed.
    expect(() => EventSink.fromUri('https://user:wJalrXUtnFEMI/K7MDENG@hooks.example.com/x'))
      .toThrow("'uri' must be an absolute http(s) URL, got 'https://<user info>@hooks.example.com/x'");
  });

  test('does not echo the query of a URI it refuses: tokens and signatures travel there', () => {
    expect(() => EventSink.fromUri('hooks.example.com/dead?token=s3cr3t')).toThrow("'uri' must be an absolute http(s) URL, got 'hooks.example.com/dead?<query>'");
    expect(() => EventSink.fromUri('https://user:pa?ss@hooks.example.com/dead?token=s3cr3t'))
      .toThrow("got 'https://<user info>@hooks.example.com/dead?<query>'");
  });
});
