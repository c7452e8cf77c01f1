// Package dataset reads and writes labelled report sets: JSON Lines with one
// {"id": "...", "text": "...", "label": N} object a line, the format that
// synth writes, train and eval read, and feedback export produces.
package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxLineBytes bounds one line: a report is a few KiB; 1 MiB leaves room for
// long ones without letting a broken file exhaust memory.
const MaxLineBytes = 1 << 20

// Example is one labelled report.
type Example struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Label int    `json:"label"`
}

// LineError names the file and line of a bad line.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ReadFile reads a JSONL dataset. valid, when not nil, says whether a label is
// allowed (e.g. the task's label numbers). Blank lines are skipped.
func ReadFile(path string, valid func(label int) bool) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	defer f.Close()
	return Read(f, path, valid)
}

// Read reads a JSONL dataset from r; name is used in errors.
func Read(r io.Reader, name string, valid func(label int) bool) ([]Example, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []Example
	seen := map[string]int{}
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) && line == nil {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &LineError{File: name, Line: lineNo, Err: err}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ex, perr := parseLine(line)
		if perr != nil {
			return nil, &LineError{File: name, Line: lineNo, Err: perr}
		}
		if valid != nil && !valid(ex.Label) {
			return nil, &LineError{File: name, Line: lineNo, Err: fmt.Errorf("label %d is not a label of this task", ex.Label)}
		}
		if prev, dup := seen[ex.ID]; dup {
			return nil, &LineError{File: name, Line: lineNo, Err: fmt.Errorf("id %q repeats line %d", ex.ID, prev)}
		}
		seen[ex.ID] = lineNo
		out = append(out, ex)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no examples", name)
	}
	return out, nil
}

// readLine returns one line without its end, or an error if it is longer
// than MaxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLineBytes {
			return nil, fmt.Errorf("line longer than %d bytes", MaxLineBytes)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if len(buf) == 0 {
				return nil, err
			}
			return bytes.TrimRight(buf, "\r\n"), io.EOF
		}
		return bytes.TrimRight(buf, "\r\n"), nil
	}
}

func parseLine(line []byte) (Example, error) {
	var raw struct {
		ID    *string          `json:"id"`
		Text  *string          `json:"text"`
		Label *json.RawMessage `json:"label"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&raw); err != nil {
		return Example{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return Example{}, errors.New("more than one JSON value on the line")
	}
	switch {
	case raw.ID == nil || strings.TrimSpace(*raw.ID) == "":
		return Example{}, errors.New(`missing "id"`)
	case raw.Text == nil || strings.TrimSpace(*raw.Text) == "":
		return Example{}, errors.New(`missing "text"`)
	case raw.Label == nil:
		return Example{}, errors.New(`missing "label"`)
	}
	var label int
	if err := json.Unmarshal(*raw.Label, &label); err != nil {
		return Example{}, fmt.Errorf(`"label" must be an integer, got %s`, string(*raw.Label))
	}
	return Example{ID: *raw.ID, Text: *raw.Text, Label: label}, nil
}

// Write writes examples as JSONL.
func Write(w io.Writer, examples []Example) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range examples {
		if err := enc.Encode(&examples[i]); err != nil {
			return fmt.Errorf("write example %s: %w", examples[i].ID, err)
		}
	}
	return bw.Flush()
}
