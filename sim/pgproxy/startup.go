package pgproxy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Request codes of the untyped packets a client may open a connection with (PostgreSQL
// protocol, "Message Formats"). pgproto3 keeps its copies unexported.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacket = 10000
)

// startup is the packet a client opened its connection with, after encryption negotiation.
type startup struct {
	raw            []byte // the whole packet, length included, relayed as is
	cancel         bool   // a CancelRequest rather than a StartupMessage
	user, database string
}

// readStartup reads the client's first packets. SSLRequest and GSSENCRequest are answered
// 'N' (the proxy speaks plaintext, and a client with sslmode=prefer or gssencmode=prefer then
// continues in plaintext on the same connection) until a StartupMessage or CancelRequest
// arrives. The packet is decoded only to be validated and to name the user and database;
// auth is left entirely to the server.
func readStartup(in *bufio.Reader, client net.Conn) (startup, error) {
	for range 4 {
		hdr, err := in.Peek(4)
		if err != nil {
			return startup{}, err
		}
		n := int(int32(binary.BigEndian.Uint32(hdr)))
		if n < 8 || n > maxStartupPacket {
			return startup{}, fmt.Errorf("pgproxy: invalid startup packet length %d", n)
		}
		raw := make([]byte, n)
		if _, err := io.ReadFull(in, raw); err != nil {
			return startup{}, err
		}
		switch binary.BigEndian.Uint32(raw[4:]) {
		case sslRequestCode, gssEncRequestCode:
			if _, err := client.Write([]byte{'N'}); err != nil {
				return startup{}, err
			}
		case cancelRequestCode:
			var m pgproto3.CancelRequest
			if err := m.Decode(raw[4:]); err != nil {
				return startup{}, fmt.Errorf("pgproxy: cancel request: %w", err)
			}
			return startup{raw: raw, cancel: true}, nil
		default:
			var m pgproto3.StartupMessage
			if err := m.Decode(raw[4:]); err != nil {
				return startup{}, fmt.Errorf("pgproxy: startup message: %w", err)
			}
			return startup{raw: raw, user: m.Parameters["user"], database: m.Parameters["database"]}, nil
		}
	}
	return startup{}, errors.New("pgproxy: too many encryption requests before the startup message")
}

// sendFatal answers a client that is still starting up with a FATAL error, as PostgreSQL
// does when it refuses a connection, so the client reports a clear database error.
func sendFatal(client net.Conn, code, message string) error {
	msg, err := (&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: message}).Encode(nil)
	if err != nil {
		return err
	}
	_, err = client.Write(msg)
	return err
}
