// What the Chromium timings share: the summary line they print.

/** `{"samples":n,"median_ms":…,"p95_ms":…,"min_ms":…,"max_ms":…}` of `samples` (ms). */
export function summary(samples, extra = {}) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return JSON.stringify({
    samples: sorted.length,
    median_ms: at(0.5),
    p95_ms: at(0.95),
    min_ms: sorted[0],
    max_ms: sorted[sorted.length - 1],
    ...extra,
  });
}
