// pause: the pod sandbox process when real-node mode runs its own containerd (nothing can be pulled,
// so registry.k8s.io/pause is replaced by this static binary in a one-file image made locally).
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
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
