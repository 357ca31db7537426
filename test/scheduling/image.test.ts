import { checkPinnedImage, mirroredImage } from '../../src/scheduling/_image';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('checkPinnedImage', () => {
  test.each([
    'nvcr.io/nvidia/pytorch:24.05-py3',
    'registry.example.com:5000/team/model:1.0.0',
    'busybox:1.36',
    `ghcr.io/org/model@${DIGEST}`,
    `ghcr.io/org/model:1.2@${DIGEST}`,
  ])('accepts %s', (image) => {
    expect(() => checkPinnedImage('image', image)).not.toThrow();
  });

  test('accepts a digest when one is required', () => {
    expect(() => checkPinnedImage('image', `model@${DIGEST}`, true)).not.toThrow();
  });

  test.each([
    ['model', /pinned to a tag other than 'latest'/],
    ['model:latest', /pinned to a tag other than 'latest'/],
    ['registry.example.com:5000/model', /pinned to a tag other than 'latest'/],
    ['Model:1.0', /a valid image reference/],
    ['model:1.0 ', /a valid image reference/],
    ['model@sha256:abc', /a digest of the form sha256:<64 hex characters> \(or sha384, sha512\)/],
  ])('fails on %s', (image, message) => {
    expect(() => checkPinnedImage('image', image)).toThrow(message);
  });

  test.each([
    'Registry.Example.com/a/b:1', 'xn--bcher-kva.example/a:1', '[::1]:5000/a:1', 'foo__bar/baz:1', 'a--b/c:1', `a@sha512:${'f'.repeat(128)}`,
  ])('accepts %s, as distribution/reference parses it', (image) => {
    expect(() => checkPinnedImage('image', image)).not.toThrow();
  });

  test.each(['a.b:5000.c/foo:1', 'a:1:2/foo:3', `registry.example.com/${'x'.repeat(300)}:1`, '-a.example/foo:1'])('fails on %s, which no runtime parses', (image) => {
    expect(() => checkPinnedImage('image', image)).toThrow(/a valid image reference/);
  });

  test('fails on a tag when a digest is required', () => {
    expect(() => checkPinnedImage('triton.image', 'model:1.0', true)).toThrow(/'triton.image' must be pinned by digest because requireImageDigest is set, got 'model:1.0'/);
  });

  test('a reference that passed once still fails where a digest is required', () => {
    expect(() => checkPinnedImage('image', 'cached-model:2.0')).not.toThrow();
    expect(() => checkPinnedImage('image', 'cached-model:2.0')).not.toThrow();
    expect(() => checkPinnedImage('image', 'cached-model:2.0', true)).toThrow(/pinned by digest because requireImageDigest is set/);
    expect(() => checkPinnedImage('image', `cached-model@${DIGEST}`, true)).not.toThrow();
    expect(() => checkPinnedImage('image', `cached-model@${DIGEST}`)).not.toThrow();
  });
});

describe('mirroredImage', () => {
  test.each([
    ['registry.example.com/ml/train:2.4.1', 'harbor.dc1.example.com/ml/train:2.4.1'],
    ['localhost:5000/train@sha256:' + 'a'.repeat(64), 'harbor.dc1.example.com/train@sha256:' + 'a'.repeat(64)],
    ['registry.example.com/ml/train:2.4.1@sha256:' + 'b'.repeat(64), 'harbor.dc1.example.com/ml/train:2.4.1@sha256:' + 'b'.repeat(64)],
    // Docker Hub, with and without its short forms: the paths a Docker Hub mirror serves.
    ['docker.io/minio/mc:RELEASE.2024-05-24T09-08-49Z', 'harbor.dc1.example.com/minio/mc:RELEASE.2024-05-24T09-08-49Z'],
    ['pytorch/pytorch:2.4.1', 'harbor.dc1.example.com/pytorch/pytorch:2.4.1'],
    ['python:3.12.7-slim', 'harbor.dc1.example.com/library/python:3.12.7-slim'],
    ['python@sha256:' + 'c'.repeat(64), 'harbor.dc1.example.com/library/python@sha256:' + 'c'.repeat(64)],
    ['docker.io/python:3.12.7-slim', 'harbor.dc1.example.com/library/python:3.12.7-slim'],
    ['index.docker.io/python:3.12.7-slim', 'harbor.dc1.example.com/library/python:3.12.7-slim'],
  ])('%s through a mirror for every registry is %s', (image, mirrored) => {
    expect(mirroredImage(image, { '*': 'harbor.dc1.example.com' })).toBe(mirrored);
  });

  test('takes the mirror of the image\'s own registry before the catch-all, with its path; other registries stay', () => {
    const mirrors = { 'docker.io': 'harbor.dc1.example.com/dockerhub-proxy', 'nvcr.io': '123456789012.dkr.ecr.us-east-1.amazonaws.com/nvcr' };
    expect(mirroredImage('node:22.20.0-alpine3.22', mirrors)).toBe('harbor.dc1.example.com/dockerhub-proxy/library/node:22.20.0-alpine3.22');
    expect(mirroredImage('index.docker.io/minio/mc:1', mirrors)).toBe('harbor.dc1.example.com/dockerhub-proxy/minio/mc:1');
    expect(mirroredImage('nvcr.io/nvidia/tritonserver:25.12-py3', mirrors)).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/nvcr/nvidia/tritonserver:25.12-py3');
    expect(mirroredImage('quay.io/jupyter/pytorch-notebook:x', mirrors)).toBe('quay.io/jupyter/pytorch-notebook:x');
    expect(mirroredImage('quay.io/jupyter/pytorch-notebook:x', { ...mirrors, '*': 'harbor.dc1.example.com/other' }))
      .toBe('harbor.dc1.example.com/other/jupyter/pytorch-notebook:x');
  });
});
