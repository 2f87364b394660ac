// cri-check: talks CRI to the test environment's containerd the way a kubelet does, to show the
// "real node" path works without Kubernetes: pull an image from the local registry with credentials
// (through certs.d/<host>/hosts.toml, plain http), run a host-network pod sandbox (the local pause
// image, never pulled) and one container in it, and clean up. No CNI is needed for host network.
//
// usage: go run . -address SOCK -image REGISTRY/REPO:TAG -user U -password P
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	address := flag.String("address", "", "containerd socket")
	image := flag.String("image", "", "image to pull and run (needs /bin/sh)")
	user := flag.String("user", "", "registry user")
	password := flag.String("password", "", "registry password")
	flag.Parse()
	if err := run(*address, *image, *user, *password); err != nil {
		fmt.Fprintln(os.Stderr, "cri-check: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("cri-check: OK")
}

func run(address, image, user, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := grpc.NewClient("unix://"+address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	img := runtimeapi.NewImageServiceClient(conn)

	version, err := rt.Version(ctx, &runtimeapi.VersionRequest{})
	if err != nil {
		return fmt.Errorf("version: %w", err)
	}
	fmt.Printf("runtime %s %s (CRI %s)\n", version.RuntimeName, version.RuntimeVersion, version.RuntimeApiVersion)
	status, err := rt.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	for _, c := range status.Status.Conditions {
		fmt.Printf("condition %s=%v %s\n", c.Type, c.Status, c.Reason)
	}

	pulled, err := img.PullImage(ctx, &runtimeapi.PullImageRequest{
		Image: &runtimeapi.ImageSpec{Image: image},
		Auth:  &runtimeapi.AuthConfig{Username: user, Password: password},
	})
	if err != nil {
		return fmt.Errorf("pull %s: %w", image, err)
	}
	fmt.Printf("pulled %s -> %s\n", image, pulled.ImageRef)

	logDir, err := os.MkdirTemp("", "cri-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(logDir)
	name := fmt.Sprintf("cri-check-%d", time.Now().UnixNano())
	sandboxConfig := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: "default", Uid: name},
		LogDirectory: logDir,
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE},
			},
		},
	}
	sandbox, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: sandboxConfig})
	if err != nil {
		return fmt.Errorf("run pod sandbox: %w", err)
	}
	fmt.Printf("sandbox %s running\n", sandbox.PodSandboxId[:12])
	defer func() {
		_, _ = rt.StopPodSandbox(context.Background(), &runtimeapi.StopPodSandboxRequest{PodSandboxId: sandbox.PodSandboxId})
		_, _ = rt.RemovePodSandbox(context.Background(), &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sandbox.PodSandboxId})
	}()

	created, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: sandbox.PodSandboxId,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "check"},
			Image:    &runtimeapi.ImageSpec{Image: pulled.ImageRef},
			Command:  []string{"/bin/sh", "-c", "echo hello from cri; exit 7"},
			LogPath:  "check.log",
		},
		SandboxConfig: sandboxConfig,
	})
	if err != nil {
		return fmt.Errorf("create container: %w", err)
	}
	if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: created.ContainerId}); err != nil {
		return fmt.Errorf("start container: %w", err)
	}
	for {
		st, err := rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: created.ContainerId})
		if err != nil {
			return fmt.Errorf("container status: %w", err)
		}
		if st.Status.State == runtimeapi.ContainerState_CONTAINER_EXITED {
			log, _ := os.ReadFile(logDir + "/check.log")
			fmt.Printf("container exited %d, log: %s", st.Status.ExitCode, log)
			if st.Status.ExitCode != 7 {
				return fmt.Errorf("want exit code 7")
			}
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, _ = rt.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: created.ContainerId})
	return nil
}
