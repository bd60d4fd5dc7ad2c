package blackbox

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/pgenv/pgtest"
)

var env *pgenv.Env

// Postgres is the package's Postgres server, for the external tests.
func Postgres() *pgenv.Env { return env }

// fakeServiceVar makes the test binary act as a service under test instead of running tests:
// the process tests start it through sut.yaml's command, like any other program.
const fakeServiceVar = "BLACKBOX_TEST_SERVICE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeServiceVar); mode != "" {
		os.Exit(fakeService(mode))
	}
	os.Exit(pgtest.Main(m, func(e *pgenv.Env) { env = e }))
}

// fakeService is a tiny service: "serve" answers health (and forks a sleeping child, so
// stopping must reach the whole process group), "exit" fails at start, "unhealthy" never
// becomes healthy, "migrate" creates the table the appointments SELECT reads, "sleep" and
// "stubborn" block until a signal.
func fakeService(mode string) int {
	switch mode {
	case "migrate":
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "migrate:", err)
			return 1
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE appts (id bigserial PRIMARY KEY, call text, uid text, host bigint NOT NULL,
			starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), live boolean NOT NULL DEFAULT true)`); err != nil {
			fmt.Fprintln(os.Stderr, "migrate:", err)
			return 1
		}
		fmt.Println("migrated")
		return 0
	case "exit":
		fmt.Fprintf(os.Stderr, "boom: CALCOM_BASE_URL points nowhere (pid %d)\n", os.Getpid())
		return 3
	case "sleep", "stubborn":
		// Blocks until a signal ends it; "stubborn" ignores SIGTERM, so only SIGKILL does.
		if mode == "stubborn" {
			signal.Ignore(syscall.SIGTERM)
		}
		wait := make(chan os.Signal, 1)
		signal.Notify(wait, syscall.SIGUSR1)
		fmt.Println("ready")
		<-wait
		return 0
	}
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), fakeServiceVar+"=sleep")
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "fork:", err)
		return 1
	}
	fmt.Printf("started: calcom=%s key=%s db_set=%v faketime=%s\n", os.Getenv("CALCOM_BASE_URL"), os.Getenv("CALCOM_API_KEY"),
		os.Getenv("DATABASE_URL") != "", os.Getenv("FAKETIME_TIMESTAMP_FILE"))
	status := http.StatusOK
	if mode == "unhealthy" {
		status = http.StatusServiceUnavailable
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__harness/health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) })
	err := http.ListenAndServe("127.0.0.1:"+os.Getenv("HARNESS_PORT"), mux)
	fmt.Fprintln(os.Stderr, err)
	return 1
}
