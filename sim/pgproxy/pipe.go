package pgproxy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
)

const (
	// bufferSize is each direction's read and write buffer. Messages that fit are relayed
	// from the read buffer without copying; larger ones are streamed.
	bufferSize = 64 << 10
	// maxInspect is the largest message read whole to be inspected (a statement with huge
	// parameters); a larger one is streamed through unjudged, with a journal note.
	maxInspect = 16 << 20
)

// pipe carries typed protocol messages (type byte, int32 length, body) one way. It reads a
// message at a time so the relay can look at it, then forwards, holds or drops it. Writes
// are buffered and flushed whenever the next read might block, so the proxy batches a burst
// of messages into one write yet never sits on data while the sender waits for an answer.
type pipe struct {
	in  *bufio.Reader
	out *bufio.Writer

	typ  byte
	size int    // the whole current message, header included
	raw  []byte // the whole current message; nil when it is too large and must be streamed
	// peeked: raw aliases in's buffer and size bytes are discarded when the pipe moves on.
	peeked bool
	// pending: bytes of a streamed message not yet consumed.
	pending int
}

// newPipe relays from in (a reader on the sending socket) to the socket to.
func newPipe(in *bufio.Reader, to net.Conn) *pipe {
	return &pipe{in: in, out: bufio.NewWriterSize(to, bufferSize)}
}

// next reads the next message. wantWhole says which large message types must be read into
// memory (up to maxInspect) rather than streamed.
func (p *pipe) next(wantWhole func(typ byte) bool) error {
	if err := p.finish(); err != nil {
		return err
	}
	hdr, err := p.peek(5)
	if err != nil {
		return err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[1:])))
	if n < 4 {
		return fmt.Errorf("pgproxy: invalid message length %d for message type %q", n, hdr[0])
	}
	p.typ, p.size = hdr[0], n+1
	switch {
	case p.size <= bufferSize:
		if p.raw, err = p.peek(p.size); err != nil {
			return err
		}
		p.peeked = true
	case wantWhole(p.typ) && p.size <= maxInspect:
		if err := p.out.Flush(); err != nil {
			return err
		}
		p.raw = make([]byte, p.size)
		if _, err := io.ReadFull(p.in, p.raw); err != nil {
			return err
		}
	default:
		p.raw, p.pending = nil, p.size
	}
	return nil
}

// body is the current message's body, or nil if it is being streamed.
func (p *pipe) body() []byte {
	if p.raw == nil {
		return nil
	}
	return p.raw[5:]
}

// forward writes the current message to the pipe's destination.
func (p *pipe) forward() error { return p.writeTo(p.out) }

// writeTo writes the current message to w (the destination, or a hold buffer).
func (p *pipe) writeTo(w io.Writer) error {
	if p.raw != nil {
		_, err := w.Write(p.raw)
		return err
	}
	if err := p.out.Flush(); err != nil {
		return err
	}
	n, err := io.CopyN(w, p.in, int64(p.pending))
	p.pending -= int(n)
	return err
}

// finish consumes what is left of the current message.
func (p *pipe) finish() error {
	if p.peeked {
		p.peeked = false
		if _, err := p.in.Discard(p.size); err != nil {
			return err
		}
	}
	if p.pending > 0 {
		n, err := p.in.Discard(p.pending)
		p.pending -= n
		if err != nil {
			return err
		}
	}
	p.raw = nil
	return nil
}

// peek returns the next n buffered bytes, flushing the output first if it has to wait for
// them.
func (p *pipe) peek(n int) ([]byte, error) {
	if p.in.Buffered() < n {
		if err := p.out.Flush(); err != nil {
			return nil, err
		}
	}
	return p.in.Peek(n)
}
