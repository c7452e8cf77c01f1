// Package mllp carries HL7 v2 messages over TCP with the Minimal Lower
// Layer Protocol: each message framed as <VT> message <FS><CR>. It has the
// framing (tolerant of a missing final CR and of bytes between frames), a
// listener with optional TLS and client-certificate verification, bounds on
// frame size, connections and time, graceful shutdown, and a client.
//
// It knows nothing of HL7 itself: a Handler turns each message into the
// reply to send.
package mllp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Framing bytes.
const (
	VT = 0x0b // start block
	FS = 0x1c // end block
	CR = 0x0d // ends the end block
)

// DefaultMaxFrameBytes is the frame size limit when none is configured.
const DefaultMaxFrameBytes = 1 << 20

// prefixBytes is how much of an oversize frame is kept, enough for its MSH.
const prefixBytes = 8 << 10

// FrameTooLargeError is returned for a frame longer than the limit. The
// frame was read to its end and discarded, so the stream is still in step.
type FrameTooLargeError struct {
	Limit int
	// Size is how many bytes the frame had.
	Size int64
	// Prefix is the frame's first bytes (for addressing a reply).
	Prefix []byte
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("frame of %d bytes is larger than the limit of %d", e.Size, e.Limit)
}

// ErrJunk is returned when too many bytes arrive outside any frame.
var ErrJunk = errors.New("mllp: too many bytes outside a frame")

// ErrIncompleteFrame is returned when the stream ends inside a frame.
var ErrIncompleteFrame = errors.New("mllp: stream ended inside a frame")

// Reader reads MLLP frames from a stream.
type Reader struct {
	br  *bufio.Reader
	max int
	// MaxJunk is how many non-whitespace bytes outside frames are skipped
	// before ReadFrame gives up with ErrJunk (default: the frame limit).
	MaxJunk int
	// OnJunk, when set, is called once per frame wait when the first
	// non-whitespace byte outside a frame arrives; the server uses it to
	// put a short deadline on a peer that sends garbage.
	OnJunk func()
	// OnFrameStart, when set, is called when a start block arrives; the
	// server uses it to bound the time the whole frame may take.
	OnFrameStart func()

	buf []byte
}

// NewReader reads frames of at most maxFrame bytes (0: DefaultMaxFrameBytes).
func NewReader(r io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameBytes
	}
	return &Reader{br: bufio.NewReaderSize(r, 32<<10), max: maxFrame, MaxJunk: maxFrame}
}

// Buffered reports how many bytes are read but not yet returned.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadFrame returns the next frame's content, without the framing bytes.
// The returned slice is valid until the next call. It skips whitespace and
// other bytes between frames, takes a start block inside a frame as the
// start of a new frame (the sender gave up the old one), and does not wait
// for the CR after the end block. It returns io.EOF at a clean end of the
// stream, ErrIncompleteFrame when the stream ends inside a frame, and a
// *FrameTooLargeError (after discarding the frame) for an oversize one.
func (r *Reader) ReadFrame() ([]byte, error) {
	if err := r.skipToStart(); err != nil {
		return nil, err
	}
	if r.OnFrameStart != nil {
		r.OnFrameStart()
	}
	r.buf = r.buf[:0]
	var size int64
	var prefix []byte
	tooLarge := false
	for {
		chunk, err := r.br.ReadSlice(FS)
		if i := bytes.LastIndexByte(chunk, VT); i >= 0 {
			// A new frame started: drop what came before it.
			chunk = chunk[i+1:]
			r.buf, size, prefix, tooLarge = r.buf[:0], 0, nil, false
		}
		end := err == nil // chunk ends with FS
		if end {
			chunk = chunk[:len(chunk)-1]
		}
		size += int64(len(chunk))
		switch {
		case tooLarge:
		case size > int64(r.max):
			tooLarge = true
			prefix = append([]byte(nil), r.buf[:min(len(r.buf), prefixBytes)]...)
			if len(prefix) < prefixBytes {
				prefix = append(prefix, chunk[:min(len(chunk), prefixBytes-len(prefix))]...)
			}
			r.buf = r.buf[:0]
		default:
			r.buf = append(r.buf, chunk...)
		}
		if end {
			if tooLarge {
				return nil, &FrameTooLargeError{Limit: r.max, Size: size, Prefix: prefix}
			}
			return r.buf, nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return nil, ErrIncompleteFrame
		}
		return nil, err
	}
}

// skipToStart reads up to and including the next start block.
func (r *Reader) skipToStart() error {
	junk := 0
	for {
		c, err := r.br.ReadByte()
		if err != nil {
			if err == io.EOF && junk > 0 {
				return ErrJunk
			}
			return err
		}
		switch c {
		case VT:
			return nil
		case CR, '\n', ' ', '\t', FS:
			continue
		}
		if junk == 0 && r.OnJunk != nil {
			r.OnJunk()
		}
		junk++
		if junk > r.MaxJunk {
			return ErrJunk
		}
	}
}

// AppendFrame appends msg framed as <VT>msg<FS><CR> to dst.
func AppendFrame(dst, msg []byte) []byte {
	dst = append(dst, VT)
	dst = append(dst, msg...)
	return append(dst, FS, CR)
}

// WriteFrame writes msg as one frame in a single Write, so that a peer
// reading with one recv gets it whole.
func WriteFrame(w io.Writer, msg []byte) error {
	_, err := w.Write(AppendFrame(make([]byte, 0, len(msg)+3), msg))
	return err
}
