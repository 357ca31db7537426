import { NodeLabelQuery, NodeTaintQuery, TaintEffect } from 'cdk8s-plus-27';
import { GpuProduct } from './gpu-product';
import { propError } from '../_errors';

/** The label NVIDIA GPU Feature Discovery puts on every GPU node with the product name. */
export const GFD_PRODUCT_LABEL = 'nvidia.com/gpu.product';

/**
 * Where GPU pods may run: node labels they require and node taints they tolerate.
 */
export interface GpuNodePoolOptions {
  /**
   * Labels a node must carry, rendered as `nodeSelector`.
   * @default - no node selector
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Label expressions a node must match, rendered as required node affinity (one term, all expressions ANDed).
   * @default - no node affinity
   */
  readonly requiredNodeAffinity?: NodeLabelQuery[];
  /**
   * Taints the pods tolerate.
   * @default - none
   */
  readonly tolerations?: NodeTaintQuery[];
  /**
   * The GPU products this pool guarantees, for memory-budget checks.
   * @default - unknown
   */
  readonly products?: GpuProduct[];
}

/** Options for a pool of NVIDIA GPU nodes labelled by GPU Feature Discovery. */
export interface NvidiaNodePoolOptions {
  /**
   * GPU products to run on, matched on GPU Feature Discovery's `nvidia.com/gpu.product` label: one product
   * is a node selector, several are a required node affinity.
   * @default - any node with a free GPU
   */
  readonly products?: GpuProduct[];
  /**
   * Taints the pods tolerate.
   * @default - `nvidia.com/gpu` with effect NoSchedule, the taint GPU node pools conventionally carry
   */
  readonly tolerations?: NodeTaintQuery[];
}

/**
 * A placement profile for GPU pods: node selector, required node affinity and tolerations.
 *
 * Every workload in this library takes one (`nodePool`), so one profile places inference services, Triton
 * servers and training jobs the same way.
 */
export class GpuNodePool {
  /**
   * NVIDIA GPU nodes labelled by GPU Feature Discovery (on-prem, or any cluster running the GPU Operator).
   */
  public static nvidia(options: NvidiaNodePoolOptions = {}): GpuNodePool {
    const products = options.products ?? [];
    const tolerations = options.tolerations ?? [NodeTaintQuery.exists('nvidia.com/gpu', { effect: TaintEffect.NO_SCHEDULE })];
    if (products.length === 1) {
      return new GpuNodePool({ nodeSelector: { [GFD_PRODUCT_LABEL]: products[0].label }, tolerations, products });
    }
    const affinity = products.length > 1 ? [NodeLabelQuery.in(GFD_PRODUCT_LABEL, products.map((p) => p.label))] : undefined;
    return new GpuNodePool({ requiredNodeAffinity: affinity, tolerations, products: products.length ? products : undefined });
  }

  /** Any placement, spelled out. */
  public static custom(options: GpuNodePoolOptions): GpuNodePool {
    return new GpuNodePool(options);
  }

  /** Labels a node must carry. */
  public readonly nodeSelector?: Record<string, string>;
  /** Label expressions a node must match. */
  public readonly requiredNodeAffinity?: NodeLabelQuery[];
  /** Taints the pods tolerate. */
  public readonly tolerations?: NodeTaintQuery[];
  /** GPU products the pool guarantees, when known. */
  public readonly products?: GpuProduct[];

  private constructor(options: GpuNodePoolOptions) {
    for (const [key, value] of Object.entries(options.nodeSelector ?? {})) {
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
        throw propError('nodeSelector', 'keyed by valid label names', key);
      }
      if (value !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value)) {
        throw propError(`nodeSelector['${key}']`, 'a valid label value (63 characters of [A-Za-z0-9-_.])', value);
      }
    }
    this.nodeSelector = nonEmptyRecord(options.nodeSelector);
    this.requiredNodeAffinity = nonEmpty(options.requiredNodeAffinity);
    this.tolerations = nonEmpty(options.tolerations);
    this.products = nonEmpty(options.products);
  }
}

function nonEmpty<T>(items?: T[]): T[] | undefined {
  return items && items.length > 0 ? [...items] : undefined;
}

function nonEmptyRecord(record?: Record<string, string>): Record<string, string> | undefined {
  return record && Object.keys(record).length > 0 ? { ...record } : undefined;
}
