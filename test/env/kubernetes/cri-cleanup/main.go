// cri-cleanup: stops and removes every pod sandbox a CRI runtime holds, the way the kubelet would
// (containers, network teardown through CNI, network namespace), so `env.sh down kubernetes` in real-node
// mode leaves no process, mount or netns behind even when the kubelet or the apiserver died first.
// Built with the kubelet from the same k8s.io/kubernetes module graph (k8s.io/cri-client).
//
// usage: cri-cleanup unix:///path/to/containerd.sock
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	criclient "k8s.io/cri-client/pkg"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cri-cleanup unix:///path/to/cri.sock")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runtime, err := criclient.NewRemoteRuntimeService(ctx, os.Args[1], 10*time.Second, noop.NewTracerProvider(), false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cri-cleanup:", err)
		os.Exit(1)
	}
	sandboxes, err := runtime.ListPodSandbox(ctx, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cri-cleanup: list pod sandboxes:", err)
		os.Exit(1)
	}
	failed := false
	for _, sandbox := range sandboxes {
		name := sandbox.GetMetadata().GetNamespace() + "/" + sandbox.GetMetadata().GetName()
		if err := runtime.StopPodSandbox(ctx, sandbox.GetId()); err != nil {
			fmt.Fprintf(os.Stderr, "cri-cleanup: stop %s: %v\n", name, err)
			failed = true
			continue
		}
		if err := runtime.RemovePodSandbox(ctx, sandbox.GetId()); err != nil {
			fmt.Fprintf(os.Stderr, "cri-cleanup: remove %s: %v\n", name, err)
			failed = true
			continue
		}
		fmt.Printf("removed pod sandbox %s\n", name)
	}
	if failed {
		os.Exit(1)
	}
}
