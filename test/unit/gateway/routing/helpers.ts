import type { MatchInput } from '../../../../src/gateway/routing/match-input.ts';
import type { Route, RouteConfiguration, RouteMatch, VirtualHost } from '../../../../src/xds/resources/route.ts';

export function req(pathAndQuery: string, opts: Partial<Omit<MatchInput, 'path' | 'query' | 'headers'>> & { headers?: Record<string, string> | Headers } = {}): MatchInput {
  const q = pathAndQuery.indexOf('?');
  const { headers, ...rest } = opts;
  return {
    path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q < 0 ? '' : pathAndQuery.slice(q + 1),
    headers: headers instanceof Headers ? headers : new Headers(headers ?? {}),
    method: 'GET',
    scheme: 'http',
    authority: 'example.com',
    ...rest,
  };
}

export const route = (match: RouteMatch, name?: string): Route => ({ ...(name !== undefined ? { name } : {}), match, route: { cluster: name ?? 'c' } });

export const vhost = (routes: Route[], domains: string[] = ['*'], name = 'vh'): VirtualHost => ({ name, domains, routes });

export const rc = (virtual_hosts: VirtualHost[], ignore_port_in_host_matching = true): RouteConfiguration => ({ name: 'http.80', virtual_hosts, ignore_port_in_host_matching });
