// Ends every jest run with one plain line, "tests: N passed, N failed[, N skipped]", that CI reads
// whatever tiers ran; jest's own "Tests:" line counts a total, not failures. Printed at exit so it
// comes after jest's summary.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}
module.exports = ClosingLineReporter;
