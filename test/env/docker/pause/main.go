// pause: the pod sandbox process for the test environment's containerd CRI (nothing can be pulled,
// so registry.k8s.io/pause is replaced by this static binary in a one-file image made at `env.sh up docker`).
// It sleeps until SIGINT/SIGTERM and reaps orphaned children, like the upstream pause.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig == syscall.SIGCHLD {
			for {
				var status syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
