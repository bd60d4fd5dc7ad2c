// Package scenarios holds the Ginkgo scenario suite: the CI gate that checks every
// duplicate-prevention layer against a real Postgres and the fake Cal.com.
package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/pgenv"
)

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "bookingharness scenarios")
}

// pg is this process's handle on the suite's Postgres server.
var pg *pgenv.Env

// startedEnv is the Env process 1 started; only it terminates the container.
var startedEnv *pgenv.Env

// decisions is this process's layer-decision collector; newWorld attaches it to every world.
// Set once per process before any spec runs.
var decisions *decisionLog

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	attachStamp()
	env, err := pgenv.Start(ctx)
	Expect(err).NotTo(HaveOccurred())
	startedEnv = env
	fmt.Fprintf(os.Stdout, "scenarios: Postgres is %s\n", env)
	return []byte(env.AdminDSN())
}, func(ctx SpecContext, adminDSN []byte) {
	env, err := pgenv.Attach(ctx, string(adminDSN))
	Expect(err).NotTo(HaveOccurred())
	pg = env
	decisions = newDecisionLog()
})

var _ = SynchronizedAfterSuite(func(ctx SpecContext) {
	if pg != nil {
		Expect(pg.Close(ctx)).To(Succeed())
	}
}, func(ctx SpecContext) {
	if startedEnv != nil {
		Expect(startedEnv.Close(ctx)).To(Succeed())
	}
})

// attachStamp attaches the run's stamp (internal/stamp: the tree, the command line and
// settings, the time) to the suite's report, so the gate can tell a current, whole run from
// a stale or filtered one. The tree is the repository around the working directory, where
// ginkgo runs the suite (scenarios/).
func attachStamp() {
	st := processStamp()
	Expect(st).NotTo(BeNil(), "the suite must run inside its repository to stamp its evidence")
	AddReportEntry(stamp.ReportEntryName, *st, ReportEntryVisibilityNever)
}

// processStamp is this process's stamp of the run, taken once (hashing the tree is not
// free); nil when the tree cannot be stamped.
var processStamp = sync.OnceValue(func() *stamp.Stamp {
	root, err := stamp.Root(".")
	if err != nil {
		return nil
	}
	st, err := stamp.Take(root, stamp.Command(os.Args))
	if err != nil {
		return nil
	}
	return &st
})

// freshDatabase gives the spec its own database cloned from tpl, dropped when the spec ends.
func freshDatabase(ctx context.Context, tpl pgenv.Template) *pgenv.Database {
	GinkgoHelper()
	db, err := pg.NewDatabase(ctx, tpl)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx SpecContext) {
		Expect(db.Drop(ctx)).To(Succeed())
	})
	return db
}
