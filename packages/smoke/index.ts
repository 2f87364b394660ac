// The HTTP check engine of the smoke-test action. This file is the package's only door.
export { planSmokeTest } from './plan';
export { runSmokeTest, type SmokeReport } from './smoke-test';
export { smokeSummary } from './report';
export { describeFailure } from './run-checks';
