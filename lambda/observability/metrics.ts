// Counters the adapter emits, behind the smallest interface that fits: a name, a dimension
// set, a count. The ops branch plugs Powertools Metrics in (addDimensions + addMetric with
// MetricUnit.Count, flushed by its Middy middleware); until then handler.ts wires `noMetrics`
// and the same facts are in the log lines beside each count.

export interface Metrics {
  count(name: string, dimensions: Readonly<Record<string, string>>, value?: number): void;
}

export const noMetrics: Metrics = { count: () => undefined };
