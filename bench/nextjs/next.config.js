/** As `next start` runs by default: gzip for a client that takes it (wrk asks for none, except in the compressed targets). */
module.exports = {
  poweredByHeader: false,
  compress: true,
};
