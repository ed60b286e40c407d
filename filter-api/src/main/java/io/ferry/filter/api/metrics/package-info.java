/**
 * Typed metrics for filters: {@link io.ferry.filter.api.metrics.MetricRegistry} creates
 * {@link io.ferry.filter.api.metrics.Counter counters}, {@link io.ferry.filter.api.metrics.Gauge gauges} and
 * {@link io.ferry.filter.api.metrics.Histogram histograms} with labels; the runtime exports them to Prometheus and in
 * {@code GET /api/v1/stats}. Updates are lock-free and allocation-free, so a filter may update them on the event
 * loop.
 */
@Experimental
package io.ferry.filter.api.metrics;

import io.ferry.filter.api.Experimental;
