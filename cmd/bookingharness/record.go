package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/record"
)

// recordFlags are the record command's options.
type recordFlags struct {
	upstream, listen, out           string
	webhooksListen, webhooksForward string
	keepPII, allowRemote            bool
	redactEnv                       []string
}

// recordShutdown bounds how long a stopping recorder waits for exchanges in flight.
const recordShutdown = 15 * time.Second

func newRecordCmd() *cobra.Command {
	var f recordFlags
	cmd := &cobra.Command{
		Use:   "record --upstream URL --listen 127.0.0.1:PORT --out FILE.har [--webhooks-listen ADDR --webhooks-forward URL]",
		Short: "Record a service's traffic with Cal.com (and Cal.com's webhooks) to a HAR file",
		Long: `Runs a recording reverse proxy: point the service's Cal.com base URL (CALCOM_BASE_URL) at
http://--listen and every request goes on to --upstream (Cal.com's API, e.g. https://api.cal.com,
which may be remote); each exchange is written as it completes to --out, a HAR 1.2 file, with its
timings. With --webhooks-listen and --webhooks-forward, point Cal.com's webhook subscription at
the webhooks listener (same path as the service's receiver) and the deliveries are forwarded to
the service and recorded too.

What never reaches the file: the API key and every Authorization, cookie and OAuth header, the
webhook signature, JSON fields and query parameters named secret, apiKey, password or *token,
and the values of the environment variables named by --redact-env (the webhook secret, say)
wherever they appear. Attendee names, emails and phone numbers are replaced by pseudonyms that
are stable within the recording (the same email always gets the same pseudonym), unless
--keep-pii.

The file is valid HAR after every exchange; Ctrl-C or SIGTERM stops accepting, waits up to 15 s
for the exchanges in flight and closes it. Turn it into an incident file with
bookingharness incident from-har FILE.har.

The listeners are loopback-only unless --allow-remote (Cal.com in the cloud must reach a webhooks
listener on a public address: that needs --allow-remote).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRecord(cmd.Context(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.upstream, "upstream", "", "Cal.com's API base URL to forward to, e.g. https://api.cal.com (required)")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8788", "address the service's Cal.com requests come to (loopback unless --allow-remote)")
	fl.StringVar(&f.out, "out", "", "the HAR file to write (required; replaced if it exists)")
	fl.StringVar(&f.webhooksListen, "webhooks-listen", "", "address Cal.com's webhook deliveries come to (with --webhooks-forward)")
	fl.StringVar(&f.webhooksForward, "webhooks-forward", "", "the service's base URL the deliveries are forwarded to, path appended (with --webhooks-listen)")
	fl.BoolVar(&f.keepPII, "keep-pii", false, "keep attendee names, emails and phone numbers instead of pseudonyms")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow non-loopback listen addresses")
	fl.StringArrayVar(&f.redactEnv, "redact-env", nil, "name of an environment variable whose value must never reach the file (repeatable)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitInvalid, err: fmt.Errorf("record: %w (see bookingharness record --help)", err)}
	})
	return cmd
}

// recordPlan is what the flags ask for, validated.
type recordPlan struct {
	upstream, forward *url.URL
	secrets           []string
}

func (f recordFlags) plan() (recordPlan, error) {
	var p recordPlan
	if f.upstream == "" || f.out == "" {
		return p, errors.New("--upstream and --out are required")
	}
	var err error
	if p.upstream, err = absoluteURL("--upstream", f.upstream); err != nil {
		return p, err
	}
	if err := listenAllowed("--listen", f.listen, f.allowRemote); err != nil {
		return p, err
	}
	if (f.webhooksListen == "") != (f.webhooksForward == "") {
		return p, errors.New("--webhooks-listen and --webhooks-forward go together: give both or neither")
	}
	if f.webhooksListen != "" {
		if err := listenAllowed("--webhooks-listen", f.webhooksListen, f.allowRemote); err != nil {
			return p, err
		}
		if p.forward, err = absoluteURL("--webhooks-forward", f.webhooksForward); err != nil {
			return p, err
		}
	}
	for _, name := range f.redactEnv {
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return p, fmt.Errorf("--redact-env %s: the variable is not set (nothing to redact; a typo would leave the secret in the file)", name)
		}
		p.secrets = append(p.secrets, v)
	}
	return p, nil
}

// absoluteURL parses an http(s) URL with a host; its user information is never printed.
func absoluteURL(flag, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q: want an http(s) URL such as https://api.cal.com", flag, redactURL(raw))
	}
	return u, nil
}

// redactURL hides the password of a URL that has one.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// listenAllowed refuses a listen address that is not loopback, unless allowRemote.
func listenAllowed(flag, addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: %w", flag, addr, err)
	}
	if !loopback.IsHost(host) && !allowRemote {
		return fmt.Errorf("%s %q is not a loopback address: the recorder listens on 127.0.0.1, ::1 or localhost unless --allow-remote is given", flag, addr)
	}
	return nil
}

// buildVersion is the module version the binary was built from ("dev" in a work tree).
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// runRecord records until ctx ends (Ctrl-C, SIGTERM), then stops cleanly.
func runRecord(ctx context.Context, stderr io.Writer, f recordFlags) error {
	p, err := f.plan()
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("record: %w", err)}
	}
	out, err := har.Create(f.out, har.Creator{Name: "bookingharness", Version: buildVersion()})
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("record: %w", err)}
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	rec, err := record.New(record.Config{Out: out, KeepPII: f.keepPII, Secrets: p.secrets, Logger: logger})
	if err != nil {
		_ = out.Close()
		return &exitError{code: exitInvalid, err: err}
	}
	api, err := rec.Proxy(har.KindAPI, p.upstream)
	if err != nil {
		_ = out.Close()
		return &exitError{code: exitInvalid, err: err}
	}
	servers := []*http.Server{}
	errc := make(chan error, 2)
	serve := func(addr string, h http.Handler, what string) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("record: listen on %s: %w", addr, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
		servers = append(servers, srv)
		fmt.Fprintf(stderr, "record: %s on http://%s\n", what, ln.Addr())
		go func() { errc <- srv.Serve(ln) }()
		return nil
	}
	stop := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordShutdown)
		defer cancel()
		for _, srv := range servers {
			if err := srv.Shutdown(sctx); err != nil {
				_ = srv.Close() // cut what is still open: those exchanges end as failures and are written
			}
		}
		werr := rec.Wait(sctx)
		return errors.Join(werr, out.Close(), rec.Err())
	}
	if err := serve(f.listen, api, "Cal.com API → "+p.upstream.Redacted()+": point CALCOM_BASE_URL"); err != nil {
		return errors.Join(&exitError{code: exitInvalid, err: err}, stop())
	}
	if p.forward != nil {
		hooks, err := rec.Proxy(har.KindWebhook, p.forward)
		if err != nil {
			return errors.Join(&exitError{code: exitInvalid, err: err}, stop())
		}
		if err := serve(f.webhooksListen, hooks, "webhooks → "+p.forward.Redacted()+": point Cal.com's subscription"); err != nil {
			return errors.Join(&exitError{code: exitInvalid, err: err}, stop())
		}
	}
	fmt.Fprintf(stderr, "record: writing %s (Ctrl-C to stop)\n", f.out)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	err = stop()
	fmt.Fprintf(stderr, "record: wrote %d exchange(s) to %s\n", rec.Written(), f.out)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(fmt.Errorf("record: serve: %w", serveErr), err)
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}
