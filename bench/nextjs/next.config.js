/** The benchmark measures the server, not compression (wrk sends no Accept-Encoding). */
module.exports = {
  poweredByHeader: false,
  compress: false,
};
