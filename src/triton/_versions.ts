/**
 * Model versions as Triton names them, one rule for the repository's version folders, a config's version policy and
 * an ensemble's steps: Triton loads the subfolders named by an integer without leading zeros, 0 included (core's
 * VersionsToLoad).
 */
import { checkRequiredInteger, propError } from '../_errors';

/** Throws unless `version` is one Triton can load. */
export function checkModelVersion(prop: string, version: number, fix?: string): void {
  checkRequiredInteger(prop, version, 0, Number.MAX_SAFE_INTEGER, fix);
}

/**
 * `versions` in ascending order, after checking that there is one (`expected` says what is wanted when there is
 * none), that each is a version Triton loads, and that none is given twice.
 */
export function sortedModelVersions(prop: string, versions: number[], expected: string, fix?: string): number[] {
  if (versions.length === 0) throw propError(prop, expected, versions);
  for (const v of versions) checkModelVersion(prop, v, fix);
  if (new Set(versions).size !== versions.length) throw propError(prop, 'distinct versions', versions);
  return [...versions].sort((a, b) => a - b);
}
