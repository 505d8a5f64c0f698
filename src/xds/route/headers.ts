import type { Headers } from '../../config/kinds/networking/virtual-service.ts';
import type { HeaderValueOption } from '../resources/common.ts';

// Headers → envoy header operations (Istio route.go TranslateHeadersOperations): `set` ⇒
// OVERWRITE_IF_EXISTS_OR_ADD, `add` ⇒ APPEND_IF_EXISTS_OR_ADD, each sorted by key, set before
// add. `:authority`/`Host` set or add is an authority rewrite (set wins over add); other
// `:`-names and Host are never emitted as header operations.

export interface HeaderOperations {
  request_headers_to_add: HeaderValueOption[];
  request_headers_to_remove: string[];
  response_headers_to_add: HeaderValueOption[];
  response_headers_to_remove: string[];
  /** Authority to rewrite to, or ''. */
  authority: string;
}

const isAuthority = (k: string) => /^(:authority|host)$/i.test(k);
const isInternal = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host';

function toOptions(map: Record<string, string> | undefined, append: boolean): { options: HeaderValueOption[]; authority: string } {
  let authority = '';
  const options: HeaderValueOption[] = [];
  for (const key of Object.keys(map ?? {}).sort()) {
    const value = map![key]!;
    if (isAuthority(key)) authority = value;
    if (isInternal(key)) continue;
    options.push({ header: { key, value }, append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  return { options, authority };
}

export function translateHeaderOperations(h: Headers): HeaderOperations {
  const reqSet = toOptions(h.request?.set, false);
  const reqAdd = toOptions(h.request?.add, true);
  return {
    request_headers_to_add: [...reqSet.options, ...reqAdd.options],
    request_headers_to_remove: (h.request?.remove ?? []).filter((k) => !isInternal(k)),
    response_headers_to_add: [...toOptions(h.response?.set, false).options, ...toOptions(h.response?.add, true).options],
    response_headers_to_remove: (h.response?.remove ?? []).filter((k) => !isInternal(k)),
    authority: reqSet.authority || reqAdd.authority,
  };
}

type HeaderFields = Partial<Omit<HeaderOperations, 'authority'>>;

/** Appends the operations to `target`'s header fields, leaving empty lists out. */
export function appendHeaderOperations(target: HeaderFields, ops: HeaderOperations): void {
  for (const k of ['request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove'] as const) {
    const add = ops[k] as never[];
    if (add.length) target[k] = [...((target[k] as never[] | undefined) ?? []), ...add];
  }
}
