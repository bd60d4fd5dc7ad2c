package pgproxy_test

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// The proxy answers SSLRequest and GSSENCRequest with 'N' itself, so clients that prefer
// encryption carry on in plaintext and clients that require it fail clearly.
func TestEncryptionNegotiation(t *testing.T) {
	f := newFixture(t, pgproxy.Config{})
	nc, err := net.Dial("tcp", f.proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, code := range []uint32{80877103, 80877104} { // SSLRequest, GSSENCRequest
		req := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), code)
		if _, err := nc.Write(req); err != nil {
			t.Fatal(err)
		}
		answer := make([]byte, 1)
		if _, err := io.ReadFull(nc, answer); err != nil || answer[0] != 'N' {
			t.Fatalf("request %d: answer %q, %v", code, answer, err)
		}
	}

	ctx := context.Background()
	for mode, wantErr := range map[string]bool{"disable": false, "prefer": false, "require": true} {
		conn, err := pgx.Connect(ctx, withParam(t, f.dsn, "sslmode", mode))
		if (err != nil) != wantErr {
			t.Fatalf("sslmode=%s: err %v, want error %v", mode, err, wantErr)
		}
		if err == nil {
			_ = conn.Close(ctx)
		}
	}
}

// Authentication is relayed without being read: a server asking for md5 or SCRAM-SHA-256
// gets the client's real answers through the proxy, a wrong password is refused by the
// server (not the proxy), and the journal never holds the password.
func TestAuthenticationPassesThrough(t *testing.T) {
	const user, password = "alice", "s3cret-pw"
	for _, method := range []string{"cleartext", "md5", "scram-sha-256"} {
		for _, tc := range []struct {
			password string
			ok       bool
		}{{password, true}, {"wrong", false}} {
			t.Run(method+"/"+tc.password, func(t *testing.T) {
				upstream := fakeAuthServer(t, method, user, password)
				p, err := pgproxy.New(upstream, pgproxy.Config{JournalStatements: true})
				if err != nil {
					t.Fatal(err)
				}
				p.Start()
				defer p.Close()
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/db?sslmode=prefer", user, tc.password, p.Addr()))
				if (err == nil) != tc.ok {
					t.Fatalf("connect: %v, want success %v", err, tc.ok)
				}
				if err == nil {
					_ = conn.Close(ctx)
				}
				for _, e := range p.Journal() {
					if strings.Contains(fmt.Sprintf("%+v", e), tc.password) {
						t.Fatalf("journal holds the password: %+v", e)
					}
				}
			})
		}
	}
}

// fakeAuthServer is a one-connection Postgres stand-in that authenticates user with
// password by method (cleartext, md5, scram-sha-256) and then idles until Terminate.
func fakeAuthServer(t *testing.T, method, user, password string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer nc.Close()
		done <- serveAuth(pgproto3.NewBackend(nc, nc), method, user, password)
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("fake server: %v", err)
		}
	})
	return ln.Addr().String()
}

var errAuthFailed = errors.New("authentication failed")

func serveAuth(be *pgproto3.Backend, method, user, password string) error {
	msg, err := be.ReceiveStartupMessage()
	if err != nil {
		return err
	}
	sm, ok := msg.(*pgproto3.StartupMessage)
	if !ok || sm.Parameters["user"] != user {
		return fmt.Errorf("want a startup message for %s, got %#v", user, msg)
	}
	switch method {
	case "cleartext":
		err = checkCleartext(be, password)
	case "md5":
		err = checkMD5(be, user, password)
	case "scram-sha-256":
		err = checkSCRAM(be, password)
	}
	if errors.Is(err, errAuthFailed) {
		be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed"})
		return be.Flush()
	}
	if err != nil {
		return err
	}
	be.Send(&pgproto3.AuthenticationOk{})
	be.Send(&pgproto3.BackendKeyData{ProcessID: 7, SecretKey: []byte{0, 0, 0, 7}})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if err := be.Flush(); err != nil {
		return err
	}
	// The client says goodbye with Terminate, unless the proxy is closed first.
	msg, err = be.Receive()
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("waiting for Terminate: %w", err)
	}
	if _, ok := msg.(*pgproto3.Terminate); !ok {
		return fmt.Errorf("want Terminate, got %#v", msg)
	}
	return nil
}

func checkCleartext(be *pgproto3.Backend, password string) error {
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := be.Flush(); err != nil {
		return err
	}
	_ = be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
	msg, err := be.Receive()
	if err != nil {
		return fmt.Errorf("waiting for the password: %w", err)
	}
	if pm, ok := msg.(*pgproto3.PasswordMessage); !ok || pm.Password != password {
		return errAuthFailed
	}
	return nil
}

func checkMD5(be *pgproto3.Backend, user, password string) error {
	salt := [4]byte{1, 2, 3, 4}
	be.Send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	if err := be.Flush(); err != nil {
		return err
	}
	_ = be.SetAuthType(pgproto3.AuthTypeMD5Password)
	msg, err := be.Receive()
	if err != nil {
		return err
	}
	md5hex := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	want := "md5" + md5hex(md5hex(password+user)+string(salt[:]))
	if pm, ok := msg.(*pgproto3.PasswordMessage); !ok || pm.Password != want {
		return errAuthFailed
	}
	return nil
}

// checkSCRAM is the server side of SCRAM-SHA-256 (RFC 5802/7677) without channel binding.
func checkSCRAM(be *pgproto3.Backend, password string) error {
	be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if err := be.Flush(); err != nil {
		return err
	}
	_ = be.SetAuthType(pgproto3.AuthTypeSASL)
	msg, err := be.Receive()
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != "SCRAM-SHA-256" {
		return fmt.Errorf("want SCRAM-SHA-256 initial response, got %#v", msg)
	}
	clientFirstBare := strings.TrimPrefix(string(first.Data), "n,,")
	_, clientNonce, _ := strings.Cut(clientFirstBare, "r=")
	salt, iterations := []byte("pgproxy-test-salt"), 4096
	serverFirst := fmt.Sprintf("r=%sSERVERNONCE,s=%s,i=%d", clientNonce, base64.StdEncoding.EncodeToString(salt), iterations)
	be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	if err := be.Flush(); err != nil {
		return err
	}
	_ = be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	if msg, err = be.Receive(); err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return fmt.Errorf("want SASL response, got %#v", msg)
	}
	withoutProof, proofB64, _ := strings.Cut(string(final.Data), ",p=")
	authMessage := clientFirstBare + "," + serverFirst + "," + withoutProof
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return err
	}
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	signature := mac(storedKey[:], authMessage)
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil || len(proof) != len(signature) {
		return errAuthFailed
	}
	for i := range proof {
		proof[i] ^= signature[i] // recovers the client key if the proof is right
	}
	if sha256.Sum256(proof) != storedKey {
		return errAuthFailed
	}
	serverSignature := mac(mac(salted, "Server Key"), authMessage)
	be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte("v=" + base64.StdEncoding.EncodeToString(serverSignature))})
	return nil
}
