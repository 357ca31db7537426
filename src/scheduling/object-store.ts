import { ISecret } from 'cdk8s-plus-27';

/** Where objects live in an S3-compatible store (MinIO, Ceph RGW, AWS S3), and the Secret that opens it. */
export interface ObjectStoreOptions {
  /** Endpoint of the store with scheme and no path, e.g. `http://minio.minio.svc.cluster.local:9000`. */
  readonly endpoint: string;
  /** Bucket holding the objects. */
  readonly bucket: string;
  /**
   * Key prefix inside the bucket.
   * @default - the bucket root
   */
  readonly prefix?: string;
  /**
   * Secret holding the access key id and secret access key; only ever referenced, never read. `mc` takes them from
   * an `MC_HOST_<alias>` URL, where a ':' in either key would read as a session token: use keys without ':'.
   * Every `mc` copy (`ModelArtifactSource.fromS3`, `modelWeights`) needs it: `mc` takes keys only. Triton's own S3
   * client (`ModelArtifactSource.fromS3Native`) may go without it, and then finds the pod's ambient AWS credentials
   * (the AWS SDK's default chain: IRSA, EKS Pod Identity, an instance profile).
   * @default - required, except by `ModelArtifactSource.fromS3Native`
   */
  readonly credentials?: ISecret;
  /**
   * Key in `credentials` holding the access key id.
   * @default 'AWS_ACCESS_KEY_ID'
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key in `credentials` holding the secret access key.
   * @default 'AWS_SECRET_ACCESS_KEY'
   */
  readonly secretAccessKeyKey?: string;
  /**
   * Secret holding the CA certificate (PEM) of an `https` endpoint whose certificate no public CA signed (a MinIO
   * Operator tenant's): `mc` trusts it beside the system roots (`<config dir>/certs/CAs`). Only where `mc` reads
   * the store: `ModelArtifactSource.fromS3Native` refuses it, as Triton's own S3 client trusts its image's CA bundle.
   * @default - the system roots of the `mc` image
   */
  readonly caCertificate?: ISecret;
  /**
   * Key in `caCertificate` holding the certificate.
   * @default 'ca.crt'
   */
  readonly caCertificateKey?: string;
}
