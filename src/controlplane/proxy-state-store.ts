import { ProxyState } from './proxy-status.ts';

// Each proxy's sync state (proxy-status.ts), kept in the Durable Object's SQLite so a restart of
// the control plane forgets nothing a proxy told it: what it applied (syncz stays SYNCED) and
// what it rejected (a NACKed version is not offered again). Written only when that changes — a
// new version sent, an ACK, a NACK — never on a plain poll.

/** What the xDS server needs of a place to keep proxy state. */
export interface ProxyStatePersistence {
  load(): ProxyState[];
  save(state: ProxyState): void;
}

/** Rows kept at most: proxy ids come from gateway deployments, so this is a guard, not a limit in practice. */
const MAX_PROXIES = 1000;

export class ProxyStateStore implements ProxyStatePersistence {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS proxy_state (id TEXT PRIMARY KEY, state TEXT NOT NULL, seen INTEGER NOT NULL)`);
  }

  load(): ProxyState[] {
    const out: ProxyState[] = [];
    for (const row of this.storage.sql.exec<{ state: string }>(`SELECT state FROM proxy_state ORDER BY id`)) {
      // A row that does not parse or has another shape (an older version) is dropped: the proxy's next poll rebuilds it.
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.state);
      } catch {
        continue;
      }
      const s = ProxyState.safeParse(parsed);
      if (s.success) out.push(s.data);
    }
    return out;
  }

  save(state: ProxyState): void {
    this.storage.sql.exec(`INSERT OR REPLACE INTO proxy_state (id, state, seen) VALUES (?, ?, ?)`, state.node.id, JSON.stringify(state), state.lastSeen);
    this.storage.sql.exec(`DELETE FROM proxy_state WHERE id NOT IN (SELECT id FROM proxy_state ORDER BY seen DESC LIMIT ?)`, MAX_PROXIES);
  }
}
