package pgproxy

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// DSN rewrites a Postgres connection string (URL or keyword/value form) so it points at the
// proxy, keeping everything else (user, password, database, options). It exists so a test can
// hand a client the same DSN it would use directly, with one call.
//
// For a URL the host list is replaced and host, hostaddr and port query parameters are
// removed. For keyword/value form, host and port keywords are appended (libpq and pgx both let
// a later keyword win); a hostaddr keyword is an error, because libpq would connect to it
// and bypass the proxy.
func (p *Proxy) DSN(dsn string) (string, error) {
	host, port, _ := net.SplitHostPort(p.Addr())
	dsn = strings.TrimSpace(dsn)
	switch {
	case dsn == "":
		return "", errors.New("pgproxy: empty DSN")
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgproxy: DSN is not a valid URL: %w", err)
		}
		u.Host = net.JoinHostPort(host, port)
		q := u.Query()
		for _, k := range []string{"host", "hostaddr", "port"} {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	case !strings.Contains(dsn, "="):
		return "", errors.New("pgproxy: DSN is neither a postgres:// URL nor keyword=value pairs")
	case hostaddrKeyword.MatchString(dsn):
		return "", errors.New("pgproxy: DSN sets hostaddr, which libpq would dial instead of the proxy; remove it")
	}
	return dsn + " host=" + host + " port=" + port, nil
}

// hostaddrKeyword finds a hostaddr keyword in a keyword/value DSN.
var hostaddrKeyword = regexp.MustCompile(`(^|\s)hostaddr\s*=`)
