// @actions/* publish only "import" exports. Resolve those packages (and their own ESM-only imports) with
// the import condition; swc then turns them into CommonJS. Everything else resolves as usual.
module.exports = (request, options) => {
  const esmOnly = request.startsWith('@actions/') || options.basedir.includes('/node_modules/@actions/');
  return options.defaultResolver(
    request,
    esmOnly ? { ...options, conditions: ['import', 'node', 'default'] } : options,
  );
};
