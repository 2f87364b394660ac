// Startup probe: what every cluster-facing action pays before its first request: the kit, then Kube.connect
// (which loads @kubernetes/client-node for the kubeconfig). Next to the core-only probe, the difference is the
// cost of connecting.
import { Kube } from '@swiss-deploy/kube';

Kube.connect({ kubeconfigFile: process.env.SWISS_BENCH_KUBECONFIG }).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
