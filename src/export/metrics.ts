/**
 * Prometheus metrics of every BPF map on the host: element counts, capacity, fill ratio and the
 * time each count took, from one host scan per scrape. The gauges are rebuilt from each scan, so
 * a map freed since the last scrape is gone from the next one; between scrapes nothing holds a
 * map (only the scan program).
 */
import { Gauge, Registry } from 'prom-client';
import { HostMaps, type MapSummary } from '../host/host-maps.js';

/** A registry whose gauges are filled from one fresh scan of the host's maps at every scrape. */
export class MapMetrics implements Disposable {
  /** The prom-client registry to serve (`await metrics.registry.metrics()`). */
  readonly registry = new Registry();
  #host = new HostMaps();
  /** The summaries of the last scan, for callers that want the figures behind the text. */
  last: MapSummary[] = [];

  constructor() {
    const labelNames = ['id', 'name', 'type'] as const;
    const entries: Gauge<'id' | 'name' | 'type'> = new Gauge({
      name: 'bpf_map_entries',
      help: 'Elements in the BPF map, counted exactly.',
      labelNames,
      registers: [],
      // Collected first (registered first): the scan runs here and fills every gauge.
      collect: () => this.#collect(),
    });
    const max = new Gauge({ name: 'bpf_map_max_entries', help: 'Maximum number of elements of the BPF map.', labelNames, registers: [] });
    const fill = new Gauge({ name: 'bpf_map_fill_ratio', help: 'Elements divided by maximum elements, 0 to 1.', labelNames, registers: [] });
    const countTime = new Gauge({ name: 'bpf_map_count_duration_seconds', help: 'Time taken to count the map, by counting method.', labelNames: [...labelNames, 'method'], registers: [] });
    const memlock = new Gauge({ name: 'bpf_map_memlock_bytes', help: 'Kernel memory charged to the BPF map.', labelNames, registers: [] });
    const rbPending = new Gauge({ name: 'bpf_ringbuf_pending_bytes', help: 'Bytes written to the ring buffer and not yet consumed (bpf_ringbuf_query BPF_RB_AVAIL_DATA).', labelNames, registers: [] });
    const rbSize = new Gauge({ name: 'bpf_ringbuf_size_bytes', help: 'Size of the ring buffer data area.', labelNames, registers: [] });
    const errors = new Gauge({ name: 'bpf_map_count_errors', help: 'Maps that could not be opened or counted in the last scrape.', registers: [] });
    const scan = new Gauge({ name: 'bpf_maps_scan_duration_seconds', help: 'Time taken to list and count every map.', registers: [] });
    for (const g of [entries, max, fill, countTime, memlock, rbPending, rbSize, errors, scan]) this.registry.registerMetric(g);
    this.#collect = () => {
      const t0 = process.hrtime.bigint();
      this.last = this.#host.scan();
      scan.set(Number(process.hrtime.bigint() - t0) / 1e9);
      for (const g of [entries, max, fill, countTime, memlock, rbPending, rbSize]) g.reset();
      let failed = 0;
      for (const m of this.last) {
        if (m.typeName === '?') {
          failed++;
          continue;
        }
        const labels = { id: String(m.id), name: m.name, type: m.typeName };
        max.set(labels, m.maxEntries);
        memlock.set(labels, m.memlock);
        if (m.ringbuf) {
          rbPending.set(labels, m.ringbuf.availData);
          rbSize.set(labels, m.ringbuf.ringSize);
          if (m.fillRatio !== null) fill.set(labels, m.fillRatio);
          continue;
        }
        if (m.entries === null) {
          failed++;
          continue;
        }
        entries.set(labels, m.entries);
        if (m.fillRatio !== null) fill.set(labels, m.fillRatio);
        if (m.countNs !== null && m.method) countTime.set({ ...labels, method: m.method }, m.countNs / 1e9);
      }
      errors.set(failed);
    };
  }

  #collect: () => void = () => {};

  /** The metrics in Prometheus text format (scans the host). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Unloads the scanner's scan program. */
  close(): void {
    this.#host.close();
  }

  /** Same as {@link MapMetrics.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
