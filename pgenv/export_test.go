package pgenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// EmbeddedChildEnv makes the test binary (see TestMain) act as a harness that starts an
// embedded server, prints "DIR POSTMASTER-PID KEEPER-PID" and then blocks on its standard
// input until a signal ends it.
const EmbeddedChildEnv = "BH_PGENV_EMBEDDED_CHILD"

// EmbeddedChildMain is that harness's body; TestMain calls it instead of the tests.
func EmbeddedChildMain() int {
	srv, err := launchTestServer(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Printf("%s %d %d\n", srv.dir, srv.pid, srv.keeper.cmd.Process.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent's signal ends this process
	return 0
}

func launchTestServer(ctx context.Context) (*embeddedServer, error) {
	bin := findServerBinaries(ctx)
	if bin == "" {
		return nil, errors.New("no Postgres server binaries")
	}
	acct, err := chooseServerAccount()
	if err != nil {
		return nil, err
	}
	return launchEmbedded(ctx, bin, acct, embeddedBase())
}
