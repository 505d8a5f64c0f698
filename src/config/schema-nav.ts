import type { z } from 'zod';
import type { PathSegment } from './issues.ts';

// Walks a zod schema along a data path to find the object shape there, so an unknown field can be
// answered with the nearest valid name. Reads zod's public `_zod.def` structure.
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 32; i++) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (d.type === 'lazy' && d.getter) s = d.getter();
    else return s;
  }
  return s;
}

/** Field names of the object schema found at `path` inside `schema`, if there is one. */
export function fieldsAt(schema: z.ZodType, path: readonly PathSegment[]): string[] | undefined {
  let s = unwrap(schema);
  for (const seg of path) {
    const d = defOf(s);
    if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) s = d.shape[seg];
    else if (d.type === 'array' && typeof seg === 'number' && d.element) s = d.element;
    else if (d.type === 'record' && d.valueType) s = d.valueType;
    else return undefined;
    s = unwrap(s);
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : undefined;
}
