// Startup probe: only @actions/core, failing the way an action fails on a bad input. Its start → exit, next to
// bare Node and to the actions' bundles, shows what importing @actions/core alone costs.
import * as core from '@actions/core';

core.setFailed('Input "app" is required: expected a DNS-1123 label.');
