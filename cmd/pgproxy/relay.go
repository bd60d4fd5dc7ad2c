package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
)

// relayBytes is the benchmark's floor: a TCP relay that copies bytes both ways (io.Copy,
// which splices on Linux) and understands nothing. It runs until ctx is done.
func relayBytes(ctx context.Context, listen, upstream string) error {
	if host, _, err := net.SplitHostPort(listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("listen address %q: want a loopback IP address and port", listen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Println("listening on", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		client, err := ln.Accept()
		if err != nil {
			return nil // closed by ctx
		}
		wg.Go(func() {
			defer client.Close()
			server, err := net.Dial("tcp", upstream)
			if err != nil {
				return
			}
			defer server.Close()
			go func() {
				_, _ = io.Copy(server, client)
				_ = server.Close()
			}()
			_, _ = io.Copy(client, server)
		})
	}
}
