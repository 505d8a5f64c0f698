import type { z } from 'zod';
import type { PathSegment, Severity } from '../issues.ts';
import type { Resource } from '../meta.ts';

export type Report = (path: readonly PathSegment[], message: string, severity?: Severity) => void;

/** One Istio kind: its API identity, its schema, and the rules that need the metadata. */
export interface KindDef<Spec extends z.ZodType = z.ZodType> {
  group: string;
  kind: string;
  /** Served versions; the first is the canonical stored one. */
  versions: readonly string[];
  plural: string;
  shortNames: readonly string[];
  /** Top-level field holding the body: `spec` for Istio kinds, `data` for the mesh ConfigMap. */
  body: 'spec' | 'data';
  spec: Spec;
  /** Rules that need metadata (namespace, name) and Istio's warnings; paths are from the document root. */
  check?: (resource: Resource<z.infer<Spec>>, report: Report) => void;
}

export function defineKind<S extends z.ZodType>(def: KindDef<S>): KindDef<S> {
  return def;
}
