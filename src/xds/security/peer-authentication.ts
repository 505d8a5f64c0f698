import type { HttpFilter } from '../resources/listener.ts';
import type { Node } from '../protocol.ts';
import type { PushContext } from '../push-context.ts';

// TODO(security helper): listener filter(s) for this proxy.
export function buildPeerAuthenticationFilters(_push: PushContext, _node: Node): HttpFilter[] {
  return [];
}
