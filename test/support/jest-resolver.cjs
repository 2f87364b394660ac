// Some dependencies (@actions/*, @kubernetes/client-node and parts of its tree) publish only "import"
// exports. When the usual CommonJS resolution finds nothing, resolve with the import condition; swc then
// turns the module into CommonJS (see transformIgnorePatterns). Everything else resolves as usual.
module.exports = (request, options) => {
  try {
    return options.defaultResolver(request, options);
  } catch {
    return options.defaultResolver(request, { ...options, conditions: ['import', 'node', 'default'] });
  }
};
